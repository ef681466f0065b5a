#!/bin/bash
# zramfsctl.sh - zramfsctl's status output against util-linux zramctl for
# the same control files, and its zramctl-style actions.
#
# The comparison: in a private mount namespace (unshare -m, propagation
# private) MNT/block/zram0 is bind-mounted over the kernel zram0's sysfs
# directory, /sys/devices/virtual/block/zram0, and zramctl reads it there
# as /dev/zram0 (it opens /dev/zram0 only to stat it for the device
# number, then reads /sys/dev/block/MAJ:MIN/...).  zramctl only reads; the
# bind never exists outside the namespace.  Both tools' --output-all
# --raw output (bytes and human sizes) and the default table are compared
# column by column for the columns they share; zramfsctl's --json is
# compared with zramctl's --raw --bytes values (this zramctl, 2.38, has
# no --json of its own).
. "$(dirname "$0")/../lib.sh"
CTL="$ROOT/zramfsctl -m $MNT"
COLS=$ROOT/test/tools/cols.py
SYSDIR=/sys/devices/virtual/block/zram0
need start_zramfs

ok "zramctl is installed" command -v zramctl
ok "the host has a zram0 to bind over" test -d "$SYSDIR" -a -b /dev/zram0

# zramctl's view of $B, run inside a private mount namespace
zramctl_ns() {
	unshare -m --propagation private sh -c \
		'mount --bind "$1" "$2" && shift 2 && exec zramctl "$@"' \
		_ "$B" "$SYSDIR" "$@"
}

# compare NAME: the two tools' output for zram0 with options "$@"
# (MODE=table: aligned columns, else --raw)
compare() {
	local name=$1; shift
	zramctl_ns "$@" /dev/zram0 > "$T/a" 2>"$T/a.err"
	$CTL "$@" zram0 > "$T/b" 2>"$T/b.err"
	if python3 "$COLS" "${MODE:-raw}" "$T/a" "$T/b" > "$T/cmp"; then
		pass "$name ($(tail -1 "$T/cmp"))"
	else
		fail "$name: $(head -5 "$T/cmp" "$T/a.err" "$T/b.err" | tr '\n' ' ')"
	fi
}

# -- no device in use: nothing, as zramctl prints with no device in use ---
eq "no device in use: nothing" "" "$($CTL --raw)"
eq "--json with no device in use" '{"zramdevices":[]}' "$($CTL --json | tr -d ' \n')"

# -- the same control files, the same output --------------------------------
eq "set up zram0 with -s/-a" "" "$($CTL -s 64M -a zstd zram0 2>&1)"
eq "disksize written" $((64 * MiB)) "$(cat "$B/disksize")"
eq "algorithm written" zstd "$(selected)"
# random, zeros and text: every mm_stat field something other than 0
head -c $((1536 * 1024)) /dev/urandom | dwrite "$IMG" bs=64K
dwrite "$IMG" if=/dev/zero bs=4K count=5 seek=1000
text_corpus $((3 * MiB)) | dwrite "$IMG" bs=64K seek=100
compare "--output-all --bytes --raw" --output-all --bytes --raw
compare "--output-all --raw (human sizes)" --output-all --raw
compare "default columns --raw" --raw
$CTL --output-all --bytes --json zram0 > "$T/j"
zramctl_ns --output-all --bytes --raw /dev/zram0 > "$T/a"
if python3 "$COLS" json "$T/a" "$T/j" > "$T/cmp"; then
	pass "--json --bytes values equal zramctl's ($(tail -1 "$T/cmp"))"
else
	fail "--json: $(head -5 "$T/cmp")"
fi
# human sizes across units: the same text as util-linux prints
for size in 4096 1536K 1000M $((GiB - 4096)) $((GiB + 52 * MiB)) \
	    $((10 * GiB + 4096)) 100G; do
	put "$B/reset" 1 >/dev/null
	put "$B/disksize" "$size" >/dev/null
	compare "human DISKSIZE of $size" -o NAME,DISKSIZE,DATA,TOTAL --raw
done
MODE=table compare "table layout (not raw)" -o NAME,DISKSIZE,ALGORITHM,STREAMS
eq "the same text in the table (the NAME column aside)" \
	"$(zramctl_ns -o DISKSIZE,ALGORITHM,STREAMS,ZERO-PAGES /dev/zram0)" \
	"$($CTL -o DISKSIZE,ALGORITHM,STREAMS,ZERO-PAGES zram0)"

# -- JSON shape -----------------------------------------------------------
$CTL --json > "$T/j"
ok "--json parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/j"
eq "--json: zramdevices array, lower-case default columns" \
	"name algorithm disksize data compr total streams mountpoint" \
	"$(jq -r '.zramdevices[0] | keys_unsorted | join(" ")' "$T/j")"
eq "--json: human sizes are strings" string \
	"$(jq -r '.zramdevices[0].disksize | type' "$T/j")"
eq "--json --bytes: sizes are numbers" $((100 * GiB)) \
	"$($CTL --json --bytes | jq '.zramdevices[0].disksize')"
eq "--json: streams is a number" number \
	"$(jq -r '.zramdevices[0].streams | type' "$T/j")"

# -- zramfsctl's own columns ----------------------------------------------
put "$B/reset" 1 >/dev/null
truncate -s 64M "$T/backing"
put "$B/backing_dev" "$T/backing" >/dev/null
put "$B/disksize" 64M >/dev/null
eq "COMP-RATIO empty while TOTAL is 0" "" "$($CTL -n -o COMP-RATIO --raw)"
text_corpus $((2 * MiB)) | dwrite "$IMG" bs=64K
read -r orig _ total _ < "$B/mm_stat"
eq "COMP-RATIO is DATA/TOTAL to 4 decimals" \
	"$(awk -v a="$orig" -v b="$total" 'BEGIN {printf "%.4f", a / b}')" \
	"$($CTL -n -o COMP-RATIO --raw)"
eq "BACKING is backing_dev" "$T/backing" "$($CTL -n -o BACKING --raw zram0)"
eq "BD-COUNT is bd_stat's first field" "$(field "$B/bd_stat" 1)" \
	"$($CTL -n -o BD-COUNT --raw zram0)"
eq "LOOP empty while not attached" "" "$($CTL -n -o LOOP --raw zram0)"
attach "$IMG"
eq "LOOP shows the loop device" "$DEV" "$($CTL -n -o LOOP --raw zram0)"
eq "MOUNTPOINT empty while unused" "" "$($CTL -n -o MOUNTPOINT --raw zram0)"
mkswap "$DEV" >/dev/null
do_swapon "$DEV" --discard=pages
eq "MOUNTPOINT [SWAP] while swapped on" "[SWAP]" \
	"$($CTL -n -o MOUNTPOINT --raw zram0)"
do_swapoff "$DEV"
mkfs.ext4 -q "$DEV"
do_mount "$DEV" "$T/fs"
eq "MOUNTPOINT the mount point" "$T/fs" "$($CTL -n -o MOUNTPOINT --raw zram0)"
eq "-o +LOOP extends the default columns" \
	"NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT LOOP" \
	"$($CTL --raw -o +LOOP | head -1)"
do_umount "$T/fs"
detach "$DEV"

# -- actions ----------------------------------------------------------------
eq "--find hot-adds when every device is in use" "$MNT/dev/zram1" "$($CTL -f)"
ok "zram1 exists" test -d "$MNT/block/zram1"
eq "--find returns the free one" "$MNT/dev/zram1" "$($CTL -f)"
eq "--find --size sets it up" "$MNT/dev/zram1" "$($CTL -f -s 32M -a lz4hc)"
eq "... disksize" $((32 * MiB)) "$(cat "$MNT/block/zram1/disksize")"
eq "... algorithm" lz4hc "$(selected "$MNT/block/zram1")"
eq "status lists both devices" "zram0 zram1" \
	"$($CTL -n -o NAME --raw | xargs -n1 basename | tr '\n' ' ' | sed 's/ $//')"
eq "-s on a device in use resets it first" "" \
	"$($CTL -s 16M -a zstd -p level=5 "$MNT/dev/zram1" 2>&1)"
eq "... new disksize" $((16 * MiB)) "$(cat "$MNT/block/zram1/disksize")"
ok "-t is accepted (max_comp_streams)" $CTL -s 16M -t 4 zram1
eq "-r resets" "" "$($CTL -r /dev/zram1 2>&1)"
eq "... disksize 0" 0 "$(cat "$MNT/block/zram1/disksize")"
eq "--remove removes" "" "$($CTL --remove zram1 2>&1)"
ok "... zram1 is gone" test ! -e "$MNT/block/zram1"

# -- errors -----------------------------------------------------------------
notok "unknown column fails" $CTL -o NAME,SIZE
eq "unknown column message" "zramfsctl: unknown column: SIZE" \
	"$($CTL -o NAME,SIZE 2>&1)"
notok "unknown device fails" $CTL zram7
notok "bad device name fails" $CTL zramx
notok "bad algorithm fails" $CTL -s 1M -a nope zram0
case $($CTL -s 1M -a nope zram0 2>&1) in
*"failed to set algorithm: Invalid argument") pass "bad algorithm: kernel's error" ;;
*) fail "bad algorithm message: $($CTL -s 1M -a nope zram0 2>&1)" ;;
esac
notok "a directory that is no mount fails" "$ROOT/zramfsctl" -m "$T"
notok "--find and a device conflict" $CTL -f zram0
notok "--reset without a device fails" $CTL -r
finish
