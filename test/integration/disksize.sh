#!/bin/bash
# disksize.sh - disksize parsing (suffixes, rounding, errors), the image
# size following it, EBUSY after init, initstate, newline/O_TRUNC forms.
. "$(dirname "$0")/../lib.sh"

need start_zramfs

# write VALUE to FILE without O_TRUNC and without a newline; prints error
wr_notrunc() {
	python3 - "$1" "$2" <<'EOF' 2>&1
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    n = os.write(fd, sys.argv[2].encode())
    if n != len(sys.argv[2]):
        print("short write %d" % n)
except OSError as e:
    print(os.strerror(e.errno))
finally:
    os.close(fd)
EOF
}

eq "initstate 0 before init" 0 "$(cat "$B/initstate")"
eq "disksize 0 before init" 0 "$(cat "$B/disksize")"

check_size() {	# INPUT EXPECTED_BYTES HOW
	local in=$1 want=$2 how=$3 out
	echo 1 > "$B/reset"
	case $how in
	echo) out=$(put "$B/disksize" "$in") ;;
	printf) out=$(wr "$B/disksize" "$in") ;;
	notrunc) out=$(wr_notrunc "$B/disksize" "$in") ;;
	dd) out=$(printf '%s\n' "$in" | dd of="$B/disksize" conv=notrunc status=none 2>&1) ;;
	esac
	eq "disksize $in ($how) accepted" "" "$out"
	eq "disksize $in ($how) reads back" "$want" "$(cat "$B/disksize")"
	eq "image size after $in ($how)" "$want" "$(stat -c %s "$IMG")"
	eq "initstate after $in ($how)" 1 "$(cat "$B/initstate")"
}
check_size 4096 4096 echo
check_size 256K 262144 echo
check_size 1M 1048576 echo
check_size 1G 1073741824 echo
check_size 1g 1073741824 echo
check_size 3T 3298534883328 echo
check_size 5000 8192 echo
check_size 1 4096 echo
check_size 0x100000 1048576 echo
check_size 1M 1048576 printf
check_size 5000 8192 printf
check_size 2M 2097152 notrunc
check_size 256k 262144 dd
eq "disksize output format" "$(printf '262144\n' | od -An -c)" "$(od -An -c < "$B/disksize")"

# the image really is that big: the last page is usable
echo 1 > "$B/reset"
echo 5000 > "$B/disksize"
ok "write the last (rounded-up) page" dd if=/dev/urandom of="$T/pg" bs=4096 count=1 status=none
ok "write at 4096 of a 5000-byte disk" dwrite "$IMG" if="$T/pg" bs=4096 seek=1
eq "last page reads back" "$(sha "$T/pg")" \
	"$(dsha "$IMG" bs=4096 skip=1 count=1)"

# errors leave the device uninitialised
echo 1 > "$B/reset"
for v in 0 abc 12abc -1 "" " " 1MB 1X 0x 99999999999999999999 16E; do
	werr "disksize '$v' refused" "Invalid argument" "$B/disksize" "$v"
	eq "initstate still 0 after '$v'" 0 "$(cat "$B/initstate")"
done
eq "disksize still 0 after errors" 0 "$(cat "$B/disksize")"
eq "image size still 0 after errors" 0 "$(stat -c %s "$IMG")"
eq "'12abc' without newline refused" "Invalid argument" "$(wr_notrunc "$B/disksize" 12abc)"
eq "'0' without newline refused" "Invalid argument" "$(wr_notrunc "$B/disksize" 0)"

# second disksize after init: busy, nothing changes
echo 1M > "$B/disksize"
werr "second disksize (echo)" "Device or resource busy" "$B/disksize" 2M
eq "second disksize (no O_TRUNC)" "Device or resource busy" "$(wr_notrunc "$B/disksize" 2M)"
werr "same disksize again is busy too" "Device or resource busy" "$B/disksize" 1M
werr "bad value after init" "Invalid argument" "$B/disksize" abc
eq "disksize unchanged" 1048576 "$(cat "$B/disksize")"
eq "image size unchanged" 1048576 "$(stat -c %s "$IMG")"
eq "initstate 1" 1 "$(cat "$B/initstate")"

# initstate follows reset
echo 1 > "$B/reset"
eq "initstate 0 after reset" 0 "$(cat "$B/initstate")"
eq "image size 0 after reset" 0 "$(stat -c %s "$IMG")"

# each device has its own disksize
id=$(cat "$C/hot_add")
echo 3M > "$MNT/block/zram$id/disksize"
echo 1M > "$B/disksize"
eq "second device's disksize" 3145728 "$(stat -c %s "$MNT/dev/zram$id")"
eq "first device's disksize" 1048576 "$(stat -c %s "$IMG")"

finish
