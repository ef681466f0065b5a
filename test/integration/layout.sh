#!/bin/bash
# layout.sh - the tree under the mount, modes, sizes, read/write
# permissions, the initial formats of the stats files, num_devices and
# command-line errors.
. "$(dirname "$0")/../lib.sh"

need start_zramfs


eq "root entries" "block class debug dev metrics stats.json" "$(lsj "$MNT")"
eq "dev entries" "zram0" "$(lsj "$MNT/dev")"
eq "block entries" "zram0" "$(lsj "$MNT/block")"
eq "class entries" "zram-control" "$(lsj "$MNT/class")"
eq "zram-control entries" "hot_add hot_remove" "$(lsj "$C")"
eq "block/zram0 entries" \
	"algorithm_params backing_dev bd_stat comp_algorithm compact debug_stat disksize evict_on_limit idle initstate io_stat max_comp_streams mem_limit mem_used_max mm_stat policy policy_stat recomp_algorithm recompress reset stat stats.json writeback writeback_batch_size writeback_compressed writeback_limit writeback_limit_enable" \
	"$(lsj "$B")"

# modes
declare -A MODE=(
	[disksize]=644 [initstate]=444 [reset]=200 [mem_limit]=200
	[mem_used_max]=200 [comp_algorithm]=644 [algorithm_params]=200
	[max_comp_streams]=644 [compact]=200 [mm_stat]=444 [io_stat]=444
	[stat]=444 [debug_stat]=444 [idle]=200 [backing_dev]=644 [writeback]=200
	[writeback_limit]=644 [writeback_limit_enable]=644 [writeback_batch_size]=644
	[writeback_compressed]=644 [bd_stat]=444 [recomp_algorithm]=644
	[stats.json]=444
	[recompress]=200 [policy]=644 [evict_on_limit]=644 [policy_stat]=444
)
for f in "${!MODE[@]}"; do
	eq "mode of $f" "${MODE[$f]}" "$(stat -c %a "$B/$f" 2>&1)"
	eq "size of $f" 4096 "$(stat -c %s "$B/$f" 2>&1)"
	eq "type of $f" "regular file" "$(stat -c %F "$B/$f" 2>&1)"
done
eq "mode of hot_add" 400 "$(stat -c %a "$C/hot_add" 2>&1)"
eq "mode of hot_remove" 200 "$(stat -c %a "$C/hot_remove" 2>&1)"
eq "size of hot_add" 4096 "$(stat -c %s "$C/hot_add" 2>&1)"
eq "size of hot_remove" 4096 "$(stat -c %s "$C/hot_remove" 2>&1)"
eq "mode of dev/zram0" 600 "$(stat -c %a "$IMG" 2>&1)"
eq "type of dev/zram0" "regular empty file" "$(stat -c %F "$IMG" 2>&1)"
eq "image size 0 before init" 0 "$(stat -c %s "$IMG" 2>&1)"
eq "block/zram0 is a directory" directory "$(stat -c %F "$B" 2>&1)"

# reading write-only files fails with EACCES, even for root
for f in reset mem_limit mem_used_max algorithm_params compact; do
	out=$(cat "$B/$f" 2>&1)
	case $out in
	*"Permission denied"*) pass "read of $f refused" ;;
	*) fail "read of $f: expected Permission denied, got '${out:-success}'" ;;
	esac
done
out=$(cat "$C/hot_remove" 2>&1)
case $out in
*"Permission denied"*) pass "read of hot_remove refused" ;;
*) fail "read of hot_remove: expected Permission denied, got '${out:-success}'" ;;
esac
# writing read-only files fails
for f in initstate mm_stat io_stat stat debug_stat; do
	werr "write of $f refused" "Permission denied" "$B/$f" 1
done
werr "write of hot_add refused" "Permission denied" "$C/hot_add" 1
eq "still one device after write attempt on hot_add" "zram0" "$(lsj "$MNT/dev")"

# formats of the uninitialised device
ok "mm_stat is 9 zero columns of %8llu" cmp -s <(printf '%s\n' "$ZERO9") "$B/mm_stat"
ok "mm_stat matches the %8llu regex" grep -Pzxq \
	'(?:[ \d]{7}\d ){8}[ \d]{7}\d\n' "$B/mm_stat"
ok "debug_stat is the kernel's" cmp -s <(printf 'version: 1\n0        0\n') "$B/debug_stat"
eq "stat has 17 fields" 17 "$(wc -w < "$B/stat")"
eq "stat is one line" 1 "$(wc -l < "$B/stat")"
ok "stat fields are %8llu zeros" cmp -s \
	<(printf '%8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u %8u\n' \
	0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0) "$B/stat"
eq "io_stat has 4 fields" 4 "$(wc -w < "$B/io_stat")"
eq "io_stat all zero" "0 0 0 0" "$(cat "$B/io_stat" | xargs)"
eq "disksize 0" 0 "$(cat "$B/disksize")"
eq "initstate 0" 0 "$(cat "$B/initstate")"
ok "disksize ends with a newline" cmp -s <(printf '0\n') "$B/disksize"

# statfs block size
eq "statfs block size" 4096 "$(stat -f -c %S "$MNT")"

# num_devices=3
stop_zramfs
need start_zramfs -o num_devices=3
eq "num_devices=3: dev" "zram0 zram1 zram2" "$(lsj "$MNT/dev")"
eq "num_devices=3: block" "zram0 zram1 zram2" "$(lsj "$MNT/block")"
ok "num_devices=3: zram2 has disksize" test -f "$MNT/block/zram2/disksize"
notok "num_devices=3: no zram3" test -e "$MNT/dev/zram3"

# num_devices=0
stop_zramfs
need start_zramfs -o num_devices=0
eq "num_devices=0: dev empty" "" "$(lsj "$MNT/dev")"
eq "num_devices=0: block empty" "" "$(lsj "$MNT/block")"
eq "num_devices=0: control still there" "hot_add hot_remove" "$(lsj "$C")"
stop_zramfs

# bad options: exit 1, one line on stderr naming the culprit
M2=$T/m2
mkdir -p "$M2"
badopt() {	# DESC NEEDLE ARGS...
	local desc=$1 needle=$2 rc; shift 2
	timeout 10 "$ZRAMFS" -f "$@" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	if is_mounted "$M2"; then
		fusermount3 -u "$M2"
	fi
	eq "$desc: exit status" 1 "$rc"
	eq "$desc: one stderr line" 1 "$(wc -l < "$T/bad.err")"
	if grep -qF -- "$needle" "$T/bad.err"; then pass "$desc: names $needle"; else
		fail "$desc: stderr does not name '$needle': $(cat "$T/bad.err")"; fi
}
badopt "num_devices=x" "num_devices=x" -o num_devices=x "$M2"
badopt "num_devices=-1" "num_devices" -o num_devices=-1 "$M2"
badopt "threads=0" "threads=0" -o threads=0 "$M2"
badopt "num_devices=100000" "num_devices=100000" -o num_devices=100000 "$M2"
badopt "max_io=2M" "max_io=2M" -o max_io=2M "$M2"
badopt "max_io=3000" "max_io=3000" -o max_io=3000 "$M2"
badopt "nonexistent mountpoint" "$T/nonexistent" "$T/nonexistent"
notok "nonexistent mountpoint not created" test -e "$T/nonexistent"

finish
