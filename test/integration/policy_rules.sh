#!/bin/bash
# policy_rules.sh - each rule of the policy firing by itself, with ages of
# seconds and bounded waits (no timing is asserted beyond them).  An lz4
# device with zstd as its secondary algorithm and a backing file holds
#   A  16 MiB of text (pages 0..4095), left alone
#   R  1 MiB of random bytes (pages 4096..4351): huge pages, left alone
#   H  1 MiB of text (pages 8192..8447), read every 0.3 s: always hot
# and the policy runs every second:
#   1. recompress_after=2: A is recompressed (policy_stat, the r flags of
#      block_state), H is not
#   2. writeback_after=2 with writeback_budget=1M (a day's budget, 256
#      pages): the huge idle pages go first, so R and only R is written
#      back, within the budget, which then stops the run
#   3. the budget removed: A follows, H stays in RAM
#   4. writeback_after=2-100000: the age scaled by memory in use, shown in
#      policy_stat, lies strictly inside the range, and nothing more moves
# Every region reads back intact at the end, no read or write failed.
. "$(dirname "$0")/../lib.sh"
need start_zramfs
need fallocate -l 64M "$T/backing"
ok "backing_dev" test -z "$(put "$B/backing_dev" "$T/backing")"
ok "recomp_algorithm zstd" test -z "$(put "$B/recomp_algorithm" "algo=zstd priority=1")"
echo 64M > "$B/disksize"
text_corpus $((17 * MiB)) > "$T/text"
head -c $((16 * MiB)) "$T/text" > "$T/A"
head -c $((1 * MiB)) /dev/urandom > "$T/R"
tail -c $((1 * MiB)) "$T/text" > "$T/H"
need dwrite "$IMG" if="$T/A" bs=1M
need dwrite "$IMG" if="$T/R" bs=1M seek=16
need dwrite "$IMG" if="$T/H" bs=1M seek=32
eq "R is stored huge (256 pages)" 256 "$(field "$B/mm_stat" 8)"
compr0=$(field "$B/mm_stat" 2)

# H is read every 0.3 s until $T/stop
( while [ ! -e "$T/stop" ]; do dread "$IMG" bs=1M skip=32 count=1 of=/dev/null; sleep 0.3; done ) &
hot=$!

# flags of pages LO..HI in block_state: "COUNT-with-flag FLAGCHAR"
flags() { awk -v lo="$1" -v hi="$2" -v c="$3" '$1 >= lo && $1 <= hi && index($3, c) {n++} END {print n + 0}' \
	"$MNT/debug/zram0/block_state"; }
# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS
wait_for() {
	local i n=$(($1 * 10)); shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
stat_ge() { [ "$(field "$B/policy_stat" "$1")" -ge "$2" ]; }
bd_ge() { [ "$(field "$B/bd_stat" 1)" -ge "$1" ]; }

# -- 1. recompress ---------------------------------------------------------------
ok "policy: interval=1 recompress_after=2" \
	test -z "$(put "$B/policy" "interval=1 recompress_after=2")"
ok "A recompressed within 30 s (policy_stat $(cat "$B/policy_stat"))" wait_for 30 stat_ge 1 3500
echo "after recompress: policy_stat $(cat "$B/policy_stat"); mm_stat $(cat "$B/mm_stat")"
ok "most of A has the r flag ($(flags 0 4095 r))" test "$(flags 0 4095 r)" -ge 3500
eq "H, read every 0.3 s, is not recompressed" 0 "$(flags 8192 8447 r)"
ok "compr_data_size fell ($compr0 -> $(field "$B/mm_stat" 2))" \
	test "$(field "$B/mm_stat" 2)" -lt "$compr0"
eq "policy_stat: the recompress age of the last run" 2 "$(field "$B/policy_stat" 7)"
eq "policy_stat: nothing written back yet" "0 0" "$(awk '{print $2, $3}' "$B/policy_stat")"
eq "bd_stat: nothing written back yet" 0 "$(field "$B/bd_stat" 1)"

# -- 2. writeback within a budget: huge first ----------------------------------------------
ok "policy: recompress off, writeback_after=2, writeback_budget=1M" \
	test -z "$(put "$B/policy" "recompress_after=off writeback_after=2 writeback_budget=1M")"
eq "the budget fills writeback_limit (256 pages)" 256 "$(cat "$B/writeback_limit")"
ok "256 pages written back within 30 s" wait_for 30 bd_ge 256
sleep 2.5	# two more runs: the budget holds
echo "after budget: policy_stat $(cat "$B/policy_stat"); bd_stat $(cat "$B/bd_stat")"
eq "exactly the budget was written back" 256 "$(field "$B/bd_stat" 1)"
eq "the budget is spent" 0 "$(cat "$B/writeback_limit")"
eq "the huge pages went first: all of R is written back" 256 "$(flags 4096 4351 w)"
eq "none of A" 0 "$(flags 0 4095 w)"
eq "policy_stat counts them" 256 "$(field "$B/policy_stat" 2)"

# -- 3. no budget: the rest of the idle pages -----------------------------------------
ok "policy: writeback_budget=0" test -z "$(put "$B/policy" writeback_budget=0)"
ok "A written back within 30 s" wait_for 30 bd_ge $((256 + 3500))
sleep 1.5
echo "after writeback: policy_stat $(cat "$B/policy_stat"); bd_stat $(cat "$B/bd_stat"); mm_stat $(cat "$B/mm_stat")"
ok "most of A is written back ($(flags 0 4095 w))" test "$(flags 0 4095 w)" -ge 3500
eq "H, read every 0.3 s, stays in RAM" 0 "$(flags 8192 8447 w)"
ok "mem_used_total is what H and the rest of A need (< 4 MiB)" \
	test "$(field "$B/mm_stat" 3)" -lt $((4 * MiB))
eq "policy_stat: the writeback age of the last run" 2 "$(field "$B/policy_stat" 8)"

# -- 4. an age scaled by memory in use ----------------------------------------------
wb0=$(field "$B/bd_stat" 1)
ok "policy: writeback_after=2-100000" test -z "$(put "$B/policy" writeback_after=2-100000)"
runs=$(field "$B/policy_stat" 4)
ok "a run with the range" wait_for 10 stat_ge 4 $((runs + 2))
age=$(field "$B/policy_stat" 8)
echo "MemAvailable/MemTotal: $(awk '/MemAvailable|MemTotal/{printf "%s ", $2}' /proc/meminfo); writeback age $age"
ok "the age lies strictly inside 2..100000 ($age)" test "$age" -gt 2 -a "$age" -lt 100000
eq "nothing more written back at that age" "$wb0" "$(field "$B/bd_stat" 1)"

touch "$T/stop"
wait "$hot"
ok "policy: interval=0" test -z "$(put "$B/policy" interval=0)"
eq "A intact" "$(sha "$T/A")" "$(dsha "$IMG" bs=1M count=16)"
eq "R intact" "$(sha "$T/R")" "$(dsha "$IMG" bs=1M skip=16 count=1)"
eq "H intact" "$(sha "$T/H")" "$(dsha "$IMG" bs=1M skip=32 count=1)"
eq "no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
finish
