#!/bin/bash
# shutdown.sh - the daemon's end is ordered under any signal timing: the
# session ending from outside while SIGTERMs keep coming, before, during
# and after the end, always exits 0, with no sanitizer report.
#
#   idle:   SIGTERMs from 0-20 ms before to after `fusermount3 -u`
#   lazy:   the image held open, so SIGTERMs are refused; lazy unmount,
#           then the last close ends the session
#   handles: control files and a directory held open as it ends
#   abort:  the image held open and SIGTERMs refused; the connection is
#           aborted (fusectl), so the loop ends while the signal thread
#           is waiting for the image's release
#
# Before the fix, a SIGTERM handled after the session was destroyed wrote
# into it (fuse_session_exit).  That write is inside libfuse, which ASan
# does not instrument, and the window is short; valgrind sees it in
# about one "abort" round in five: SHUTDOWN_VALGRIND=1 runs the daemon
# under valgrind memcheck (not with a sanitizer build).
. "$(dirname "$0")/../lib.sh"

if [ -n "${SHUTDOWN_VALGRIND:-}" ]; then
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 "%s" "$@"\n' \
		"$ZRAMFS" > "$T/zramfs-vg"
	chmod +x "$T/zramfs-vg"
	ZRAMFS=$T/zramfs-vg
	ZRAMFS_TEST_OPTS="${ZRAMFS_TEST_OPTS:-} -o no_mlock"
fi

# term_loop DELAY_MS: SIGTERM to $DPID every millisecond, from DELAY_MS
# after "$T/ready" appears, until it exits (20 s at most).  By pidfd,
# opened while the daemon surely runs, so never to a recycled pid.
term_loop() {
	rm -f "$T/ready"
	python3 - "$DPID" "$1" "$T/ready" 3<&- <<'PY' &
import os, signal, sys, time
fd = os.pidfd_open(int(sys.argv[1]))
open(sys.argv[3], "w").close()
time.sleep(int(sys.argv[2]) / 1000)
end = time.monotonic() + 20
while time.monotonic() < end:
    try:
        signal.pidfd_send_signal(fd, signal.SIGTERM)
    except ProcessLookupError:
        break
    time.sleep(0.001)
PY
	TPID=$!
	for _ in $(seq 100); do [ -e "$T/ready" ] && return 0; sleep 0.05; done
	return 1
}

# ended DESC [mounted]: the daemon exits by itself, status 0, with no
# report; unmounted unless told otherwise (an aborted connection's mount
# stays until unmounted)
ended() {
	local rc
	for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DPID" 2>/dev/null; then
		fail "$1: daemon still running after 10 s"
		wait "$TPID"
		stop_zramfs
		return
	fi
	wait "$TPID"
	wait "$DPID"
	rc=$?
	DPID=""
	eq "$1: exit status 0" 0 "$rc"
	[ -n "${2:-}" ] || notok "$1: unmounted" is_mounted "$MNT"
	if grep -qE 'Sanitizer|runtime error|Invalid (read|write)' "$T/daemon.log"; then
		fail "$1: memory error: $(grep -m3 -E 'ERROR|runtime error|Invalid|#[0-3] |by 0x' "$T/daemon.log")"
	else
		pass "$1: no memory error reported"
	fi
	: > "$T/daemon.log"
}

# refused: the daemon logs a refusal within 5 s and stays
refused() {
	for _ in $(seq 50); do
		grep -q "not exiting: image open on zram0" "$T/daemon.log" && break
		sleep 0.1
	done
	grep -q "not exiting: image open on zram0" "$T/daemon.log" &&
		kill -0 "$DPID"
}

# start DESC: mount with 32 MiB stored (more to free at the end)
start() {
	start_zramfs || { fail "$1: mount"; return 1; }
	echo 64M > "$MNT/block/zram0/disksize"
	head -c 32M /dev/urandom > "$MNT/dev/zram0"
}

round=0
for delay in 20 10 5 2 1 0 0 0; do
	round=$((round + 1))
	start "idle $round" || continue
	# the unmount first when the delay is long, the signals first when 0
	term_loop $delay || { fail "idle $round: signal loop"; continue; }
	fusermount3 -u "$MNT" 2>/dev/null
	ended "idle $round (SIGTERMs from ${delay} ms)"
done

for round in 1 2; do
	start "lazy $round" || continue
	exec 3< "$MNT/dev/zram0"
	term_loop 0 || { fail "lazy $round: signal loop"; exec 3<&-; continue; }
	ok "lazy $round: SIGTERM refused while open" refused
	ok "lazy $round: lazy unmount" fusermount3 -u -z "$MNT"
	sleep 0.$((round * 2))
	exec 3<&-
	ended "lazy $round (last close after a lazy unmount)"
done

# control files (one read, one not) and a directory still open when the
# daemon ends: no release comes for them, and their handles are freed all
# the same (under ASan, a leak report and exit status 134 before)
if start "handles"; then
	exec 3< "$MNT/block/zram0/mm_stat" 4< "$MNT/class/zram-control/hot_add" 5< "$MNT/block"
	read -r _ <&3
	if term_loop 0; then
		ended "handles (control files and a directory open at the end)" mounted
	else
		fail "handles: signal loop"
	fi
	exec 3<&- 4<&- 5<&-
	is_mounted "$MNT" && fusermount3 -u "$MNT"
fi

# a private mount of the (single) fusectl instance, undone by the trap
mkdir -p "$T/fusectl"
if mount -t fusectl none "$T/fusectl"; then
	MOUNTS+=("$T/fusectl")
else
	fail "mount fusectl"
fi
for round in 1 2 3; do
	is_mounted "$T/fusectl" || break
	start "abort $round" || continue
	exec 3< "$MNT/dev/zram0"
	conn=$(stat -c %d "$MNT")
	term_loop 0 || { fail "abort $round: signal loop"; exec 3<&-; continue; }
	ok "abort $round: SIGTERM refused while open" refused
	sleep 0.$((round * 3 - 3))
	ok "abort $round: abort the connection" \
		sh -c "echo 1 > '$T/fusectl/$conn/abort'"
	ended "abort $round (connection aborted while open)" mounted
	exec 3<&-
	ok "abort $round: unmount the dead mount" fusermount3 -u "$MNT"
done
finish
