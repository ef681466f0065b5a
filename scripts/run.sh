#!/bin/sh
# run.sh - start or stop a zramfs mount for interactive use (make run/stop).
#   run.sh start MNT [SIZE]  mount zramfs at MNT (daemon in the background)
#                       and initialise zram0 with disksize SIZE (default
#                       1G, lz4; 0 leaves it uninitialised, as modprobe)
#   run.sh stop MNT     unmount it (refused while an image is attached)
set -u
cmd=${1:?usage: run.sh start|stop MOUNTPOINT}
mnt=${2:?usage: run.sh start|stop MOUNTPOINT}
top=$(cd "$(dirname "$0")/.." && pwd)

mounted() { awk -v m="$mnt" '$2 == m && $3 ~ /^fuse/ {f=1} END {exit !f}' /proc/mounts; }

case $cmd in
start)
	if mounted; then
		echo "zramfs: already mounted at $mnt (make stop to unmount)"
		exit 0
	fi
	mkdir -p "$mnt" || exit 1
	"$top/zramfs" "$mnt" || exit 1
	size=${3:-1G}
	if [ "$size" != 0 ]; then
		echo "$size" > "$mnt/block/zram0/disksize" || exit 1
		cat <<MSG
zramfs mounted at $mnt; zram0 is ready: disksize $size, $(sed 's/.*\[\(.*\)\].*/\1/' "$mnt/block/zram0/comp_algorithm").

To choose another algorithm or size first (as with /sys/block/zram0):
  echo 1    > $mnt/block/zram0/reset
  echo zstd > $mnt/block/zram0/comp_algorithm
  echo 4G   > $mnt/block/zram0/disksize
MSG
	else
		cat <<MSG
zramfs mounted at $mnt with one uninitialised device, zram0.
  cat $mnt/block/zram0/comp_algorithm            # algorithms, [selected]
  echo zstd > $mnt/block/zram0/comp_algorithm    # optional
  echo 1G   > $mnt/block/zram0/disksize
MSG
	fi
	cat <<MSG

Use it:
  dev=\$(losetup --direct-io=on --sector-size 4096 -f --show $mnt/dev/zram0)
  mkswap \$dev && swapon --discard=pages \$dev     # or: mkfs.ext4 \$dev && mount \$dev /mnt
  cat $mnt/block/zram0/mm_stat                   # memory use
More devices: cat $mnt/class/zram-control/hot_add
Stop: swapoff/umount, losetup -d \$dev, then make stop
MSG
	;;
stop)
	if ! mounted; then
		echo "zramfs: nothing mounted at $mnt"
		exit 0
	fi
	if ! fusermount3 -u "$mnt"; then
		echo "zramfs: $mnt is busy: swapoff/umount and losetup -d the devices over its images first" >&2
		exit 1
	fi
	echo "zramfs: unmounted $mnt"
	;;
*)
	echo "usage: run.sh start|stop MOUNTPOINT" >&2
	exit 1
	;;
esac
