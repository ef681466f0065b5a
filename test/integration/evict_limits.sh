#!/bin/bash
# evict_limits.sh - eviction's edges, with direct writes to the image:
#   off         evict_on_limit 0 (the default): a write over mem_limit fails
#               with ENOSPC as the kernel's, nothing is written back
#   on          the same writes succeed, the pool stays under mem_limit,
#               the data reads back intact
#   hysteresis  one eviction brings the pool below accept_threshold of the
#               limit (50% and 90%), not just below the limit
#   store full  a 2 MiB backing file: writes fail with ENOSPC once it is
#               full (failed_writes, evict_failed), what was acknowledged
#               reads back intact
#   budget      writeback_budget=400K (100 pages): evictions stop when it
#               is spent and writes fail with ENOSPC
#   partial     writes of parts of pages (the write path holds the slot's
#               lock: eviction goes page by page around it) from two
#               processes, beside whole-page writes and a policy run
#               holding the post-processing turn, at the limit: all succeed
#               and read back as a model file says
. "$(dirname "$0")/../lib.sh"
need start_zramfs
ENOSPC="No space left on device"

# pwrite_pages FILE SRC PAGES: 4 KiB pages of SRC to FILE one write at a
# time, stopping at the first error; prints the pages written and the error
pwrite_pages() {
	python3 - "$@" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
src = open(sys.argv[2], "rb")
n = 0
err = ""
for i in range(int(sys.argv[3])):
    buf = src.read(4096)
    if len(buf) < 4096:
        break
    try:
        os.pwrite(fd, buf, i * 4096)
    except OSError as e:
        err = e.strerror
        break
    n += 1
print(n, err)
PY
}
# setup BACKING_SIZE MEM_LIMIT [EVICT]: a fresh 64 MiB device
setup() {
	echo 1 > "$B/reset"
	rm -f "$T/backing"
	fallocate -l "$1" "$T/backing" && put "$B/backing_dev" "$T/backing" &&
		echo 64M > "$B/disksize" && put "$B/mem_limit" "$2" &&
		put "$B/evict_on_limit" "${3:-0}"
}
text_corpus $((48 * MiB)) > "$T/text"
PAGES=$(($(stat -c %s "$T/text") / 4096))
ok "48 MiB of text to write ($PAGES pages)" test "$PAGES" -ge 10000

# -- off ------------------------------------------------------------------------
setup 64M 4M 0
out=$(pwrite_pages "$IMG" "$T/text" "$PAGES")
echo "off: $out; mm_stat $(cat "$B/mm_stat")"
ok "off: a write fails with ENOSPC ($out)" test "${out#* }" = "$ENOSPC"
ok "off: failed_writes counted" test "$(field "$B/io_stat" 2)" -gt 0
eq "off: nothing written back" 0 "$(field "$B/bd_stat" 1)"
eq "off: nothing evicted" 0 "$(field "$B/policy_stat" 3)"

# -- on -------------------------------------------------------------------------
setup 64M 4M 1
out=$(pwrite_pages "$IMG" "$T/text" "$PAGES")
echo "on: $out; mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat"); policy_stat $(cat "$B/policy_stat")"
eq "on: every write succeeds" "$PAGES " "$out"
eq "on: no failed writes" 0 "$(field "$B/io_stat" 2)"
ok "on: pages were evicted ($(field "$B/policy_stat" 3))" test "$(field "$B/policy_stat" 3)" -gt 1000
ok "on: mem_used_total under mem_limit" test "$(field "$B/mm_stat" 3)" -le $((4 * MiB))
ok "on: mem_used_max under mem_limit ($(field "$B/mm_stat" 5))" test "$(field "$B/mm_stat" 5)" -le $((4 * MiB))
eq "on: the data reads back intact" "$(head -c $((PAGES * 4096)) "$T/text" | sha)" \
	"$(dsha "$IMG" bs=4k count="$PAGES")"

# -- hysteresis -------------------------------------------------------------------
for accept in 50 90; do
	setup 64M 8M 1
	put "$B/policy" "accept_threshold=$accept" >/dev/null
	# 64 KiB at a time until the first eviction
	for ((i = 0; i < PAGES / 16; i++)); do
		dwrite "$IMG" if="$T/text" bs=64k skip="$i" seek="$i" count=1 || break
		[ "$(field "$B/policy_stat" 3)" -gt 0 ] && break
	done
	used=$(field "$B/mm_stat" 3)
	echo "accept $accept: after the first eviction mem_used_total $used; policy_stat $(cat "$B/policy_stat")"
	ok "accept_threshold=$accept: one eviction takes the pool below $accept% of the limit ($used)" \
		test "$used" -le $((8 * MiB * accept / 100)) -a "$used" -gt $((8 * MiB * (accept - 25) / 100))
done

# -- store full --------------------------------------------------------------------
setup 2M 4M 1
out=$(pwrite_pages "$IMG" "$T/text" "$PAGES")
n=${out%% *}
echo "store full: $out; mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat"); policy_stat $(cat "$B/policy_stat")"
ok "store full: a write fails with ENOSPC ($out)" test "${out#* }" = "$ENOSPC"
eq "store full: the backing file is full (511 blocks)" 511 "$(field "$B/bd_stat" 1)"
ok "store full: failed_writes counted" test "$(field "$B/io_stat" 2)" -gt 0
ok "store full: evict_failed counted" test "$(field "$B/policy_stat" 6)" -gt 0
ok "store full: mem_used_total under mem_limit" test "$(field "$B/mm_stat" 3)" -le $((4 * MiB))
eq "store full: what was acknowledged reads back intact ($n pages)" \
	"$(head -c $((n * 4096)) "$T/text" | sha)" "$(dsha "$IMG" bs=4k count="$n")"

# -- budget ---------------------------------------------------------------------------
setup 64M 4M 1
ok "budget: writeback_budget=400K" test -z "$(put "$B/policy" writeback_budget=400K)"
out=$(pwrite_pages "$IMG" "$T/text" "$PAGES")
n=${out%% *}
echo "budget: $out; bd_stat $(cat "$B/bd_stat"); policy_stat $(cat "$B/policy_stat")"
ok "budget: a write fails with ENOSPC once it is spent ($out)" test "${out#* }" = "$ENOSPC"
eq "budget: 100 pages written back, no more" 100 "$(field "$B/bd_stat" 1)"
eq "budget: writeback_limit spent" 0 "$(cat "$B/writeback_limit")"
eq "budget: what was acknowledged reads back intact ($n pages)" \
	"$(head -c $((n * 4096)) "$T/text" | sha)" "$(dsha "$IMG" bs=4k count="$n")"

# -- partial writes at the limit, beside whole pages and a policy run -----------------------
echo 1 > "$B/reset"
rm -f "$T/backing"
fallocate -l 64M "$T/backing"
put "$B/backing_dev" "$T/backing" >/dev/null
put "$B/recomp_algorithm" "algo=zstd priority=1" >/dev/null
echo 64M > "$B/disksize"
put "$B/mem_limit" 4M >/dev/null
put "$B/evict_on_limit" 1 >/dev/null
# the first 32 MiB: text, whole pages, so the pool is full from the start
need dwrite "$IMG" if="$T/text" bs=1M count=32
head -c $((64 * MiB)) /dev/zero > "$T/model"
dd if="$T/text" of="$T/model" bs=1M count=32 conv=notrunc status=none
# a policy run holds the post-processing turn now and then
put "$B/policy" "interval=1 recompress_after=0 writeback_after=off" >/dev/null
# partial writer SEED LO HI: 3000 writes of 1..3000 bytes at odd offsets
# in [LO, HI) MiB, to the image and to the model at once
partial() {
	python3 - "$IMG" "$T/model" "$T/text" "$@" <<'PY'
import os, sys, random
img, model, src = sys.argv[1:4]
seed, lo, hi = (int(a) for a in sys.argv[4:7])
r = random.Random(seed)
fi = os.open(img, os.O_WRONLY)
fm = os.open(model, os.O_WRONLY)
text = open(src, "rb").read(1 << 20)
for i in range(3000):
    n = r.randrange(1, 3000)
    off = r.randrange(lo << 20, (hi << 20) - n)
    a = r.randrange(0, len(text) - n)
    buf = text[a:a + n]
    os.pwrite(fi, buf, off)
    os.pwrite(fm, buf, off)
print("partial", seed, "ok")
PY
}
partial 1 32 40 > "$T/p1.log" 2>&1 &
p1=$!
partial 2 40 48 > "$T/p2.log" 2>&1 &
p2=$!
# whole pages beside them: the rest of the text, twice
need dwrite "$IMG" if="$T/text" bs=1M skip=16 seek=48 count=16
need dwrite "$IMG" if="$T/text" bs=1M skip=0 seek=48 count=16
dd if="$T/text" of="$T/model" bs=1M skip=0 seek=48 count=16 conv=notrunc status=none
wait "$p1"; r1=$?
wait "$p2"; r2=$?
put "$B/policy" interval=0 >/dev/null
echo "partial: $(cat "$T/p1.log" "$T/p2.log" | tr '\n' ' '); mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat"); policy_stat $(cat "$B/policy_stat")"
eq "partial: both writers succeeded" "0 0" "$r1 $r2"
eq "partial: no failed writes" 0 "$(field "$B/io_stat" 2)"
ok "partial: pages were evicted" test "$(field "$B/policy_stat" 3)" -gt 0
ok "partial: mem_used_total under mem_limit" test "$(field "$B/mm_stat" 3)" -le $((4 * MiB))
eq "partial: the device reads as the model" "$(sha "$T/model")" "$(dsha "$IMG" bs=1M)"
eq "no failed reads" 0 "$(field "$B/io_stat" 1)"
finish
