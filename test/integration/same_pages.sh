#!/bin/bash
# same_pages.sh - same-filled pages are stored as their fill word: no
# memory, counted in same_pages, read back exactly.
. "$(dirname "$0")/../lib.sh"

need start_zramfs

echo 128M > "$B/disksize"
ok "write 64 MiB of zeros" dwrite "$IMG" if=/dev/zero bs=1M count=64
eq "same_pages" 16384 "$(field "$B/mm_stat" 6)"
eq "orig_data_size" $((64 * MiB)) "$(field "$B/mm_stat" 1)"
eq "compr_data_size" 0 "$(field "$B/mm_stat" 2)"
used=$(field "$B/mm_stat" 3)
if [ "$used" -le 65536 ]; then pass "mem_used_total $used stays ~0"; else
	fail "mem_used_total $used after writing only zeros"; fi
eq "huge_pages" 0 "$(field "$B/mm_stat" 8)"
eq "zeros read back" "$(zero_sha $((64 * MiB)))" \
	"$(dsha "$IMG" bs=1M count=64)"

# a page of 0xAB bytes at page 20000 (past the zeros)
python3 -c 'import sys; sys.stdout.buffer.write(b"\xab" * 4096)' > "$T/ab"
ok "write a 0xAB page" dwrite "$IMG" if="$T/ab" bs=4096 seek=20000
eq "0xAB page is a same page" 16385 "$(field "$B/mm_stat" 6)"
eq "0xAB page adds to orig_data_size" $((64 * MiB + 4096)) "$(field "$B/mm_stat" 1)"
eq "0xAB page costs no compressed bytes" 0 "$(field "$B/mm_stat" 2)"
ok "0xAB page reads back" cmp "$T/ab" <(dread "$IMG" bs=4096 skip=20000 count=1)

# a repeated 8-byte word (not a repeated byte) is same-filled too
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(1, 9)) * 512)' > "$T/word"
ok "write a repeated-word page" dwrite "$IMG" if="$T/word" bs=4096 seek=20001
eq "repeated word is a same page" 16386 "$(field "$B/mm_stat" 6)"
ok "repeated-word page reads back" cmp "$T/word" <(dread "$IMG" bs=4096 skip=20001 count=1)

# almost same: one differing byte (first, middle, last) is not a same page
k=0
for pos in 0 2048 4095; do
	k=$((k + 1))
	python3 -c "import sys; b = bytearray(b'\xab' * 4096); b[$pos] = 0xcd; sys.stdout.buffer.write(b)" > "$T/near"
	dwrite "$IMG" if="$T/near" bs=4096 seek=$((20010 + k))
	eq "one byte differs at $pos: not a same page" 16386 "$(field "$B/mm_stat" 6)"
	ok "near-same page ($pos) reads back" cmp "$T/near" \
		<(dread "$IMG" bs=4096 skip=$((20010 + k)) count=1)
done

# a partial write turning a same page into a different one, and back
printf 'X' | dd of="$IMG" bs=1 seek=$((20000 * 4096 + 7)) conv=notrunc status=none
eq "partial write un-sames the page" 16385 "$(field "$B/mm_stat" 6)"
printf '\xab' | dd of="$IMG" bs=1 seek=$((20000 * 4096 + 7)) conv=notrunc status=none
eq "partial write re-sames the page" 16386 "$(field "$B/mm_stat" 6)"
ok "page is 0xAB again" cmp "$T/ab" <(dread "$IMG" bs=4096 skip=20000 count=1)

# overwrite 16 MiB of the zeros with random data
head -c $((16 * MiB)) /dev/urandom > "$T/rnd"
ok "overwrite 16 MiB with random data" dwrite "$IMG" if="$T/rnd" bs=1M
eq "same_pages drops by 4096" 12290 "$(field "$B/mm_stat" 6)"
eq "orig_data_size unchanged by overwrite" $((64 * MiB + 5 * 4096)) "$(field "$B/mm_stat" 1)"
used=$(field "$B/mm_stat" 3)
if [ "$used" -ge $((16 * MiB)) ]; then pass "random data costs memory ($used)"; else
	fail "mem_used_total $used < 16 MiB after 16 MiB of random data"; fi
eq "random pages are huge" 4096 "$(field "$B/mm_stat" 8)"
eq "huge_pages_since" 4096 "$(field "$B/mm_stat" 9)"
ok "random data reads back" cmp "$T/rnd" <(dread "$IMG" bs=1M count=16)

# zeros over the random data: same pages again, memory given back
dwrite "$IMG" if=/dev/zero bs=1M count=16
eq "zeros again: same_pages back" 16386 "$(field "$B/mm_stat" 6)"
eq "no huge pages left" 0 "$(field "$B/mm_stat" 8)"
eq "huge_pages_since does not drop" 4096 "$(field "$B/mm_stat" 9)"
compr=$(field "$B/mm_stat" 2)
if [ "$compr" -gt 0 ] && [ "$compr" -lt $((3 * 4096)) ]; then
	pass "compressed bytes: only the 3 near-same pages ($compr)"; else
	fail "compr_data_size $compr, expected only 3 small objects"; fi
used=$(field "$B/mm_stat" 3)
if [ "$used" -le $((1 * MiB)) ]; then pass "memory given back ($used)"; else
	fail "mem_used_total $used after overwriting random data with zeros"; fi

finish
