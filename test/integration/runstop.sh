#!/bin/bash
# runstop.sh - scripts/run.sh, behind make run / make stop: start records
# the daemon's pid and restarts over a dead mount (its daemon killed)
# instead of saying "already mounted"; stop unmounts and waits for the
# daemon to exit, and when another mount namespace still holds the mount
# says which and how to stop the daemon for good.
. "$(dirname "$0")/../lib.sh"
RUN=$ROOT/scripts/run.sh
PIDF=$MNT.pid
HOLDERS=()
# the holders' namespaces go first: then the daemon can exit
trap 'for p in "${HOLDERS[@]}"; do kill -9 "$p" 2>/dev/null; done; _cleanup' EXIT

# rs start|stop [SIZE]: run.sh on $MNT; its output in $T/rs.out, status in $rc
rs() {
	ZRAMFS_STOP_WAIT=${WAIT:-10} ZRAMFS_OPTS="${ZRAMFS_TEST_OPTS:-}" \
		"$RUN" "$1" "$MNT" ${2:-} > "$T/rs.out" 2>&1
	rc=$?
	[ "$1" = start ] && DPID=$(cat "$PIDF" 2>/dev/null)
	return 0
}
has() { grep -qF -- "$1" "$T/rs.out"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_gone() {
	local i
	for i in $(seq 100); do gone "$1" && return 0; sleep 0.1; done
	return 1
}
# a process in a mount namespace of its own, holding a copy of the mount
hold() {
	unshare -m --propagation private sleep 300 &
	HOLDER=$!
	HOLDERS+=("$HOLDER")
	sleep 0.3
}

rs start 0
eq "start: exit 0" 0 "$rc"
ok "start: mounted" test -f "$B/initstate"
ok "start: the pid file names the daemon" test "$(cat "/proc/$DPID/comm")" = zramfs
ok "start: and says it" has "zramfs mounted at $MNT (daemon $DPID)"
rs start 0
ok "start again: already mounted" has "already mounted at $MNT"
pid=$DPID
rs stop
eq "stop: exit 0" 0 "$rc"
ok "stop: says the daemon exited" has "unmounted $MNT; daemon $pid exited"
ok "stop: the daemon is gone when stop returns" gone "$pid"
notok "stop: unmounted" is_mounted "$MNT"
ok "stop: the pid file is removed" test ! -e "$PIDF"
DPID=""
rs stop
ok "stop with nothing mounted" has "nothing mounted at $MNT"

# -- a dead mount ----------------------------------------------------------------
rs start 16M
kill -9 "$DPID"
wait_gone "$DPID"
rs start 0
eq "start over a dead mount: exit 0" 0 "$rc"
ok "... says the mount was dead and is removed" has "the zramfs mount at $MNT is dead"
notok "... and not 'already mounted'" has "already mounted"
eq "... a new daemon serves" 0 "$(cat "$B/initstate" 2>&1)"
echo 8M > "$B/disksize"
eq "... and works" 8388608 "$(cat "$B/disksize" 2>&1)"
eq "... one mount at the path" 1 "$(awk -v m="$MNT" '$5 == m' /proc/self/mountinfo | wc -l)"
kill -9 "$DPID"
wait_gone "$DPID"
rs stop
ok "stop of a dead mount removes it" has "is dead"
notok "... nothing mounted" is_mounted "$MNT"
DPID=""

# -- another mount namespace holds the mount ----------------------------------
rs start 0
pid=$DPID
hold
ns=$(readlink "/proc/$HOLDER/ns/mnt")
WAIT=2 rs stop
eq "held elsewhere: stop fails" 1 "$rc"
ok "... the daemon still runs" kill -0 "$pid"
ok "... says so" has "but daemon $pid still runs"
ok "... names the namespace and its process" has "$ns at $MNT (processes: $HOLDER(sleep))"
ok "... says how to release it there" has "nsenter -t $HOLDER -m umount $MNT"
ok "... and how to stop for good" has "kill -TERM $pid"
notok "... unmounted here" is_mounted "$MNT"
WAIT=1 rs stop
ok "stop again names the namespace still" has "$ns at $MNT"
ok "nsenter umount in that namespace" nsenter -t "$HOLDER" -m umount "$MNT"
ok "... then the daemon exits" wait_gone "$pid"

rs start 0
pid=$DPID
hold
WAIT=1 rs stop
ok "held again: stop reports it" has "but daemon $pid still runs"
kill -TERM "$pid"
ok "kill -TERM stops the daemon for good" wait_gone "$pid"
out=$(nsenter -t "$HOLDER" -m stat "$MNT" 2>&1)
case $out in
*"not connected"*) pass "... the copy elsewhere is dead (ENOTCONN)" ;;
*) fail "... the copy elsewhere: '$out'" ;;
esac
DPID=""
finish
