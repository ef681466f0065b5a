#!/bin/bash
# reset.sh - reset: refused while the image is in use, otherwise back to
# the defaults of a new device (size, stats, algorithm, mem_limit).
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C

start_zramfs || { fail "start_zramfs"; finish; }
B=$MNT/block/zram0
IMG=$MNT/dev/zram0
MiB=1048576
selected() { sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$B/comp_algorithm"; }
ZERO9=$(printf '%8u %8u %8u %8u %8u %8u %8u %8u %8u' 0 0 0 0 0 0 0 0 0)

echo zstd > "$B/comp_algorithm"
echo 32M > "$B/disksize"
{ head -c $((4 * MiB)) /dev/urandom; find /usr/include -name '*.h' 2>/dev/null | sort | xargs cat 2>/dev/null | head -c $((4 * MiB)); } > "$T/data"
ok "write 8 MiB" dd if="$T/data" of="$IMG" bs=1M oflag=direct conv=notrunc status=none
sum=$(sha256sum < "$T/data")
# a limit below what is stored: nothing more can be written
echo 4M > "$B/mem_limit"
eq "mem_limit set" $((4 * MiB)) "$(field "$B/mm_stat" 4)"

# busy while attached
attach "$IMG" >/dev/null || { fail "attach"; finish; }
loop=${LOOPS[${#LOOPS[@]}-1]}
werr "reset while attached" "Device or resource busy" "$B/reset" 1
eq "still initialised" 1 "$(cat "$B/initstate")"
eq "disksize kept" $((32 * MiB)) "$(cat "$B/disksize")"
eq "data intact through the loop device" "$sum" \
	"$(dd if="$loop" bs=1M count=8 iflag=direct status=none | sha256sum)"
eq "data intact through the image" "$sum" \
	"$(dd if="$IMG" bs=1M count=8 iflag=direct status=none | sha256sum)"
eq "orig_data_size kept" $((8 * MiB)) "$(field "$B/mm_stat" 1)"
ok "detach" detach "$loop"

# busy while any process holds the image open
exec 7<"$IMG"
werr "reset while the image is open" "Device or resource busy" "$B/reset" 1
werr "hot_remove while the image is open" "Device or resource busy" \
	"$MNT/class/zram-control/hot_remove" 0
exec 7<&-
eq "data intact after refused resets" "$sum" \
	"$(dd if="$IMG" bs=1M count=8 iflag=direct status=none | sha256sum)"

# bad values change nothing
werr "reset 0" "Invalid argument" "$B/reset" 0
werr "reset abc" "Invalid argument" "$B/reset" abc
werr "reset empty" "Invalid argument" "$B/reset" ""
werr "reset -1" "Invalid argument" "$B/reset" -1
eq "still initialised after bad resets" 1 "$(cat "$B/initstate")"
eq "data intact after bad resets" "$sum" \
	"$(dd if="$IMG" bs=1M count=8 iflag=direct status=none | sha256sum)"

# the real reset
out=$( (echo 1 > "$B/reset") 2>&1 )
eq "reset succeeds after detach" "" "$out"
eq "initstate 0" 0 "$(cat "$B/initstate")"
eq "disksize 0" 0 "$(cat "$B/disksize")"
eq "image size 0" 0 "$(stat -c %s "$IMG")"
ok "mm_stat all zero" cmp -s <(printf '%s\n' "$ZERO9") "$B/mm_stat"
eq "mem_limit back to 0" 0 "$(field "$B/mm_stat" 4)"
eq "io_stat all zero" "0 0 0 0" "$(xargs < "$B/io_stat")"
eq "comp_algorithm back to lz4" lz4 "$(selected)"
ok "comp_algorithm listing is the default one" grep -qF "[lz4] " "$B/comp_algorithm"

# reset of an uninitialised device is fine (kernel: no-op)
out=$( (printf 1 > "$B/reset") 2>&1 )
eq "reset of an uninitialised device" "" "$out"
eq "reset 2 works too" "" "$( (echo 2 > "$B/reset") 2>&1 )"
echo 1M > "$B/disksize"
eq "reset without O_TRUNC" "" "$(printf 1 | dd of="$B/reset" conv=notrunc status=none 2>&1)"
eq "initstate 0 after reset without O_TRUNC" 0 "$(cat "$B/initstate")"

# re-init: the old data is gone, no limit applies
echo 32M > "$B/disksize"
eq "re-init reads zeros" "$(head -c $((8 * MiB)) /dev/zero | sha256sum)" \
	"$(dd if="$IMG" bs=1M count=8 iflag=direct status=none | sha256sum)"
eq "re-init orig_data_size 0" 0 "$(field "$B/mm_stat" 1)"
head -c $((16 * MiB)) /dev/urandom > "$T/r16"
ok "16 MiB of random data fits: the 4M limit is gone" \
	dd if="$T/r16" of="$IMG" bs=1M oflag=direct conv=notrunc status=none
eq "re-init uses lz4 (listing)" lz4 "$(selected)"
echo 1 > "$B/reset"
eq "second reset: mm_stat zero" "$ZERO9" "$(cat "$B/mm_stat")"

finish
