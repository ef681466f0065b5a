#!/bin/sh
# run.sh - start or stop a zramfs mount for interactive use (make run/stop).
#   run.sh start MNT [SIZE]  mount zramfs at MNT (daemon in the background,
#                       its pid in MNT.pid) and initialise zram0 with
#                       disksize SIZE (default 1G, lz4; 0 leaves it
#                       uninitialised, as modprobe).  A dead zramfs mount
#                       at MNT (its daemon killed) is removed first.
#   run.sh stop MNT     unmount it (refused while an image is attached),
#                       then wait for the daemon to exit; if it does not
#                       because other mount namespaces still hold the
#                       mount, say which and how to stop it for good.
# ZRAMFS_STOP_WAIT: seconds stop waits for the daemon (default 10);
# ZRAMFS_OPTS: more arguments for the daemon at start (e.g. -o log=PATH).
set -u
cmd=${1:?usage: run.sh start|stop MOUNTPOINT}
mnt=${2:?usage: run.sh start|stop MOUNTPOINT}
top=$(cd "$(dirname "$0")/.." && pwd)
mnt=${mnt%/}
[ -n "$mnt" ] || mnt=/
pidf=$mnt.pid
size=${3:-1G}
wait_s=${ZRAMFS_STOP_WAIT:-10}

# the topmost mount at exactly $mnt: "MAJ:MIN FSTYPE SOURCE", or nothing
mount_at() {
	awk -v m="$mnt" '$5 == m {
		for (i = 7; $i != "-"; i++) ;
		line = $3 " " $(i + 1) " " $(i + 2)
	} END { if (line != "") print line }' /proc/self/mountinfo
}
is_zramfs() {	# FSTYPE SOURCE
	[ "$2" = zramfs ] && { [ "$1" = fuse ] || [ "$1" = fuse.zramfs ]; }
}
# the mount is dead: its daemon is gone, every access fails ENOTCONN
is_dead() {
	case $(LC_ALL=C stat -c %i "$mnt" 2>&1) in
	*"not connected"*) return 0 ;;
	esac
	return 1
}
# the daemon's pid from the pid file, if that process still runs zramfs
daemon_pid() {
	local p
	p=$(cat "$pidf" 2>/dev/null) || return 1
	case $p in ''|*[!0-9]*) return 1 ;; esac
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = zramfs ] || return 1
	echo "$p"
}
remove_dead() {
	echo "zramfs: the zramfs mount at $mnt is dead (its daemon exited or was killed): removing it (umount -l)"
	umount -l "$mnt" || fusermount3 -uz "$mnt"
}

# holders DEV: the mount namespaces other than ours holding DEV (or, with
# DEV empty, a zramfs at $mnt): "ns mountpoint pid..." per line
holders() {
	local dev=$1 self p ns f
	self=$(readlink /proc/self/ns/mnt)
	for f in /proc/[0-9]*/mountinfo; do
		p=${f#/proc/}
		p=${p%/mountinfo}
		ns=$(readlink "/proc/$p/ns/mnt" 2>/dev/null) || continue
		[ "$ns" = "$self" ] && continue
		awk -v dev="$dev" -v m="$mnt" -v ns="$ns" -v p="$p" '{
			for (i = 7; $i != "-"; i++) ;
			if (dev != "") {
				if ($3 == dev)
					print ns, $5, p
			} else if ($(i + 2) == "zramfs" && $5 == m) {
				print ns, $5, p
			}
		}' "$f" 2>/dev/null
	done | sort -u | awk '{
		k = $1 " " $2
		if (!(k in pids)) order[n++] = k
		pids[k] = pids[k] " " $3
	} END { for (i = 0; i < n; i++) print order[i] pids[order[i]] }'
}

# wait_exit PID: up to $wait_s seconds for PID to exit
wait_exit() {
	local i=0
	while kill -0 "$1" 2>/dev/null; do
		[ "$i" -ge $((wait_s * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# the daemon did not exit after the unmount: say what holds it
report_held() {
	local pid=$1 dev=$2 h
	h=$(holders "$dev")
	if [ -n "$h" ]; then
		echo "zramfs: unmounted $mnt here, but daemon $pid still runs: other mount namespaces hold a copy of the mount:" >&2
		echo "$h" | while read -r ns point pids; do
			echo "  $ns at $point (processes:$(for p in $pids; do printf ' %s(%s)' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)"; done))" >&2
		done
		first=$(echo "$h" | head -n 1)
		set -- $first
		cat >&2 <<MSG
The daemon (and its locked memory) stays until every copy is unmounted:
  nsenter -t $3 -m umount $2     # once per namespace above
or stop it for good now (the copies then fail with ENOTCONN; refused
while an image is still attached anywhere):
  kill -TERM $pid
MSG
	else
		echo "zramfs: unmounted $mnt, but daemon $pid has not exited after ${wait_s}s; stop it with: kill -TERM $pid" >&2
	fi
}

case $cmd in
start)
	set -- $(mount_at)
	if [ $# -eq 3 ]; then
		if is_zramfs "$2" "$3" && is_dead; then
			remove_dead || exit 1
		elif is_zramfs "$2" "$3"; then
			echo "zramfs: already mounted at $mnt (make stop to unmount)"
			exit 0
		else
			echo "zramfs: $mnt is already a mount point ($3, $2): unmount it or choose another MNT" >&2
			exit 1
		fi
	fi
	mkdir -p "$mnt" || exit 1
	"$top/zramfs" ${ZRAMFS_OPTS:-} -o pidfile="$pidf" "$mnt" || exit 1
	if [ "$size" != 0 ]; then
		echo "$size" > "$mnt/block/zram0/disksize" || exit 1
		cat <<MSG
zramfs mounted at $mnt (daemon $(cat "$pidf" 2>/dev/null)); zram0 is ready: disksize $size, $(sed 's/.*\[\(.*\)\].*/\1/' "$mnt/block/zram0/comp_algorithm").

To choose another algorithm or size first (as with /sys/block/zram0):
  echo 1    > $mnt/block/zram0/reset
  echo zstd > $mnt/block/zram0/comp_algorithm
  echo 4G   > $mnt/block/zram0/disksize
MSG
	else
		cat <<MSG
zramfs mounted at $mnt (daemon $(cat "$pidf" 2>/dev/null)) with one uninitialised device, zram0.
  cat $mnt/block/zram0/comp_algorithm            # algorithms, [selected]
  echo zstd > $mnt/block/zram0/comp_algorithm    # optional
  echo 1G   > $mnt/block/zram0/disksize
MSG
	fi
	cat <<MSG

Use it:
  dev=\$(losetup --direct-io=on --sector-size 4096 -f --show $mnt/dev/zram0)
  mkswap \$dev && swapon --discard=pages \$dev     # or: mkfs.ext4 \$dev && mount -o discard \$dev /mnt
  cat $mnt/block/zram0/mm_stat                   # memory use
More devices: cat $mnt/class/zram-control/hot_add
Stop: swapoff \$dev (or umount /mnt), losetup -d \$dev, then make stop
MSG
	;;
stop)
	pid=$(daemon_pid) || pid=
	set -- $(mount_at)
	dev=
	if [ $# -eq 3 ] && is_zramfs "$2" "$3"; then
		dev=$1
		if is_dead; then
			remove_dead || exit 1
		elif ! fusermount3 -u "$mnt"; then
			echo "zramfs: $mnt is busy: swapoff/umount and losetup -d the devices over its images first" >&2
			exit 1
		fi
	elif [ -z "$pid" ]; then
		echo "zramfs: nothing mounted at $mnt"
		exit 0
	fi
	if [ -z "$pid" ]; then
		echo "zramfs: unmounted $mnt (no daemon pid in $pidf: not waiting for it)"
		exit 0
	fi
	if wait_exit "$pid"; then
		echo "zramfs: unmounted $mnt; daemon $pid exited"
		exit 0
	fi
	report_held "$pid" "$dev"
	exit 1
	;;
*)
	echo "usage: run.sh start|stop MOUNTPOINT" >&2
	exit 1
	;;
esac
