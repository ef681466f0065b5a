#!/bin/bash
# policy.sh - the automatic tiering's numbers (issue 13; for
# doc/performance.md).  Not a test: it prints a table with each target and
# never fails on a timing.
#
#   latency    fio 4k randread qd1 on a 64 MiB hot region of the image (the
#              image file itself, O_DIRECT), idle, and while a policy run
#              (interval=1 writeback_after=15) writes the 1 GiB corpus
#              beside it back to the backing file: p99 of the reads that
#              completed during the run (per-I/O latency log, the run's
#              window from bd_count sampled every 50 ms) against the lower
#              of two p99s: a run of the same fio before, idle, and the
#              reads of the same fio job after the run (target: within
#              2x; other load on the machine moves either reference)
#   eviction   a 2 GiB memhog in a 384 MiB memory cgroup swapping to a
#              loop device over a device with mem_limit=256M, a backing
#              file and evict_on_limit=1; every page verified after the
#              fill; failed writes, bad pages, mem_used_total sampled every
#              50 ms (targets: 0, 0, never above mem_limit)
#   lifecycle  `interval=5 recompress_after=10 writeback_after=30` on an
#              lz4 device (zstd secondary, a backing file) holding the
#              1 GiB corpus, left alone: when mem_used_total falls below
#              2% of its peak (target: within 60 s), the data intact
#
# The corpus is lifecycle.sh's: two 512 MiB mkcorpus.sh seeds.
# env: POLICY_DIR=/var/tmp (backing files: a disk, not tmpfs)  CORPUS
#      PARTS="latency eviction lifecycle" (a subset runs only those; the
#      table then has blanks)  POLICY_KEEP=DIR (the latency logs go there)
#      RESULTS=/tmp/zramfs-bench-results (policy.json goes there)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
[ -x "$TOP/zramfs" ] || { echo "policy: build ./zramfs first"; exit 1; }
W=$(mktemp -d "${POLICY_DIR:-/var/tmp}/zramfs-policy.XXXXXX")
MNT=$W/mnt
mkdir -p "$MNT"
B=$MNT/block/zram0 IMG=$MNT/dev/zram0
DPID="" LOOP="" SWAP="" CG="" SAMPLER=""
GiB=1073741824 MiB=1048576

cleanup() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	[ -n "$SWAP" ] && timeout 120 swapoff "$SWAP"
	[ -n "$LOOP" ] && timeout 30 losetup -d "$LOOP"
	if [ -n "$DPID" ]; then
		fusermount3 -u "$MNT"
		for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$DPID" 2>/dev/null && kill "$DPID"
	fi
	[ -n "$CG" ] && rmdir "$CG"
	rm -rf "$W"
}
trap cleanup EXIT

ensure_corpus_1g

mm() { awk -v n="$1" '{print $n}' "$B/mm_stat"; }
bd() { awk -v n="$1" '{print $n}' "$B/bd_stat"; }
ps_() { awk -v n="$1" '{print $n}' "$B/policy_stat"; }
ms() { date +%s%3N; }
MiBf() { awk -v b="$1" 'BEGIN{printf "%.1f MiB", b / 1048576}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{ok = op == "<=" ? v <= t : v >= t; print ok ? "met" : "MISSED"}'; }

"$TOP/zramfs" -f "$MNT" 2>>"$W/daemon.log" &
DPID=$!
for _ in $(seq 100); do
	awk -v m="$MNT" '$2==m{f=1} END{exit !f}' /proc/mounts && [ -d "$B" ] && break
	sleep 0.1
done
[ -d "$B" ] || { echo "policy: zramfs did not mount: $(cat "$W/daemon.log")"; exit 1; }

PARTS=${PARTS:-latency eviction lifecycle}
part() { [[ " $PARTS " == *" $1 "* ]]; }
idle_p99=0 idle_n=0 idle_mean=0 run_p99=0 run_n=0 after_p99=0 after_n=0
ref_p99=0 lat_x=0 wb_pages=0 run_ms=0 lat_intact=- hog_rc=0 ev_s=0 ev_swap=""
ev_bad="" ev_failed=0 ev_evicted=0 ev_evict_failed=0 ev_max=0 ev_used_max=0
ev_limit=0 ev_reads=0 peak=0 lc_used=0 lc_s="" lc_pct=0 lc_rc_s="" lc_wb_s=""
lc_intact=- lc_stat=""

# -- latency ---------------------------------------------------------------------
latency() {
log "latency: 1 GiB corpus + 64 MiB hot region, backing file in $W"
fallocate -l 1200M "$W/backing" || exit 1
echo "$W/backing" > "$B/backing_dev" || exit 1
echo 1088M > "$B/disksize" || exit 1
cat "$C1" "$C2" | timeout "$TO" dd of="$IMG" bs=1M iflag=fullblock oflag=direct \
	conv=notrunc status=none || exit 1
timeout "$TO" dd if="$C1" of="$IMG" bs=1M count=64 seek=1024 oflag=direct \
	conv=notrunc status=none || exit 1
# randread FILE_PREFIX SECONDS: fio on the hot region, per-I/O latency log
randread() {
	timeout "$TO" fio --name=hot --filename="$IMG" --ioengine=psync --direct=1 \
		--rw=randread --bs=4k --iodepth=1 --offset=1G --size=64M \
		--time_based --runtime="$2" --output-format=json --output="$1.json" \
		--write_lat_log="$1" --log_avg_msec=0 >/dev/null 2>&1
}
# p99 of the clat log lines (ms, ns, ...) with LO <= ms < HI, in us
p99() {
	awk -F', ' -v lo="$2" -v hi="$3" '$1 >= lo && $1 < hi {print $2}' "$1" |
		sort -n | awk '{v[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1f %d\n", v[i] / 1000, NR}'
}
log "latency: idle, 15 s"
randread "$W/idle" 15
read -r idle_p99 idle_n < <(p99 "$W/idle_clat.1.log" 0 1e12)
idle_mean=$(jq '.jobs[0].read.clat_ns.mean / 1000 | floor' "$W/idle.json")
log "latency: idle p99 ${idle_p99} us ($idle_n reads)"
# the cold GiB has aged >= 15 s now; the hot region is read ~every 1.6 s
echo "interval=1 writeback_after=15" > "$B/policy" || exit 1
t_fio=$(ms)
randread "$W/run" 25 &
fio_pid=$!
: > "$W/bd.log"
while kill -0 "$fio_pid" 2>/dev/null; do
	echo "$(($(ms) - t_fio)) $(bd 1)" >> "$W/bd.log"
	sleep 0.05
done
wait "$fio_pid"
echo "interval=0" > "$B/policy"
# the run's window: from the first block written to the last
read -r w0 w1 < <(awk 'NR == 1 {b0 = $2} $2 != b0 && !s {s = $1} $2 != last {e = $1; last = $2} END {print s + 0, e + 0}' "$W/bd.log")
read -r run_p99 run_n < <(p99 "$W/run_clat.1.log" "$w0" "$w1")
read -r after_p99 after_n < <(p99 "$W/run_clat.1.log" "$((w1 + 500))" 1e12)
wb_pages=$(bd 1)
run_ms=$((w1 - w0))
# against the lower of the two references: idle before, the same job after
ref_p99=$(awk -v a="$idle_p99" -v b="${after_p99:-0}" 'BEGIN{print (b > 0 && b < a) ? b : a}')
lat_x=$(awk -v a="$run_p99" -v b="$ref_p99" 'BEGIN{printf "%.2f", b ? a / b : 0}')
log "latency: run moved $wb_pages pages in about $run_ms ms (window $w0..$w1 ms); p99 during ${run_p99} us ($run_n reads), after ${after_p99} us"
lat_intact=$(timeout "$TO" dd if="$IMG" bs=1M count=1024 iflag=direct status=none | sha256sum | cut -d' ' -f1)
[ "$lat_intact" = "$FILL_SHA" ] && lat_intact=intact || lat_intact=CORRUPT
[ -n "${POLICY_KEEP:-}" ] && cp "$W/run_clat.1.log" "$W/bd.log" "$W/idle_clat.1.log" "$POLICY_KEEP/"
echo 1 > "$B/reset"
rm -f "$W/backing"
}

# -- eviction ---------------------------------------------------------------------
eviction() {
log "eviction: 2 GiB memhog in a 384 MiB cgroup, mem_limit=256M"
fallocate -l 3G "$W/backing" || exit 1
cc -O2 -o "$W/memhog" "$TOP/test/memhog.c" || exit 1
echo "$W/backing" > "$B/backing_dev" || exit 1
echo 3G > "$B/disksize" || exit 1
echo 256M > "$B/mem_limit" || exit 1
echo 1 > "$B/evict_on_limit" || exit 1
LOOP=$(losetup --direct-io=on --sector-size 4096 -f --show "$IMG") || exit 1
timeout 60 mkswap "$LOOP" >/dev/null || exit 1
timeout 60 swapon --discard=pages --priority 32767 "$LOOP" || exit 1
SWAP=$LOOP
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG=/sys/fs/cgroup/zramfs_bench_policy_$$
	mkdir "$CG" && echo 384M > "$CG/memory.max" || exit 1
else
	CG=/sys/fs/cgroup/memory/zramfs_bench_policy_$$
	mkdir "$CG" && echo 384M > "$CG/memory.limit_in_bytes" || exit 1
fi
( max=0
  while :; do
	u=$(mm 3)
	[ "$u" -gt "$max" ] && max=$u && echo "$max" > "$W/max"
	sleep 0.05
  done ) &
SAMPLER=$!
t0=$(now)
timeout -k 5 900 sh -c 'echo $$ > "$1"; shift; exec "$@"' _ "$CG/cgroup.procs" \
	"$W/memhog" 2048 > "$W/hog.log" 2>&1
hog_rc=$?
t1=$(now)
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null; SAMPLER=""
cat "$W/hog.log" >&2
ev_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", b - a}')
ev_swap=$(sed -n 's/.*VmSwap=\([0-9]*\) kB.*/\1/p' "$W/hog.log" | head -1)
ev_bad=$(sed -n 's/.*bad pages \([0-9]*\);.*/\1/p' "$W/hog.log" | tail -1)
ev_failed=$(awk '{print $2}' "$B/io_stat")
ev_evicted=$(ps_ 3)
ev_evict_failed=$(ps_ 6)
ev_max=$(cat "$W/max" 2>/dev/null || echo 0)
ev_used_max=$(mm 5)
ev_limit=$(mm 4)
ev_reads=$(bd 2)
log "eviction: hog rc $hog_rc in ${ev_s}s; $(cat "$B/mm_stat"); bd $(cat "$B/bd_stat"); policy_stat $(cat "$B/policy_stat")"
timeout 300 swapoff "$SWAP"; SWAP=""
timeout 30 losetup -d "$LOOP"; LOOP=""
rmdir "$CG"; CG=""
echo 1 > "$B/reset"
rm -f "$W/backing"
}

# -- lifecycle ----------------------------------------------------------------------
lifecycle() {
log "lifecycle: interval=5 recompress_after=10 writeback_after=30 on 1 GiB, left alone"
fallocate -l 1200M "$W/backing" || exit 1
echo lz4 > "$B/comp_algorithm"
echo "algo=zstd priority=1" > "$B/recomp_algorithm" || exit 1
echo "$W/backing" > "$B/backing_dev" || exit 1
echo 1G > "$B/disksize" || exit 1
cat "$C1" "$C2" | timeout "$TO" dd of="$IMG" bs=1M iflag=fullblock oflag=direct \
	conv=notrunc status=none || exit 1
peak=$(mm 3)
echo "interval=5 recompress_after=10 writeback_after=30" > "$B/policy" || exit 1
t0=$(now)
lc_s="" lc_rc_s="" lc_wb_s="" trace=""
for i in $(seq 120); do
	sleep 1
	u=$(mm 3)
	[ $((i % 5)) = 0 ] && trace="$trace ${i}s:$(MiBf "$u")"
	[ -z "$lc_rc_s" ] && [ "$(ps_ 1)" -gt 0 ] && lc_rc_s=$i
	[ -z "$lc_wb_s" ] && [ "$(ps_ 2)" -gt 0 ] && lc_wb_s=$i
	if [ -z "$lc_s" ] && [ $((u * 50)) -lt "$peak" ]; then
		lc_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.0f", b - a}')
		break
	fi
done
lc_used=$(mm 3)
lc_pct=$(awk -v a="$lc_used" -v b="$peak" 'BEGIN{printf "%.2f", 100 * a / b}')
log "lifecycle: peak $peak, now $lc_used after ${lc_s:-never} s; policy_stat $(cat "$B/policy_stat"); trace$trace"
lc_intact=$(timeout "$TO" dd if="$IMG" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
[ "$lc_intact" = "$FILL_SHA" ] && lc_intact=intact || lc_intact=CORRUPT
lc_stat=$(cat "$B/policy_stat")
echo 1 > "$B/reset"
rm -f "$W/backing"
}

for p in latency eviction lifecycle; do
	part "$p" && "$p"
done

# -- the table --------------------------------------------------------------------------
cat <<EOF

## automatic tiering, $(date +%F) (backing files on $(df --output=fstype "$W" | tail -1))

| measure | zramfs | reference | ratio | target |
|---|---|---|---|---|
| 4k randread qd1 p99 on a hot 64 MiB while a run writes 1 GiB back ($wb_pages pages not same-filled, in about $run_ms ms; $run_n reads meanwhile) | ${run_p99} us | the lower of: idle before, ${idle_p99} us ($idle_n reads, mean ${idle_mean} us); the same job after the run, ${after_p99} us ($after_n reads) | ${lat_x}x | <= 2x ($(verdict "$lat_x" "<=" 2)) |
| data after the run | $lat_intact | | | intact |
| 2 GiB memhog, mem_limit=256M, evict_on_limit=1: failed writes | $ev_failed | | | 0 ($(verdict "$ev_failed" "<=" 0)) |
| bad pages (memhog rc $hog_rc, ${ev_s} s, VmSwap ${ev_swap:-?} kB) | ${ev_bad:-?} | | | 0 ($(verdict "${ev_bad:-1}" "<=" 0)) |
| mem_used_total, largest of samples every 50 ms / mem_used_max | $(MiBf "$ev_max") / $(MiBf "$ev_used_max") | mem_limit $(MiBf "$ev_limit") | | never above ($(verdict "$ev_max" "<=" "$ev_limit")) |
| pages evicted / failed evictions / read back from the backing file | $ev_evicted / $ev_evict_failed / $ev_reads | | | |
| 1 GiB left alone, interval=5 recompress_after=10 writeback_after=30: mem_used_total below 2% of its peak | after ${lc_s:-never} s ($(MiBf "$lc_used"), ${lc_pct}%) | peak $(MiBf "$peak") | | <= 60 s ($(verdict "${lc_s:-999}" "<=" 60)) |
| first recompression / first writeback seen | ${lc_rc_s:-never} s / ${lc_wb_s:-never} s | | | |
| data after it | $lc_intact | | | intact |
EOF
mkdir -p "$RESULTS"
cat > "$RESULTS/policy.json" <<EOF
{"idle_p99_us": $idle_p99, "idle_mean_us": $idle_mean, "run_p99_us": $run_p99,
 "after_p99_us": ${after_p99:-0}, "ref_p99_us": $ref_p99, "run_reads": $run_n, "latency_ratio": $lat_x,
 "run_pages": $wb_pages, "run_ms": ${run_ms:-0}, "latency_intact": "$lat_intact",
 "evict_hog_rc": $hog_rc, "evict_seconds": $ev_s, "evict_failed_writes": $ev_failed,
 "evict_bad_pages": ${ev_bad:-null}, "evict_max_used": $ev_max, "evict_mem_used_max": $ev_used_max,
 "evict_mem_limit": $ev_limit, "evicted": $ev_evicted, "evict_failed": $ev_evict_failed,
 "lifecycle_peak": $peak, "lifecycle_used": $lc_used, "lifecycle_seconds": ${lc_s:-null},
 "lifecycle_pct": $lc_pct, "lifecycle_intact": "$lc_intact", "lifecycle_policy_stat": "$lc_stat"}
EOF
echo "JSON: $RESULTS/policy.json"
