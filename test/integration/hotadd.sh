#!/bin/bash
# hotadd.sh - class/zram-control/hot_add and hot_remove.
. "$(dirname "$0")/../lib.sh"

need start_zramfs

# stat/ls of hot_add does not add anything
stat "$C/hot_add" >/dev/null
ls -l "$C" >/dev/null
eq "stat of hot_add adds nothing" "zram0" "$(lsj "$MNT/dev")"

id=$(cat "$C/hot_add")
eq "first hot_add prints 1" 1 "$id"
ok "dev/zram1 exists" test -f "$MNT/dev/zram1"
ok "block/zram1 exists" test -d "$MNT/block/zram1"
ok "block/zram1/disksize exists" test -f "$MNT/block/zram1/disksize"
eq "new device is uninitialised" 0 "$(cat "$MNT/block/zram1/initstate")"
eq "two devices listed" "zram0 zram1" "$(lsj "$MNT/dev")"
eq "two block dirs listed" "zram0 zram1" "$(lsj "$MNT/block")"
ok "hot_add output is 'N\\n'" cmp -s <(printf '2\n') <(cat "$C/hot_add")

# two cats -> exactly two more devices
a=$(cat "$C/hot_add")
b=$(cat "$C/hot_add")
eq "third and fourth ids" "3 4" "$a $b"
eq "five devices" "zram0 zram1 zram2 zram3 zram4" "$(lsj "$MNT/dev")"

# remove, ids are freed, the lowest free id is reused
ok "hot_remove 2" sh -c "echo 2 > '$C/hot_remove'"
notok "dev/zram2 gone" test -e "$MNT/dev/zram2"
notok "block/zram2 gone" test -e "$MNT/block/zram2"
eq "four devices" "zram0 zram1 zram3 zram4" "$(lsj "$MNT/dev")"
ok "hot_remove 1 without newline" sh -c "printf 1 > '$C/hot_remove'"
eq "three devices" "zram0 zram3 zram4" "$(lsj "$MNT/block")"
eq "lowest free id reused" 1 "$(cat "$C/hot_add")"
eq "next lowest free id" 2 "$(cat "$C/hot_add")"
eq "then past the end" 5 "$(cat "$C/hot_add")"

# a removed then re-added device is fresh
echo 1M > "$MNT/block/zram3/disksize"
echo 3 > "$C/hot_remove"
eq "re-added id 3" 3 "$(cat "$C/hot_add")"
eq "re-added device uninitialised" 0 "$(cat "$MNT/block/zram3/initstate")"
eq "re-added image size 0" 0 "$(stat -c %s "$MNT/dev/zram3")"

# as the kernel, a device is created by the read, not by the open
exec 7<"$C/hot_add"
eq "open of hot_add without a read adds nothing" \
	"zram0 zram1 zram2 zram3 zram4 zram5" "$(lsj "$MNT/dev")"
exec 7<&-
eq "open and close of hot_add adds nothing" \
	"zram0 zram1 zram2 zram3 zram4 zram5" "$(lsj "$MNT/dev")"
python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
a = os.pread(fd, 64, 0); b = os.pread(fd, 64, 0)
print(a.decode().strip(), b.decode().strip())' "$C/hot_add" > "$T/twice"
eq "two reads of one open: one device, the same id" "6 6" "$(cat "$T/twice")"
echo 6 > "$C/hot_remove"

# a byte-at-a-time read is still one open: one device
out=$(dd if="$C/hot_add" bs=1 status=none)
eq "hot_add read byte by byte" 6 "$out"
eq "byte-wise read added one device" "zram0 zram1 zram2 zram3 zram4 zram5 zram6" "$(lsj "$MNT/dev")"

# concurrent hot_adds get distinct ids
pids=""
for i in 1 2 3 4 5 6 7 8; do
	cat "$C/hot_add" > "$T/ha.$i" & pids="$pids $!"
done
wait $pids
eq "8 concurrent hot_adds: distinct ids 7..14" "7 8 9 10 11 12 13 14" "$(cat "$T"/ha.* | sort -n | xargs)"
eq "15 devices now" 15 "$(ls "$MNT/dev" | wc -l)"
eq "15 block dirs now" 15 "$(ls "$MNT/block" | wc -l)"
for i in 14 13 12 11 10 9 8 7 6; do
	echo $i > "$C/hot_remove" || fail "hot_remove $i"
done
eq "back to six devices" "zram0 zram1 zram2 zram3 zram4 zram5" "$(lsj "$MNT/dev")"

# errors
werr "hot_remove unknown id" "No such device" "$C/hot_remove" 77
werr "hot_remove id past the maximum" "No such device" "$C/hot_remove" 100000
werr "hot_remove abc" "Invalid argument" "$C/hot_remove" abc
werr "hot_remove empty" "Invalid argument" "$C/hot_remove" ""
werr "hot_remove 1x" "Invalid argument" "$C/hot_remove" 1x
werr "hot_remove removed id" "No such device" "$C/hot_remove" 9
# kstrtoint: one trailing newline, no other whitespace (one write each:
# bash's printf may write a line at a time)
write1() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, sys.argv[2].encode().decode("unicode_escape").encode())
except OSError as e:
    print(os.strerror(e.errno))' "$1" "$2"
}
eq "hot_remove '4 \\n' is EINVAL (kstrtoint)" "Invalid argument" \
	"$(write1 "$C/hot_remove" '4 \n')"
eq "hot_remove '4\\n\\n' is EINVAL" "Invalid argument" \
	"$(write1 "$C/hot_remove" '4\n\n')"
eq "hot_remove '4\\t' is EINVAL" "Invalid argument" \
	"$(write1 "$C/hot_remove" '4\t')"
werr "hot_remove ' 4' is EINVAL" "Invalid argument" "$C/hot_remove" " 4"
eq "errors changed nothing" "zram0 zram1 zram2 zram3 zram4 zram5" "$(lsj "$MNT/dev")"

# busy while attached to a loop device
echo 4M > "$MNT/block/zram4/disksize"
# attach in this shell (not in $(...)) so the trap knows the loop device
attach "$MNT/dev/zram4"
loop=$DEV
ok "attached zram4" test -b "$loop"
werr "hot_remove while attached" "Device or resource busy" "$C/hot_remove" 4
ok "zram4 still present" test -f "$MNT/dev/zram4"
ok "block/zram4 still present" test -d "$MNT/block/zram4"
eq "zram4 still initialised" 1 "$(cat "$MNT/block/zram4/initstate")"
eq "zram4 still 4M" 4194304 "$(cat "$MNT/block/zram4/disksize")"
ok "detach" detach "$loop"
ok "hot_remove after detach" sh -c "echo 4 > '$C/hot_remove'"
notok "zram4 gone" test -e "$MNT/dev/zram4"
eq "final devices" "zram0 zram1 zram2 zram3 zram5" "$(lsj "$MNT/dev")"

# removing zram0 works too, and the table can become empty
for i in 0 1 2 3 5; do echo $i > "$C/hot_remove"; done
eq "no devices left" "" "$(lsj "$MNT/dev")"
eq "hot_add on empty set gives 0" 0 "$(cat "$C/hot_add")"

finish
