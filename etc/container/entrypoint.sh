#!/bin/sh
# entrypoint.sh - PID 1 of a zramfs container (see doc/containers.md).
#
#   entrypoint.sh [ZRAMFS OPTIONS...]         e.g.  -o allow_other,num_devices=2
#
# Environment (all optional):
#   ZRAMFS_MNT         mount point, the volume shared with the workload
#                      (default /run/zramfs)
#   ZRAMFS_ALGORITHM   comp_algorithm written to zram0 once mounted
#   ZRAMFS_DISKSIZE    disksize written to zram0 once mounted (unset: zram0
#                      stays uninitialised, as after modprobe)
#   ZRAMFS_SETUP       a command run once zram0 is set up, e.g.
#                      "zramfs-swap start"; if it fails the container stops
#   ZRAMFS_STOP_RETRY  seconds between SIGTERMs to a daemon that refused
#                      to exit (default 1)
#   ZRAMFS_BIN         the daemon (default: zramfs from PATH)
#
# The contract (doc/containers.md, "Stopping"):
#  - start: a dead zramfs left mounted at ZRAMFS_MNT by a container that
#    was killed (its accesses fail with ENOTCONN) is lazily unmounted, by
#    that exact path, before the new daemon mounts there; a live one is
#    left alone and this container exits with an error;
#  - SIGTERM/SIGINT/SIGHUP are forwarded to the daemon.  The daemon refuses
#    to exit while an image is open (a loop device, swap, a filesystem, a
#    program holding dev/zramN) and logs the busy devices; this script
#    sends SIGTERM again every ZRAMFS_STOP_RETRY seconds, so the daemon
#    exits, unmounting, as soon as the last user lets go;
#  - it never detaches, swaps off or unmounts what others made, and never
#    kills the daemon: whoever attached an image detaches it (the workload's
#    own shutdown, or the preStop hook that runs "zramfs-swap stop"), and
#    the orchestrator's SIGKILL at the end of the grace period is the
#    backstop;
#  - the exit status is the daemon's (0 after a clean unmount).
set -u
mnt=${ZRAMFS_MNT:-/run/zramfs}
bin=${ZRAMFS_BIN:-zramfs}
retry=${ZRAMFS_STOP_RETRY:-1}
pid="" stop=0 failed=0

log() { echo "zramfs-entrypoint: $*" >&2; }

# a zramfs mount at exactly $mnt: 0 if one is listed in our mount table
mounted_here() {
	awk -v m="$mnt" '$2 == m && $1 == "zramfs" && $3 ~ /^fuse/ {f = 1}
		END {exit !f}' /proc/self/mounts
}

# The first signal starts a retrier in the background: `wait` below returns
# when a trapped signal arrives and then waits again, for the daemon only.
retrier=""
on_signal() {
	stop=1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	[ -n "$retrier" ] && return 0
	(while sleep "$retry"; do kill -TERM "$pid" 2>/dev/null || exit 0; done) &
	retrier=$!
}
trap on_signal TERM INT HUP

# A killed daemon leaves its mount behind (with Bidirectional propagation,
# on the host too): every access fails with ENOTCONN and a new mount on top
# would fail the same way.  Stacked dead mounts are removed one by one.
n=0
while mounted_here; do
	if stat "$mnt/block" >/dev/null 2>&1; then
		log "a live zramfs is already mounted at $mnt; not mounting another"
		exit 1
	fi
	log "removing the dead zramfs mount at $mnt (lazy unmount)"
	umount -l "$mnt" || exit 1
	n=$((n + 1))
	[ $n -lt 16 ] || { log "$mnt: still mounted after $n unmounts"; exit 1; }
done
mkdir -p "$mnt" || exit 1

"$bin" -f "$@" "$mnt" &
pid=$!
[ "$stop" = 1 ] && on_signal

# fail: stop the daemon (nothing is attached yet unless SETUP attached it)
# and leave with an error
fail_start() {
	log "$*"
	failed=1
	on_signal
}

i=0
until mounted_here && [ -d "$mnt/block/zram0" ]; do
	kill -0 "$pid" 2>/dev/null || break
	i=$((i + 1))
	[ $i -lt 300 ] || { fail_start "the daemon did not mount $mnt in 30 s"; break; }
	sleep 0.1
done
if [ "$stop" = 0 ] && kill -0 "$pid" 2>/dev/null; then
	z=$mnt/block/zram0
	if [ -n "${ZRAMFS_ALGORITHM:-}" ] &&
	   ! echo "$ZRAMFS_ALGORITHM" > "$z/comp_algorithm"; then
		fail_start "cannot set comp_algorithm $ZRAMFS_ALGORITHM"
	elif [ -n "${ZRAMFS_DISKSIZE:-}" ] &&
	     ! echo "$ZRAMFS_DISKSIZE" > "$z/disksize"; then
		fail_start "cannot set disksize $ZRAMFS_DISKSIZE"
	elif [ -n "${ZRAMFS_SETUP:-}" ] && ! sh -c "$ZRAMFS_SETUP"; then
		fail_start "setup failed: $ZRAMFS_SETUP"
	fi
fi

rc=0
while :; do
	wait "$pid"
	rc=$?
	# wait also returns when a trapped signal arrives; the daemon is gone
	# once kill -0 fails (a zombie still answers: the next wait reaps it)
	kill -0 "$pid" 2>/dev/null || break
done
[ -n "$retrier" ] && kill "$retrier" 2>/dev/null
[ $failed = 1 ] && rc=1
log "daemon exited with status $rc"
exit $rc
