#!/bin/bash
# fstrim.sh - discard frees memory: fstrim through ext4 on a loop device,
# fallocate punch-hole/zero-range on the image, SEEK_DATA/SEEK_HOLE.
. "$(dirname "$0")/../lib.sh"

need start_zramfs

# -- fstrim through ext4 ---------------------------------------------------
echo 512M > "$B/disksize"
need attach "$IMG"
loop=$DEV
ok "mkfs.ext4 (no discard at mkfs)" mkfs.ext4 -q -F -E nodiscard "$loop"
FS=$T/fs
ok "mount" do_mount "$loop" "$FS"
need is_mounted "$FS"

head -c $((4 * MiB)) /dev/urandom > "$T/rnd"
mkdir "$FS/d"
for i in $(seq 25); do
	cat "$T/rnd" > "$FS/d/$i" || fail "write $FS/d/$i"
	# make each file distinct so nothing is shared
	printf '%08d' "$i" | dd of="$FS/d/$i" bs=1 seek=0 conv=notrunc status=none
done
sync -f "$FS"
sync
orig1=$(field "$B/mm_stat" 1)
used1=$(field "$B/mm_stat" 3)
nf1=$(field "$B/io_stat" 4)
if [ "$orig1" -ge $((100 * MiB)) ]; then pass "orig_data_size $orig1 >= 100 MiB after writing"; else
	fail "orig_data_size $orig1 < 100 MiB after writing 100 MiB"; fi
if [ "$used1" -ge $((90 * MiB)) ]; then pass "mem_used_total $used1 >= 90 MiB (random data)"; else
	fail "mem_used_total $used1 < 90 MiB after 100 MiB of random data"; fi

rm -rf "$FS/d"
sync -f "$FS"
if is_mounted "$FS"; then
	ok "fstrim" fstrim "$FS"
else
	fail "$FS not mounted: fstrim skipped"
fi
orig2=$(field "$B/mm_stat" 1)
used2=$(field "$B/mm_stat" 3)
nf2=$(field "$B/io_stat" 4)
if [ $((orig1 - orig2)) -gt $((60 * MiB)) ]; then pass "orig_data_size dropped $orig1 -> $orig2"; else
	fail "orig_data_size did not drop by 60 MiB: $orig1 -> $orig2"; fi
if [ $((used1 - used2)) -gt $((60 * MiB)) ]; then pass "mem_used_total dropped $used1 -> $used2"; else
	fail "mem_used_total did not drop by 60 MiB: $used1 -> $used2"; fi
if [ $((nf2 - nf1)) -ge $((60 * MiB / 4096)) ]; then pass "notify_free rose $nf1 -> $nf2"; else
	fail "notify_free did not rise by >= 15360 pages: $nf1 -> $nf2"; fi
ok "filesystem still sound" sh -c "mkdir '$FS/e' && cp '$T/rnd' '$FS/e/x' && cmp '$T/rnd' '$FS/e/x'"

# -- fallocate on the image itself ----------------------------------------
id=$(cat "$C/hot_add")
B1=$MNT/block/zram$id
IMG1=$MNT/dev/zram$id
echo 16M > "$B1/disksize"
head -c $((8 * MiB)) /dev/urandom > "$T/r8"
dwrite "$IMG1" if="$T/r8" bs=1M
eq "8 MiB stored" $((8 * MiB)) "$(field "$B1/mm_stat" 1)"
used_a=$(field "$B1/mm_stat" 3)
nf_a=$(field "$B1/io_stat" 4)

# punch 2 MiB at 1 MiB
ok "fallocate --punch-hole" fallocate --punch-hole --keep-size -o $((1 * MiB)) -l $((2 * MiB)) "$IMG1"
eq "punch-hole frees 2 MiB" $((6 * MiB)) "$(field "$B1/mm_stat" 1)"
used_b=$(field "$B1/mm_stat" 3)
if [ $((used_a - used_b)) -ge $((3 * MiB / 2)) ]; then pass "punch-hole frees memory ($used_a -> $used_b)"; else
	fail "punch-hole did not free memory: $used_a -> $used_b"; fi
eq "notify_free counts the punched pages" $((nf_a + 512)) "$(field "$B1/io_stat" 4)"
eq "image size unchanged by punch-hole" $((16 * MiB)) "$(stat -c %s "$IMG1")"
zero2=$(zero_sha $((2 * MiB)))
eq "punched range reads zeros" "$zero2" \
	"$(dsha "$IMG1" bs=1M skip=1 count=2)"
eq "data before the hole intact" "$(head -c $MiB "$T/r8" | sha)" \
	"$(dsha "$IMG1" bs=1M count=1)"
eq "data after the hole intact" "$(tail -c $((5 * MiB)) "$T/r8" | sha)" \
	"$(dsha "$IMG1" bs=1M skip=3 count=5)"

# zero-range 1 MiB at 5 MiB
nf_b=$(field "$B1/io_stat" 4)
ok "fallocate --zero-range" fallocate --zero-range --keep-size -o $((5 * MiB)) -l $MiB "$IMG1"
eq "zero-range frees 1 MiB" $((5 * MiB)) "$(field "$B1/mm_stat" 1)"
used_c=$(field "$B1/mm_stat" 3)
if [ $((used_b - used_c)) -ge $((MiB / 2)) ]; then pass "zero-range frees memory ($used_b -> $used_c)"; else
	fail "zero-range did not free memory: $used_b -> $used_c"; fi
eq "notify_free counts zero-range pages" $((nf_b + 256)) "$(field "$B1/io_stat" 4)"
eq "zeroed range reads zeros" "$(zero_sha $MiB)" \
	"$(dsha "$IMG1" bs=1M skip=5 count=1)"
eq "image size unchanged by zero-range" $((16 * MiB)) "$(stat -c %s "$IMG1")"

# a sub-page punch zeroes bytes in place, keeps the page
ok "punch 100 bytes at 6 MiB + 1000" fallocate --punch-hole --keep-size -o $((6 * MiB + 1000)) -l 100 "$IMG1"
python3 - "$IMG1" "$T/r8" $((6 * MiB)) <<'EOF' && pass "sub-page punch zeroes exactly 100 bytes" || fail "sub-page punch content wrong"
import os, sys
off = int(sys.argv[3])
fd = os.open(sys.argv[1], os.O_RDONLY)
got = os.pread(fd, 4096, off)
os.close(fd)
with open(sys.argv[2], "rb") as f:
    f.seek(off)
    want = bytearray(f.read(4096))
want[1000:1100] = bytes(100)
sys.exit(0 if got == bytes(want) else 1)
EOF
eq "sub-page punch keeps the page stored" $((5 * MiB)) "$(field "$B1/mm_stat" 1)"

# -- SEEK_DATA / SEEK_HOLE ------------------------------------------------
id2=$(cat "$C/hot_add")
echo 1M > "$MNT/block/zram$id2/disksize"
IMG2=$MNT/dev/zram$id2
dwrite "$IMG2" if=/dev/urandom bs=4096 seek=10 count=1
dwrite "$IMG2" if=/dev/urandom bs=4096 seek=20 count=1
seeks=$(python3 - "$IMG2" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
def s(off, how):
    try:
        return str(os.lseek(fd, off, how))
    except OSError as e:
        return "E" + str(e.errno)
print(s(0, os.SEEK_DATA), s(40960, os.SEEK_HOLE), s(45056, os.SEEK_DATA),
      s(81920, os.SEEK_HOLE), s(86016, os.SEEK_DATA), s(0, os.SEEK_HOLE),
      s(41000, os.SEEK_DATA), s(1048576, os.SEEK_DATA), s(1048576, os.SEEK_HOLE))
EOF
)
set -- $seeks
eq "SEEK_DATA from 0" 40960 "${1:-}"
eq "SEEK_HOLE from 40960" 45056 "${2:-}"
eq "SEEK_DATA from 45056" 81920 "${3:-}"
eq "SEEK_HOLE from 81920" 86016 "${4:-}"
eq "SEEK_DATA past the last data: ENXIO" E6 "${5:-}"
eq "SEEK_HOLE from 0" 0 "${6:-}"
eq "SEEK_DATA from inside a data page" 41000 "${7:-}"
eq "SEEK_DATA at EOF: ENXIO" E6 "${8:-}"
eq "SEEK_HOLE at EOF: ENXIO" E6 "${9:-}"
# after punching page 10, the first data is page 20
fallocate --punch-hole --keep-size -o 40960 -l 4096 "$IMG2"
eq "SEEK_DATA after punching page 10" 81920 \
	"$(seek_data "$IMG2" 0)"

finish
