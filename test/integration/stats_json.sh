#!/bin/bash
# stats_json.sh - block/zramN/stats.json, and stats.json and metrics at
# the mount root: they parse (JSON; Prometheus text with the
# prometheus_client parser) and every number equals the kernel-format
# file it comes from (mm_stat, io_stat, bd_stat, stat, policy_stat).  No I/O runs
# between the readings compared, so each is the same snapshot's value.
. "$(dirname "$0")/../lib.sh"
# Debian's python3-prometheus-client is for /usr/bin/python3 (not a
# python3 of its own earlier on PATH)
PROM=$ROOT/test/tools/prom.py
need start_zramfs

MM="orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages pages_compacted huge_pages huge_pages_since"
IO="failed_reads failed_writes invalid_io notify_free"
BD="bd_count bd_reads bd_writes"
PS="recompressed written_back evicted runs last_run_ms evict_failed recompress_age writeback_age"
# stat's 17 fields; "-" are the merge counts, always 0 and not in JSON
ST="read_ios - read_sectors read_ticks write_ios - write_sectors write_ticks in_flight io_ticks time_in_queue discard_ios - discard_sectors discard_ticks flush_ios flush_ticks"
# metric names of mm_stat's and io_stat's fields, in order
MMP="orig_data_bytes compr_data_bytes mem_used_total_bytes mem_limit_bytes mem_used_max_bytes same_pages pages_compacted_total huge_pages huge_pages_since_total"
IOP="failed_reads_total failed_writes_total invalid_io_total notify_free_total"
BDP="bd_count_pages bd_reads_pages_total bd_writes_pages_total"
PSP="policy_recompressed_pages_total policy_written_back_pages_total policy_evicted_pages_total policy_runs_total policy_last_run_milliseconds policy_evict_failed_total policy_recompress_age_seconds policy_writeback_age_seconds"

# compare FILE SECTION NAMES JSON DEV: each field of FILE equals JSON's
# SECTION.NAME ("-": a field not in the JSON)
compare() {
	local file=$1 sec=$2 names=$3 json=$4 i=1 bad="" n got want
	for n in $names; do
		if [ "$n" != - ]; then
			want=$(field "$file" $i)
			got=$(jq ".$sec.$n" "$json")
			[ "$got" = "$want" ] || bad="$bad $n=$got(want $want)"
		fi
		i=$((i + 1))
	done
	eq "$(basename "$file") equals $sec in $(basename "$json")" "" "$bad"
}

# -- per device -----------------------------------------------------------
S=$B/stats.json
ok "stats.json is read-only 0444" test "$(stat -c %a "$S")" = 444
werr "stats.json cannot be written" "Permission denied" "$S" 1
cat "$S" > "$T/u.json"
ok "uninitialised: parses" python3 -m json.tool "$T/u.json"
eq "uninitialised: initstate 0, disksize 0" "0 0" "$(jq -r '"\(.initstate) \(.disksize)"' "$T/u.json")"
compare "$B/mm_stat" mm_stat "$MM" "$T/u.json"

# a 2 MiB limit with eviction on: the random MiB evicts (policy_stat)
put "$B/mem_limit" 2M >/dev/null
put "$B/evict_on_limit" 1 >/dev/null
put "$B/backing_dev" "$(truncate -s 16M "$T/bd" && echo "$T/bd")" >/dev/null
put "$B/comp_algorithm" zstd >/dev/null
put "$B/disksize" 64M >/dev/null
text_corpus $((3 * MiB)) | dwrite "$IMG" bs=64K
head -c $((1 * MiB)) /dev/urandom | dwrite "$IMG" bs=64K seek=100
dwrite "$IMG" if=/dev/zero bs=4K count=16 seek=3000
fallocate -p -o 0 -l $((256 * 1024)) "$IMG"
dread "$IMG" bs=64K count=8 > /dev/null
put "$B/idle" all >/dev/null
put "$B/writeback" idle >/dev/null
cat "$S" > "$T/d.json"
ok "initialised: parses" python3 -m json.tool "$T/d.json"
eq "comp_algorithm, initstate, disksize" "zstd 1 $((64 * MiB))" \
	"$(jq -r '"\(.comp_algorithm) \(.initstate) \(.disksize)"' "$T/d.json")"
compare "$B/mm_stat" mm_stat "$MM" "$T/d.json"
compare "$B/io_stat" io_stat "$IO" "$T/d.json"
compare "$B/bd_stat" bd_stat "$BD" "$T/d.json"
compare "$B/stat" stat "$ST" "$T/d.json"
compare "$B/policy_stat" policy_stat "$PS" "$T/d.json"
ok "counters are not all zero (data, discards, writeback, reads, evictions)" test \
	"$(jq '[.mm_stat.orig_data_size, .io_stat.notify_free, .bd_stat.bd_writes, .stat.read_ios, .policy_stat.evicted] | all(. > 0)' "$T/d.json")" = true
eq "stats.json reports size 4096 like every control file" 4096 "$(stat -c %s "$S")"

# -- the mount root: every device -----------------------------------------------
ok "hot_add a second device" sh -c "cat '$C/hot_add' > /dev/null"
cat "$MNT/stats.json" > "$T/all.json"
ok "root stats.json parses" python3 -m json.tool "$T/all.json"
eq "root stats.json: one entry per device" "zram0 zram1" \
	"$(jq -r '.devices | keys | join(" ")' "$T/all.json")"
eq "its zram0 is block/zram0/stats.json" "$(jq -S . "$S")" \
	"$(jq -S .devices.zram0 "$T/all.json")"
eq "its zram1 is block/zram1/stats.json" "$(jq -S . "$MNT/block/zram1/stats.json")" \
	"$(jq -S .devices.zram1 "$T/all.json")"
ok "root stats.json is read-only 0444" test "$(stat -c %a "$MNT/stats.json")" = 444
ok "metrics is read-only 0444" test "$(stat -c %a "$MNT/metrics")" = 444
werr "metrics cannot be written" "Permission denied" "$MNT/metrics" 1

cat "$MNT/metrics" > "$T/metrics"
ok "metrics parses with prometheus_client" /usr/bin/python3 "$PROM" "$T/metrics"
/usr/bin/python3 "$PROM" "$T/metrics" > "$T/samples" 2>&1
# value NAME DEV
value() { awk -v n="zramfs_$1" -v d="$2" '$1 == n && $2 == d {print $3}' "$T/samples"; }
for sec in MM IO BD PS; do
	case $sec in
	MM) file=mm_stat names=$MMP ;;
	IO) file=io_stat names=$IOP ;;
	BD) file=bd_stat names=$BDP ;;
	PS) file=policy_stat names=$PSP ;;
	esac
	i=1 bad=""
	for n in $names; do
		for dev in zram0 zram1; do
			want=$(field "$MNT/block/$dev/$file" $i)
			got=$(value "$n" "$dev")
			[ "$got" = "$want" ] || bad="$bad $dev:$n=$got(want $want)"
		done
		i=$((i + 1))
	done
	eq "metrics equal $file for both devices" "" "$bad"
done
i=1 bad=""
for n in read_ios_total - read_sectors_total read_ticks_milliseconds_total \
	 write_ios_total - write_sectors_total write_ticks_milliseconds_total \
	 in_flight io_ticks_milliseconds_total time_in_queue_milliseconds_total \
	 discard_ios_total - discard_sectors_total discard_ticks_milliseconds_total \
	 flush_ios_total flush_ticks_milliseconds_total; do
	if [ "$n" != - ]; then
		want=$(field "$B/stat" $i)
		[ "$(value "$n" zram0)" = "$want" ] || bad="$bad $n=$(value "$n" zram0)(want $want)"
	fi
	i=$((i + 1))
done
eq "metrics equal stat" "" "$bad"
eq "disksize and initstate" "$((64 * MiB)) 1 0 0" \
	"$(value disksize_bytes zram0) $(value initstate zram0) $(value disksize_bytes zram1) $(value initstate zram1)"
eq "the algorithm as a label" "1 algorithm=zstd" \
	"$(awk '$1 == "zramfs_comp_algorithm_info" && $2 == "zram0" {print $3, $4}' "$T/samples")"
eq "counters typed counter" counter \
	"$(awk '$1 == "family" && $2 == "zramfs_failed_writes" {print $3}' "$T/samples")"
eq "sizes typed gauge" gauge \
	"$(awk '$1 == "family" && $2 == "zramfs_orig_data_bytes" {print $3}' "$T/samples")"
ok "every family has HELP and TYPE" sh -c "test \$(grep -c '^# HELP zramfs_' '$T/metrics') -eq \$(grep -c '^# TYPE zramfs_' '$T/metrics') && test \$(grep -c '^# TYPE' '$T/metrics') -ge 30"

# -- every device there can be: the root files grow past a page -----------------
for ((i = 2; i < 1024; i++)); do cat "$C/hot_add"; done > /dev/null
eq "1024 devices" 1024 "$(ls "$MNT/block" | wc -l)"
cat "$MNT/stats.json" > "$T/all.json"
eq "root stats.json has all 1024" 1024 "$(jq '.devices | length' "$T/all.json")"
ok "... and is far larger than a page" test "$(stat -c %s "$T/all.json")" -gt 100000
cat "$MNT/metrics" > "$T/metrics"
ok "metrics of 1024 devices parses" /usr/bin/python3 "$PROM" "$T/metrics"
eq "... a sample per device per family" 1024 \
	"$(grep -c '^zramfs_orig_data_bytes{' "$T/metrics")"
eq "... zram1023 there" 0 "$(sed -n 's/^zramfs_disksize_bytes{device="zram1023"} //p' "$T/metrics")"
finish
