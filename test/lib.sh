# lib.sh - shared helpers for zramfs integration tests (source it; bash).
#
# Each test gets a private temp dir and mounts its own zramfs there, in
# the foreground under its control.  Everything a test creates (mount,
# loop device, swap, filesystem mount, cgroup) is recorded here and undone
# by its own id in the EXIT trap, never by name or wildcard.
#
# A test usually begins:
#   . "$(dirname "$0")/../lib.sh"
#   need start_zramfs
#
# Set on sourcing:
#   LC_ALL=C (exported)        error texts and sort order as the tests expect
#   T                          the test's private temp dir (removed at exit)
#   MNT  B  IMG  C             the mount; its zram0 control dir, zram0 image,
#                              class/zram-control dir
#   MiB GiB                    1048576, 1073741824
#   ZERO9                      mm_stat of an empty device (9 zeros, %8llu)
#
# Daemon and the things a test creates (all recorded, undone at exit):
#   start_zramfs [-o opts]     mount at $MNT, sets $DPID; stop_zramfs
#   wait_mounted               wait until $DPID has mounted $MNT
#   is_mounted DIR             DIR is a mount point (/proc/mounts)
#   attach IMAGE               losetup (direct-io, 4K sectors) -> sets $DEV
#                              (no $(...): the record must be made here)
#   detach DEV; do_mount DEV DIR [opts]; do_umount DIR
#   do_swapon DEV [opts]; do_swapoff DEV
#   mkcg NAME LIMIT            a memory cgroup -> sets $CG; run_in_cg DIR CMD
#
# Results (test/run.sh counts the PASS/FAIL lines):
#   pass DESC / fail DESC      print the line
#   ok DESC CMD...             PASS if CMD succeeds
#   notok DESC CMD...          PASS if CMD fails
#   eq DESC EXPECTED ACTUAL    PASS if equal
#   werr DESC ERRTEXT FILE VALUE   PASS if `echo VALUE > FILE` fails with ERRTEXT
#   need CMD...                run CMD in this shell; if it fails, FAIL and
#                              end the test (a test that cannot run fails)
#   finish                     end the test; exit status 1 if anything failed
#
# Reading and writing:
#   put FILE VALUE             echo VALUE > FILE; prints the error, if any
#   wr FILE STRING             the same without the newline
#   field FILE N               field N (1-based) of a stats file
#   selected [DIR]             the bracketed comp_algorithm of DIR ($B)
#   lsj DIR                    DIR's entries on one line
#   dread FILE [dd args]       O_DIRECT read of FILE to stdout
#   dwrite FILE [dd args]      O_DIRECT write into FILE (conv=notrunc)
#   sha [FILE]                 sha256 of FILE or stdin, hex only
#   dsha FILE [dd args]        sha of an O_DIRECT read (dread | sha)
#   zero_sha BYTES             sha of BYTES zero bytes
#   text_corpus BYTES          BYTES of C headers (/usr/include): real text
#   seek_data FILE OFFSET      lseek(SEEK_DATA) from OFFSET, or the error
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZRAMFS=${ZRAMFS:-$ROOT/zramfs}
T=$(mktemp -d /tmp/zramfs-test.XXXXXX)
MNT=$T/mnt
mkdir -p "$MNT"
B=$MNT/block/zram0
IMG=$MNT/dev/zram0
C=$MNT/class/zram-control
MiB=1048576 GiB=1073741824
ZERO9=$(printf '%8u %8u %8u %8u %8u %8u %8u %8u %8u' 0 0 0 0 0 0 0 0 0)
DPID=""
LOOPS=() MOUNTS=() SWAPS=() CGROUPS=()
_failed=0

_cleanup() {
	local i
	if [ "$_failed" != 0 ] && [ -s "$T/daemon.log" ]; then
		echo "--- daemon log:"
		tail -n 40 "$T/daemon.log"
	fi
	for ((i = ${#SWAPS[@]} - 1; i >= 0; i--)); do
		timeout 120 swapoff "${SWAPS[i]}" 2>/dev/null
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		timeout 60 umount "${MOUNTS[i]}" 2>/dev/null ||
			timeout 60 umount -l "${MOUNTS[i]}" 2>/dev/null
	done
	for ((i = ${#LOOPS[@]} - 1; i >= 0; i--)); do
		timeout 30 losetup -d "${LOOPS[i]}" 2>/dev/null
	done
	if [ -n "$DPID" ]; then
		stop_zramfs
	fi
	for ((i = ${#CGROUPS[@]} - 1; i >= 0; i--)); do
		rmdir "${CGROUPS[i]}" 2>/dev/null
	done
	rm -rf "$T"
}
trap _cleanup EXIT

# PASS/FAIL lines are what test/run.sh counts
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; _failed=1; }
ok() {
	local desc=$1; shift
	if "$@" >"$T/ok.out" 2>&1; then pass "$desc"; else
		fail "$desc: '$*' failed: $(head -c 300 "$T/ok.out")"; fi
}
notok() {
	local desc=$1; shift
	if "$@" >/dev/null 2>&1; then fail "$desc: '$*' succeeded"; else pass "$desc"; fi
}
eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else
		fail "$1: expected '$2', got '$3'"; fi
}
# need CMD...: run CMD here (its records kept); if it fails, the test
# cannot go on: FAIL and end it
need() {
	"$@" && return 0
	fail "$*: failed, cannot go on"
	finish
}
# put FILE VALUE / wr FILE STRING: write, with / without a newline; print
# the error (nothing on success)
put() { (echo "$2" > "$1") 2>&1; }
wr() { (printf '%s' "$2" > "$1") 2>&1; }
# werr DESC ERRTEXT FILE VALUE: the write must fail with strerror ERRTEXT
werr() {
	local out
	out=$(put "$3" "$4")
	case $out in
	*"$2"*) pass "$1" ;;
	*) fail "$1: expected error '$2', got '${out:-success}'" ;;
	esac
}
# field N of a stats file (1-based)
field() { awk -v n="$2" '{print $n}' "$1"; }
# used_sampler_start: zram0's mem_used_total sampled every 50 ms in the
# background (it ends by itself if the test ends first);
# used_sampler_stop: ends it and prints the largest sample (0 if none)
used_sampler_start() {
	rm -f "$T/used.stop" "$T/used.max"
	( max=0
	  while [ -d "$T" ] && [ ! -e "$T/used.stop" ]; do
		u=$(field "$B/mm_stat" 3)
		[ "${u:-0}" -gt "$max" ] && max=$u && echo "$max" > "$T/used.max"
		sleep 0.05
	  done ) &
	USED_SAMPLER=$!
}
used_sampler_stop() {
	touch "$T/used.stop"
	wait "$USED_SAMPLER"
	cat "$T/used.max" 2>/dev/null || echo 0
}
# the selected algorithm: what comp_algorithm shows in brackets
selected() { sed -n 's/.*\[\([^]]*\)\].*/\1/p' "${1:-$B}/comp_algorithm"; }
# a directory's entries on one line, space-separated
lsj() { ls -1 "$1" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }

# O_DIRECT I/O on an image or device: dd with the flags every test uses
dread() { local f=$1; shift; dd if="$f" iflag=direct status=none "$@"; }
dwrite() { local f=$1; shift; dd of="$f" oflag=direct conv=notrunc status=none "$@"; }
sha() { sha256sum "$@" | cut -d' ' -f1; }
dsha() { dread "$@" | sha; }
zero_sha() { head -c "$1" /dev/zero | sha; }
# BYTES of real text: the C headers, in a fixed order
text_corpus() {
	find /usr/include -name '*.h' 2>/dev/null | sort | xargs cat 2>/dev/null |
		head -c "$1"
}
seek_data() {
	timeout 20 python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.lseek(fd, int(sys.argv[2]), os.SEEK_DATA))' "$1" "$2" 2>&1
}

is_mounted() { awk -v m="$1" '$2 == m {f=1} END {exit !f}' /proc/mounts; }

# mem_cap=0: the kernel's defaults even if the test runs in a limited
# memory cgroup (swap.sh tests the automatic cap on its own)
start_zramfs() {
	"$ZRAMFS" -f -o mem_cap=0 ${ZRAMFS_TEST_OPTS:-} "$@" "$MNT" 2>>"$T/daemon.log" &
	DPID=$!
	wait_mounted
}

# wait_mounted: up to 10 s for the daemon $DPID to mount $MNT
wait_mounted() {
	local i
	for i in $(seq 100); do
		is_mounted "$MNT" && [ -d "$MNT/block" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "zramfs did not mount: $(cat "$T/daemon.log")" >&2
	return 1
}

stop_zramfs() {
	local i
	is_mounted "$MNT" && timeout 30 fusermount3 -u "$MNT"
	for i in $(seq 100); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DPID" 2>/dev/null; then
		echo "daemon $DPID did not exit; killing it" >&2
		kill -9 "$DPID"
	fi
	wait "$DPID" 2>/dev/null
	DPID=""
}

attach() {
	DEV=$(losetup --direct-io=on --sector-size 4096 -f --show "$1") || return 1
	LOOPS+=("$DEV")
}

detach() {
	local i
	losetup -d "$1" || return 1
	for i in "${!LOOPS[@]}"; do
		[ "${LOOPS[i]}" = "$1" ] && unset 'LOOPS[i]'
	done
	LOOPS=("${LOOPS[@]}")
}

do_mount() {
	mkdir -p "$2"
	mount "$1" "$2" ${3:+-o "$3"} || return 1
	MOUNTS+=("$2")
}

do_umount() {
	local i
	umount "$1" || return 1
	for i in "${!MOUNTS[@]}"; do
		[ "${MOUNTS[i]}" = "$1" ] && unset 'MOUNTS[i]'
	done
	MOUNTS=("${MOUNTS[@]}")
}

do_swapon() {
	timeout 60 swapon "$@" || return 1
	SWAPS+=("$1")
}

do_swapoff() {
	local i
	timeout 120 swapoff "$1" || return 1
	for i in "${!SWAPS[@]}"; do
		[ "${SWAPS[i]}" = "$1" ] && unset 'SWAPS[i]'
	done
	SWAPS=("${SWAPS[@]}")
}

# end of test: exit status reflects failures
finish() { exit $_failed; }

# -- memory cgroups (v1 or v2), recorded for removal ----------------------
# mkcg NAME LIMIT -> sets $CG to the new cgroup's dir
mkcg() {
	local dir
	if [ -f /sys/fs/cgroup/cgroup.controllers ] &&
	   grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
		dir=/sys/fs/cgroup/$1
		mkdir "$dir" || return 1
		CGROUPS+=("$dir")
		echo "$2" > "$dir/memory.max" || return 1
	elif [ -d /sys/fs/cgroup/memory ]; then
		dir=/sys/fs/cgroup/memory/$1
		mkdir "$dir" || return 1
		CGROUPS+=("$dir")
		echo "$2" > "$dir/memory.limit_in_bytes" || return 1
	else
		echo "no memory cgroup controller" >&2
		return 1
	fi
	CG=$dir
}
# run_in_cg DIR CMD... : exec CMD inside the cgroup (in the background: $!)
run_in_cg() {
	local dir=$1; shift
	exec sh -c 'echo $$ > "$1"; shift; exec "$@"' _ "$dir/cgroup.procs" "$@"
}
