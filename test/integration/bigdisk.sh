#!/bin/bash
# bigdisk.sh - a 100 GiB device costs (almost) nothing until written:
# sparse metadata; pages at both ends work; reset frees.
. "$(dirname "$0")/../lib.sh"

need start_zramfs
SIZE=$((100 * GiB))

# sanitizer builds keep shadow memory beside every byte: upper bounds
# scale by their factor (scripts/sanitize.sh sets it), 1 for the real build
F=${ZRAMFS_TEST_RSS_FACTOR:-1}
rss() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$DPID/status"; }

rss0=$(rss)
ok "daemon RSS readable" test -n "$rss0"
out=$(put "$B/disksize" 100G)
eq "disksize 100G accepted" "" "$out"
eq "image size 100 GiB" "$SIZE" "$(stat -c %s "$IMG")"
rss1=$(rss)
if [ $((rss1 - rss0)) -lt $((F * 100 * 1048576)) ]; then pass "init costs $(( (rss1 - rss0) / 1024 )) KiB RSS (< 100 MiB)"; else
	fail "init of 100G grew RSS by $(( (rss1 - rss0) / 1048576 )) MiB"; fi

# pages at the start, the middle and the very end
head -c 16384 /dev/urandom > "$T/p"
ok "write 4 pages at the start" dwrite "$IMG" if="$T/p" bs=4096
ok "write 4 pages at 50 GiB" dwrite "$IMG" if="$T/p" bs=4096 seek=$((50 * GiB / 4096))
ok "write the last 4 pages" dwrite "$IMG" if="$T/p" bs=4096 seek=$((SIZE / 4096 - 4))
ok "start reads back" cmp "$T/p" <(dread "$IMG" bs=4096 count=4)
ok "middle reads back" cmp "$T/p" <(dread "$IMG" bs=4096 skip=$((50 * GiB / 4096)) count=4)
ok "end reads back" cmp "$T/p" <(dread "$IMG" bs=4096 skip=$((SIZE / 4096 - 4)) count=4)
eq "orig_data_size 12 pages" $((12 * 4096)) "$(field "$B/mm_stat" 1)"
eq "unwritten page near the end reads zeros" "$(zero_sha 4096)" \
	"$(dsha "$IMG" bs=4096 skip=$((SIZE / 4096 - 5)) count=1)"
out=$(dd if="$T/p" of="$IMG" bs=4096 seek=$((SIZE / 4096)) count=1 oflag=direct conv=notrunc 2>&1)
rc=$?
if [ $rc -ne 0 ]; then pass "write past 100 GiB fails"; else fail "write past the end succeeded: $out"; fi
eq "image size still 100 GiB" "$SIZE" "$(stat -c %s "$IMG")"
rss2=$(rss)
if [ $((rss2 - rss0)) -lt $((F * 100 * 1048576)) ]; then pass "after writes RSS +$(( (rss2 - rss0) / 1024 )) KiB (< 100 MiB)"; else
	fail "RSS grew by $(( (rss2 - rss0) / 1048576 )) MiB with 12 pages written"; fi
# SEEK_DATA over 100 GiB of holes is quick and right
t0=$SECONDS
eq "SEEK_DATA from 16 KiB finds 50 GiB" $((50 * GiB)) \
	"$(seek_data "$IMG" 16384)"
if [ $((SECONDS - t0)) -le 10 ]; then pass "SEEK_DATA over 50 GiB of holes is fast"; else fail "SEEK_DATA took $((SECONDS - t0)) s"; fi

# fill 64 MiB in the middle: memory follows the data, not the disksize
dwrite "$IMG" if=/dev/urandom bs=1M count=64 seek=$((70 * 1024))
rss3=$(rss)
if [ $((rss3 - rss0)) -ge $((60 * 1048576)) ] && [ $((rss3 - rss0)) -lt $((F * 200 * 1048576)) ]; then
	pass "64 MiB of random data: RSS +$(( (rss3 - rss0) / 1048576 )) MiB"; else
	fail "64 MiB of random data: RSS +$(( (rss3 - rss0) / 1048576 )) MiB (expected 60..200)"; fi

# reset frees it all
echo 1 > "$B/reset"
eq "reset: disksize 0" 0 "$(cat "$B/disksize")"
eq "reset: mm_stat zero" "0 0 0 0 0 0 0 0 0" "$(xargs < "$B/mm_stat")"
rss4=$(rss)
if [ $((rss4 - rss0)) -lt $((F * 32 * 1048576)) ]; then pass "reset gives memory back (RSS +$(( (rss4 - rss0) / 1024 )) KiB)"; else
	fail "after reset RSS still +$(( (rss4 - rss0) / 1048576 )) MiB"; fi
# and it can be done again
echo 100G > "$B/disksize"
ok "re-init 100G" test "$(stat -c %s "$IMG")" = "$SIZE"
eq "re-init end reads zeros" "$(zero_sha 16384)" \
	"$(dsha "$IMG" bs=4096 skip=$((SIZE / 4096 - 4)) count=4)"

finish
