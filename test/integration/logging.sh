#!/bin/bash
# logging.sh - no log line is lost.  In the background with no syslog
# listening (containers, minimal hosts) lines go to stderr as it was at
# start, or to /run/zramfs.log when stderr is a pipe; -o log=PATH appends them to a file with a time stamp; -d logs
# every refused control-file write with the file, the input (escaped,
# cut), the errno and why.
. "$(dirname "$0")/../lib.sh"

# in a mount namespace of the test's own (the daemon and its mount live
# there too): without syslog (where /dev/log exists, it is hidden), and
# with a /run of its own (the default log file is /run/zramfs.log)
if [ -z "${ZRAMFS_LOGGING_NS:-}" ]; then
	trap - EXIT
	rm -rf "$T"
	exec unshare -m --propagation private env ZRAMFS_LOGGING_NS=1 bash "$0"
fi
if [ -e /dev/log ]; then
	need mount --bind /dev/null /dev/log
fi
need mount -t tmpfs zramfs-test-run /run

# bg_start ARGS...: the daemon in the background (no -f), as make run
# starts it; its pid from -o pidfile
bg_start() {
	"$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -o mem_cap=0,pidfile="$T/pid" "$@" "$MNT" 2>"$T/bg.err"
	DPID=$(cat "$T/pid" 2>/dev/null)
	[ -n "$DPID" ] && wait_mounted
}
# wait_line FILE TEXT: up to 5 s for TEXT to appear in FILE
wait_line() {
	local i
	for i in $(seq 50); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# sigterm_busy FILE: SIGTERM with the image attached must be logged to FILE
sigterm_busy() {
	echo 4M > "$B/disksize"
	attach "$IMG" || return 1
	kill -TERM "$DPID"
	wait_line "$1" "Terminated: not exiting: image open on zram0"
	local r=$?
	detach "$DEV"
	return $r
}
# stop_bg: SIGTERM once idle; wait for the exit
stop_bg() {
	local i
	for i in $(seq 50); do
		kill -TERM "$DPID" 2>/dev/null
		sleep 0.2
		kill -0 "$DPID" 2>/dev/null || break
	done
	! kill -0 "$DPID" 2>/dev/null
}

# -- background, no syslog: stderr ------------------------------------------
need bg_start
ok "background: the daemon detached (its pid is not ours)" \
	test "$(ps -o ppid= -p "$DPID" | tr -d ' ')" != $$
ok "background: 'mounted at' reaches stderr" \
	wait_line "$T/bg.err" "mounted at $MNT"
ok "background: the SIGTERM refusal reaches stderr" sigterm_busy "$T/bg.err"
ok "background: SIGTERM when idle ends the daemon" stop_bg
ok "background: ... and says so" wait_line "$T/bg.err" "Terminated: exiting"
ok "the pid file is removed at exit" test ! -e "$T/pid"
DPID=""

# -- background, no syslog, stderr a pipe: /run/zramfs.log ------------------
# a caller reading the pipe ($(...), | tail, ssh) waits for its end: the
# daemon must let go of it (10 s, then the reader gives up: 124)
"$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -o mem_cap=0,pidfile="$T/pid" "$MNT" 2>&1 |
	timeout 10 cat > "$T/pipe.out"
rc=${PIPESTATUS[1]}
DPID=$(cat "$T/pid" 2>/dev/null)
need wait_mounted
eq "stderr a pipe: the reader sees its end (the daemon let go of it)" 0 "$rc"
eq "... and was told where the lines go" \
	"zramfs: no syslog on /dev/log and stderr is a pipe: logging to /run/zramfs.log (-o log=PATH to choose)" \
	"$(cat "$T/pipe.out")"
ok "... 'mounted at' in /run/zramfs.log, time-stamped" \
	wait_line /run/zramfs.log "zramfs[$DPID]: mounted at $MNT"
ok "... the SIGTERM refusal too" sigterm_busy /run/zramfs.log
ok "... SIGTERM when idle ends the daemon" stop_bg
DPID=""

# -- -o log=PATH --------------------------------------------------------------
( cd "$T" && "$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -o mem_cap=0,pidfile=pid,log=zramfs.log "$MNT" 2>"$T/bg.err" )
DPID=$(cat "$T/pid" 2>/dev/null)
need wait_mounted
ok "log=PATH (relative: the caller's directory)" test -f "$T/zramfs.log"
ok "log=PATH: 'mounted at' in the file" wait_line "$T/zramfs.log" "mounted at $MNT"
ok "log=PATH: lines are time-stamped" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} zramfs\[[0-9]+\]: mounted at' "$T/zramfs.log"
ok "log=PATH: the SIGTERM refusal in the file" sigterm_busy "$T/zramfs.log"
eq "log=PATH: nothing on stderr" "" "$(cat "$T/bg.err")"
ok "log=PATH: SIGTERM when idle ends the daemon" stop_bg
DPID=""

"$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -f -o log="$T/no/such/dir/x.log" "$MNT" 2>"$T/err.txt"
ok "log=PATH in a missing directory is refused" test $? -ne 0
ok "... with the reason" grep -qF "bad option log=$T/no/such/dir/x.log: No such file or directory" "$T/err.txt"
notok "... and nothing is mounted" is_mounted "$MNT"

# -- -d: refused control writes -----------------------------------------------
need start_zramfs -d
: > "$T/daemon.log"
echo bogus > "$B/comp_algorithm" 2>/dev/null
printf '4 \n' > "$C/hot_remove" 2>/dev/null
echo 77 > "$C/hot_remove" 2>/dev/null
printf 'x%.0s' $(seq 300) > "$B/disksize" 2>/dev/null
printf '1\001\n' > "$B/mem_limit" 2>/dev/null
echo lz4 > "$B/comp_algorithm"
echo 8M > "$B/disksize"
echo zstd > "$B/comp_algorithm" 2>/dev/null
dwrite "$IMG" if=/dev/zero bs=4k count=1
ok "-d: an unknown algorithm is logged with the file, input, errno, reason" \
	wait_line "$T/daemon.log" 'write to block/zram0/comp_algorithm refused: "bogus\n" (6 bytes): EINVAL (Invalid argument): not an algorithm listed in comp_algorithm'
ok "-d: hot_remove '4 \\n'" \
	grep -qF 'write to class/zram-control/hot_remove refused: "4 \n" (3 bytes): EINVAL (Invalid argument): not a number' "$T/daemon.log"
ok "-d: hot_remove of an unknown id" \
	grep -qF 'refused: "77\n" (3 bytes): ENODEV (No such device): no device with that id' "$T/daemon.log"
ok "-d: a long input is cut at 80 bytes" \
	grep -qF "refused: \"$(printf 'x%.0s' $(seq 80))\"... (300 bytes): EINVAL" "$T/daemon.log"
ok "-d: control characters are escaped" \
	grep -qF 'write to block/zram0/mem_limit refused: "1\x01\n" (3 bytes): EINVAL' "$T/daemon.log"
ok "-d: EBUSY after init says why" \
	grep -qF 'refused: "zstd\n" (5 bytes): EBUSY (Device or resource busy): cannot change once the device is initialised' "$T/daemon.log"
eq "-d: accepted writes are not logged as refused" 6 "$(grep -c ' refused: ' "$T/daemon.log")"
stop_zramfs

# without -d, nothing of it
need start_zramfs
: > "$T/daemon.log"
echo bogus > "$B/comp_algorithm" 2>/dev/null
sleep 0.2
eq "without -d refused writes are not logged" 0 "$(grep -c ' refused: ' "$T/daemon.log")"
finish
