#!/bin/sh
# zramfs-swap.sh start|stop - size zram0 (half of RAM, zstd), attach it to a
# loop device and swap on it; or undo exactly that.  The loop device name
# is kept in /run/zramfs-swap.loop so stop touches only what start made.
set -eu
M=/run/zramfs
STATE=/run/zramfs-swap.loop
case $1 in
start)
	for _ in $(seq 50); do [ -d $M/block/zram0 ] && break; sleep 0.1; done
	echo zstd > $M/block/zram0/comp_algorithm
	awk '/MemTotal/ {print $2 / 2 "K"}' /proc/meminfo > $M/block/zram0/disksize
	dev=$(losetup --direct-io=on --sector-size 4096 -f --show $M/dev/zram0)
	echo "$dev" > $STATE
	mkswap "$dev" >/dev/null
	swapon --discard=pages --priority 100 "$dev"
	;;
stop)
	[ -f $STATE ] || exit 0
	dev=$(cat $STATE)
	swapoff "$dev" || true
	losetup -d "$dev"
	rm -f $STATE
	fusermount3 -u $M
	;;
esac
