# lib.sh - shared helpers for zramfs integration tests (source it; bash).
#
# Each test gets a private temp dir and mounts its own zramfs there, in
# the foreground under its control.  Everything a test creates (mount,
# loop device, swap, filesystem mount, cgroup) is recorded here and undone
# by its own id in the EXIT trap, never by name or wildcard.
#
#   start_zramfs [-o opts]     mount at $MNT, sets $DPID
#   attach IMAGE               losetup (direct-io, 4K sectors) -> sets $DEV
#                              (no $(...): the record must be made here)
#   do_mount DEV DIR [opts]    mount a filesystem, recorded
#   do_swapon DEV [opts]       swapon, recorded
#   ok DESC CMD...             PASS if CMD succeeds
#   eq DESC EXPECTED ACTUAL    PASS if equal
#   werr DESC ERRTEXT FILE VALUE   PASS if `echo VALUE > FILE` fails with ERRTEXT
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZRAMFS=${ZRAMFS:-$ROOT/zramfs}
T=$(mktemp -d /tmp/zramfs-test.XXXXXX)
MNT=$T/mnt
mkdir -p "$MNT"
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
# werr DESC ERRTEXT FILE VALUE: the write must fail with strerror ERRTEXT
werr() {
	local out
	out=$( (echo "$4" > "$3") 2>&1 )
	case $out in
	*"$2"*) pass "$1" ;;
	*) fail "$1: expected error '$2', got '${out:-success}'" ;;
	esac
}
# field N of a stats file (1-based)
field() { awk -v n="$2" '{print $n}' "$1"; }

is_mounted() { awk -v m="$1" '$2 == m {f=1} END {exit !f}' /proc/mounts; }

# mem_cap=0: the kernel's defaults even if the test runs in a limited
# memory cgroup (swap.sh tests the automatic cap on its own)
start_zramfs() {
	"$ZRAMFS" -f -o mem_cap=0 ${ZRAMFS_TEST_OPTS:-} "$@" "$MNT" 2>>"$T/daemon.log" &
	DPID=$!
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
