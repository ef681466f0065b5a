#!/bin/bash
# mem_limit.sh - mem_limit stops writes with ENOSPC and loses nothing;
# mem_used_max and its reset; compact gives pages back.
. "$(dirname "$0")/../lib.sh"

need start_zramfs

# punch IMAGE STEP: punch every STEP-th 4K page of IMAGE (from page 0)
punch_every() {
	python3 - "$1" "$2" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
fd = os.open(sys.argv[1], os.O_RDWR)
size = os.fstat(fd).st_size
step = int(sys.argv[2])
for page in range(0, size // 4096, step):
    if libc.fallocate(fd, 3, page * 4096, 4096):   # PUNCH_HOLE|KEEP_SIZE
        sys.exit("fallocate: " + os.strerror(ctypes.get_errno()))
os.close(fd)
EOF
}

# -- the limit -----------------------------------------------------------
werr "compact before init" "Invalid argument" "$B/compact" 1
echo 256M > "$B/disksize"
echo 8M > "$B/mem_limit"
eq "mem_limit shows in mm_stat" 8388608 "$(field "$B/mm_stat" 4)"
werr "mem_limit abc" "Invalid argument" "$B/mem_limit" abc
werr "mem_limit -1" "Invalid argument" "$B/mem_limit" -1
eq "mem_limit unchanged by bad writes" 8388608 "$(field "$B/mm_stat" 4)"

head -c $((4 * MiB)) /dev/urandom > "$T/first"
head -c $((64 * MiB)) /dev/urandom > "$T/big"
ok "first 4 MiB fit under the limit" dwrite "$IMG" if="$T/first" bs=1M
dd if="$T/big" of="$IMG" bs=1M seek=4 oflag=direct conv=notrunc 2>"$T/dd.err"
rc=$?
if [ $rc -ne 0 ]; then pass "64 MiB over the limit fails"; else fail "64 MiB write under an 8M limit succeeded"; fi
ok "dd reports No space left on device" grep -q "No space left on device" "$T/dd.err"
fw=$(field "$B/io_stat" 2)
if [ "$fw" -gt 0 ]; then pass "failed_writes $fw > 0"; else fail "failed_writes is $fw"; fi
used=$(field "$B/mm_stat" 3)
if [ "$used" -le $((8 * MiB + 256 * 1024)) ]; then pass "mem_used_total $used <= 8M + a little"; else
	fail "mem_used_total $used over the 8M limit"; fi
maxu=$(field "$B/mm_stat" 5)
if [ "$maxu" -ge "$used" ] && [ "$maxu" -le $((8 * MiB + 256 * 1024)) ]; then
	pass "mem_used_max $maxu in [used, limit + a little]"; else
	fail "mem_used_max $maxu (used $used, limit 8M)"; fi
ok "first 4 MiB intact" cmp "$T/first" <(dread "$IMG" bs=1M count=4)
# whatever dd was told was written is stored
copied=$(sed -n 's/^\([0-9]*\) bytes.*copied.*/\1/p' "$T/dd.err")
if [ -n "$copied" ] && [ "$copied" -gt 0 ]; then
	ok "acknowledged $copied bytes read back" cmp -n "$copied" "$T/big" \
		<(dread "$IMG" bs=1M skip=4)
	eq "orig_data_size = what was acknowledged" $((4 * MiB + copied)) "$(field "$B/mm_stat" 1)"
else
	pass "nothing of the big write acknowledged"
	eq "orig_data_size = the first 4 MiB" $((4 * MiB)) "$(field "$B/mm_stat" 1)"
fi

# no limit: writes succeed again (written without O_TRUNC or newline)
eq "mem_limit 0 without O_TRUNC" "" "$(printf 0 | dd of="$B/mem_limit" conv=notrunc status=none 2>&1)"
eq "mem_limit 0 in mm_stat" 0 "$(field "$B/mm_stat" 4)"
ok "64 MiB without a limit" dwrite "$IMG" if="$T/big" bs=1M seek=4
ok "64 MiB reads back" cmp "$T/big" <(dread "$IMG" bs=1M skip=4 count=64)
ok "first 4 MiB still intact" cmp "$T/first" <(dread "$IMG" bs=1M count=4)
eq "no new failed writes" "$fw" "$(field "$B/io_stat" 2)"

# -- mem_used_max ---------------------------------------------------------
max1=$(field "$B/mm_stat" 5)
if [ "$max1" -ge $((68 * MiB)) ]; then pass "mem_used_max $max1 >= 68 MiB"; else fail "mem_used_max $max1 < 68 MiB"; fi
ok "punch the big range" fallocate --punch-hole --keep-size -o $((4 * MiB)) -l $((64 * MiB)) "$IMG"
used=$(field "$B/mm_stat" 3)
eq "mem_used_max stays after freeing" "$max1" "$(field "$B/mm_stat" 5)"
werr "mem_used_max 5" "Invalid argument" "$B/mem_used_max" 5
werr "mem_used_max abc" "Invalid argument" "$B/mem_used_max" abc
eq "mem_used_max unchanged by bad writes" "$max1" "$(field "$B/mm_stat" 5)"
out=$(put "$B/mem_used_max" 0)
eq "mem_used_max 0 accepted" "" "$out"
eq "mem_used_max reset to current usage" "$(field "$B/mm_stat" 3)" "$(field "$B/mm_stat" 5)"
if [ "$(field "$B/mm_stat" 5)" -lt "$max1" ]; then pass "mem_used_max dropped"; else fail "mem_used_max did not drop"; fi

# -- compact --------------------------------------------------------------
echo 1 > "$B/reset"
echo 128M > "$B/disksize"
# 64 MiB of pages that compress about 2:1 (2 KiB random + 2 KiB zeros)
python3 -c '
import os, sys
out = sys.stdout.buffer
for i in range(16384):
    out.write(os.urandom(2048) + bytes(2048))
' > "$T/half"
ok "write 64 MiB of 2:1 data" dwrite "$IMG" if="$T/half" bs=1M
orig=$(field "$B/mm_stat" 1)
compr=$(field "$B/mm_stat" 2)
if [ "$compr" -lt $((orig * 6 / 10)) ] && [ "$compr" -gt $((orig * 4 / 10)) ]; then
	pass "data compresses about 2:1 ($compr / $orig)"; else fail "compression ratio off: $compr / $orig"; fi
ok "punch every other page" punch_every "$IMG" 2
eq "half the pages gone" $((32 * MiB)) "$(field "$B/mm_stat" 1)"
used1=$(field "$B/mm_stat" 3)
pc1=$(field "$B/mm_stat" 7)
out=$(put "$B/compact" 1)
eq "compact accepted" "" "$out"
used2=$(field "$B/mm_stat" 3)
pc2=$(field "$B/mm_stat" 7)
if [ "$used2" -lt "$used1" ]; then pass "compact: mem_used_total $used1 -> $used2"; else
	fail "compact did not lower mem_used_total: $used1 -> $used2"; fi
if [ "$pc2" -gt "$pc1" ]; then pass "pages_compacted $pc1 -> $pc2"; else
	fail "pages_compacted did not rise: $pc1 -> $pc2"; fi
if [ "$used2" -le $((used1 * 7 / 10)) ]; then pass "compact gave back >= 30% ($used1 -> $used2)"; else
	fail "compact gave back < 30%: $used1 -> $used2"; fi
# every other page survives compaction intact
ok "surviving pages intact after compact" python3 - "$IMG" "$T/half" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
img = b"".join(os.pread(fd, 1 << 20, off) for off in range(0, 64 << 20, 1 << 20))
os.close(fd)
ref = open(sys.argv[2], "rb").read()
zero = bytes(4096)
for p in range(16384):
    want = zero if p % 2 == 0 else ref[p * 4096:(p + 1) * 4096]
    if img[p * 4096:(p + 1) * 4096] != want:
        sys.exit("page %d differs" % p)
EOF

finish
