#!/bin/bash
# reset.sh - reset: refused while the image is in use, otherwise back to
# the defaults of a new device (size, stats, algorithm, mem_limit).
. "$(dirname "$0")/../lib.sh"

need start_zramfs

echo zstd > "$B/comp_algorithm"
echo 32M > "$B/disksize"
{ head -c $((4 * MiB)) /dev/urandom; text_corpus $((4 * MiB)); } > "$T/data"
ok "write 8 MiB" dwrite "$IMG" if="$T/data" bs=1M
sum=$(sha "$T/data")
# a limit below what is stored: nothing more can be written
echo 4M > "$B/mem_limit"
eq "mem_limit set" $((4 * MiB)) "$(field "$B/mm_stat" 4)"

# busy while attached
need attach "$IMG"
loop=$DEV
werr "reset while attached" "Device or resource busy" "$B/reset" 1
eq "still initialised" 1 "$(cat "$B/initstate")"
eq "disksize kept" $((32 * MiB)) "$(cat "$B/disksize")"
eq "data intact through the loop device" "$sum" \
	"$(dsha "$loop" bs=1M count=8)"
eq "data intact through the image" "$sum" \
	"$(dsha "$IMG" bs=1M count=8)"
eq "orig_data_size kept" $((8 * MiB)) "$(field "$B/mm_stat" 1)"
ok "detach" detach "$loop"

# busy while any process holds the image open
exec 7<"$IMG"
werr "reset while the image is open" "Device or resource busy" "$B/reset" 1
werr "hot_remove while the image is open" "Device or resource busy" \
	"$C/hot_remove" 0
exec 7<&-
eq "data intact after refused resets" "$sum" \
	"$(dsha "$IMG" bs=1M count=8)"

# bad values change nothing
werr "reset 0" "Invalid argument" "$B/reset" 0
werr "reset abc" "Invalid argument" "$B/reset" abc
werr "reset empty" "Invalid argument" "$B/reset" ""
werr "reset -1" "Invalid argument" "$B/reset" -1
eq "still initialised after bad resets" 1 "$(cat "$B/initstate")"
eq "data intact after bad resets" "$sum" \
	"$(dsha "$IMG" bs=1M count=8)"

# the real reset
out=$(put "$B/reset" 1)
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
out=$(wr "$B/reset" 1)
eq "reset of an uninitialised device" "" "$out"
eq "reset 2 works too" "" "$(put "$B/reset" 2)"
echo 1M > "$B/disksize"
eq "reset without O_TRUNC" "" "$(printf 1 | dd of="$B/reset" conv=notrunc status=none 2>&1)"
eq "initstate 0 after reset without O_TRUNC" 0 "$(cat "$B/initstate")"

# re-init: the old data is gone, no limit applies
echo 32M > "$B/disksize"
eq "re-init reads zeros" "$(zero_sha $((8 * MiB)))" \
	"$(dsha "$IMG" bs=1M count=8)"
eq "re-init orig_data_size 0" 0 "$(field "$B/mm_stat" 1)"
head -c $((16 * MiB)) /dev/urandom > "$T/r16"
ok "16 MiB of random data fits: the 4M limit is gone" \
	dwrite "$IMG" if="$T/r16" bs=1M
eq "re-init uses lz4 (listing)" lz4 "$(selected)"
echo 1 > "$B/reset"
eq "second reset: mm_stat zero" "$ZERO9" "$(cat "$B/mm_stat")"

finish
