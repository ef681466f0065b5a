#!/bin/bash
# discard.sh - fallocate PUNCH_HOLE/ZERO_RANGE on the image: a partial
# discard of a never-written page changes nothing; a page that is all
# zeros after a partial discard is freed; the rest of a page survives.
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C

start_zramfs || { fail "start_zramfs"; finish; }
B=$MNT/block/zram0
IMG=$MNT/dev/zram0
echo 1G > "$B/disksize"
# seek_data OFF: the SEEK_DATA answer at OFF, or ENXIO
seek_data() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    print(os.lseek(fd, int(sys.argv[2]), os.SEEK_DATA))
except OSError as e:
    print("ENXIO" if e.errno == 6 else e)' "$IMG" "$1"
}

ok "punch 100 bytes of a fresh device" fallocate -p -o 0 -l 100 "$IMG"
eq "nothing stored (orig_data_size)" 0 "$(field "$B/mm_stat" 1)"
eq "no same page made" 0 "$(field "$B/mm_stat" 6)"
eq "SEEK_DATA(0) on a fresh device" ENXIO "$(seek_data 0)"
ok "zero-range 3000 bytes in the middle of a fresh page" \
	fallocate -z -o 5000 -l 3000 "$IMG"
eq "still nothing stored" 0 "$(field "$B/mm_stat" 1)"

# a page with data at both ends: punching one end keeps the other
{ head -c 100 /dev/urandom; head -c 3896 /dev/zero; head -c 100 /dev/urandom; } > "$T/page"
ok "write one page" dd if="$T/page" of="$IMG" bs=4096 seek=10 oflag=direct conv=notrunc status=none
eq "one page stored" 4096 "$(field "$B/mm_stat" 1)"
ok "punch its first 100 bytes" fallocate -p -o $((10 * 4096)) -l 100 "$IMG"
eq "still stored (data left at the end)" 4096 "$(field "$B/mm_stat" 1)"
{ head -c 3996 /dev/zero; tail -c 100 "$T/page"; } > "$T/want"
eq "the rest of the page survives" "$(sha256sum < "$T/want")" \
	"$(dd if="$IMG" bs=4096 skip=10 count=1 iflag=direct status=none | sha256sum)"
ok "punch its last 100 bytes" fallocate -p -o $((11 * 4096 - 100)) -l 100 "$IMG"
eq "all zeros now: freed" 0 "$(field "$B/mm_stat" 1)"
eq "SEEK_DATA finds nothing" ENXIO "$(seek_data 0)"
eq "reads as zeros" "$(head -c 4096 /dev/zero | sha256sum)" \
	"$(dd if="$IMG" bs=4096 skip=10 count=1 iflag=direct status=none | sha256sum)"
eq "no failed writes" 0 "$(field "$B/io_stat" 2)"
finish
