#!/bin/bash
# lifecycle.sh - the cold-page lifecycle's numbers (issue 12; for
# doc/performance.md), measured side by side in one run.  Not a test: it
# prints a table with each target and never fails on a timing.
#
#   writeback   a 1 GiB corpus fill; mem_used_total before and after
#               `echo all > idle; echo idle > writeback` (target: after
#               <= 2% of before) and every page read back intact; the
#               writeback's speed against `dd oflag=direct bs=128K` of as
#               many bytes to a file beside the backing file, and reading
#               the written-back pages (the whole device, O_DIRECT, 1 MiB)
#               against `dd iflag=direct bs=1M` of that file (targets:
#               >= 0.8x each); the writeback once more with
#               writeback_batch_size 256
#   recompress  an lz4 fill, `echo all > idle; echo type=idle > recompress`
#               with zstd as priority 1: mem_used per GiB stored against a
#               direct zstd fill (target: within 3%), data intact; how long
#               it took, against one core's zstd on the same pages (the
#               daemon's own backend alone, bench/zdevbench)
#
# The corpus: bench/mkcorpus.sh makes at most ~1000 MiB on this machine
# (it runs out of ELF files), so the 1 GiB is two 512 MiB corpora with
# different seeds, one after the other (zram compresses page by page: a
# page repeated 512 MiB later costs the same as the first).
#
# env: LIFECYCLE_DIR=/var/tmp (where the backing file and the dd file go:
#      a disk, not tmpfs)  CORPUS (the first half, bench/lib.sh's)
#      RESULTS=/tmp/zramfs-bench-results (lifecycle.json goes there)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
[ -x "$TOP/zramfs" ] || { echo "lifecycle: build ./zramfs first"; exit 1; }
W=$(mktemp -d "${LIFECYCLE_DIR:-/var/tmp}/zramfs-lifecycle.XXXXXX")
MNT=$W/mnt
mkdir -p "$MNT"
B=$MNT/block/zram0 IMG=$MNT/dev/zram0
DPID=""
GiB=1073741824 MiB=1048576

cleanup() {
	if [ -n "$DPID" ]; then
		fusermount3 -u "$MNT"
		for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$DPID" 2>/dev/null && kill "$DPID"
		DPID=""
	fi
	rm -rf "$W"
}
trap cleanup EXIT

ensure_corpus_1g

mm() { awk -v n="$1" '{print $n}' "$B/mm_stat"; }
bd() { awk -v n="$1" '{print $n}' "$B/bd_stat"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b - a}'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN{printf "%.0f", b / s / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{ok = op == "<=" ? v <= t : v >= t; print ok ? "met" : "MISSED"}'; }

start() {
	"$TOP/zramfs" -f "$MNT" 2>>"$W/daemon.log" &
	DPID=$!
	for _ in $(seq 100); do
		awk -v m="$MNT" '$2==m{f=1} END{exit !f}' /proc/mounts && [ -d "$B" ] && return 0
		sleep 0.1
	done
	echo "lifecycle: zramfs did not mount: $(cat "$W/daemon.log")"
	exit 1
}
# fill ALG: reset, comp_algorithm ALG, 1 GiB device, the corpus written
fill() {
	echo 1 > "$B/reset"
	echo "$1" > "$B/comp_algorithm" || exit 1
	[ -n "${2:-}" ] && { echo "$2" > "$B/recomp_algorithm" || exit 1; }
	[ -n "${3:-}" ] && { echo "$3" > "$B/backing_dev" || exit 1; }
	echo 1G > "$B/disksize" || exit 1
	cat "$C1" "$C2" | timeout "$TO" dd of="$IMG" bs=1M iflag=fullblock \
		oflag=direct conv=notrunc status=none || exit 1
}
intact() {
	local s
	s=$(timeout "$TO" dd if="$IMG" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
	[ "$s" = "$FILL_SHA" ] && echo intact || echo "CORRUPT"
}

start

# -- writeback ---------------------------------------------------------------
log "writeback: lz4 fill of 1 GiB with a backing file in $W"
fallocate -l 1200M "$W/backing" || exit 1
fill lz4 "" "$W/backing"
sync
used0=$(mm 3)
echo all > "$B/idle"
t0=$(now)
echo idle > "$B/writeback" || log "writeback failed"
t1=$(now)
used1=$(mm 3)
wb_pages=$(bd 1)
wb_bytes=$((wb_pages * 4096))
wb_s=$(secs "$t0" "$t1")
wb_mbps=$(mbps "$wb_bytes" "$wb_s")
log "writeback: $wb_pages pages in ${wb_s}s; mem_used_total $used0 -> $used1"

# the same bytes (the corpus, 128 KiB at a time) to a file beside it
n128=$((wb_bytes / 131072))
fallocate -l 1200M "$W/ddfile" || exit 1
t0=$(now)
cat "$C1" "$C2" | timeout "$TO" dd of="$W/ddfile" bs=128K count="$n128" \
	iflag=fullblock oflag=direct conv=notrunc status=none
t1=$(now)
ddw_s=$(secs "$t0" "$t1")
ddw_mbps=$(mbps $((n128 * 131072)) "$ddw_s")

# reading the written-back pages: the whole device, then the dd file
sync
echo 3 > /proc/sys/vm/drop_caches
r0=$(bd 2)
t0=$(now)
timeout "$TO" dd if="$IMG" of=/dev/null bs=1M iflag=direct status=none
t1=$(now)
rd_pages=$(($(bd 2) - r0))
rd_s=$(secs "$t0" "$t1")
rd_mbps=$(mbps "$GiB" "$rd_s")
rdwb_mbps=$(mbps $((rd_pages * 4096)) "$rd_s")
t0=$(now)
timeout "$TO" dd if="$W/ddfile" of=/dev/null bs=1M count=$((n128 / 8)) \
	iflag=direct status=none
t1=$(now)
ddr_mbps=$(mbps $((n128 / 8 * MiB)) "$(secs "$t0" "$t1")")
wb_intact=$(intact)
rm -f "$W/ddfile"

# the writeback again with 256 pages in flight instead of the default 32
echo 1 > "$B/reset"
rm -f "$W/backing"
fallocate -l 1200M "$W/backing" || exit 1
fill lz4 "" "$W/backing"
sync
echo 256 > "$B/writeback_batch_size"
echo all > "$B/idle"
t0=$(now)
echo idle > "$B/writeback" || log "writeback failed"
t1=$(now)
wb256_s=$(secs "$t0" "$t1")
wb256_mbps=$(mbps $(($(bd 1) * 4096)) "$wb256_s")

# -- recompression -----------------------------------------------------------
log "recompress: lz4 fill, zstd as priority 1"
echo 1 > "$B/reset"
rm -f "$W/backing"
fill lz4 "algo=zstd priority=1"
lz4_orig=$(mm 1) lz4_used=$(mm 3)
echo all > "$B/idle"
t0=$(now)
echo type=idle > "$B/recompress" || log "recompress failed"
t1=$(now)
rc_s=$(secs "$t0" "$t1")
rc_orig=$(mm 1) rc_used=$(mm 3)
rc_intact=$(intact)
log "recompress: ${rc_s}s; mem_used_total $lz4_used -> $rc_used"
log "direct zstd fill"
fill zstd
z_orig=$(mm 1) z_used=$(mm 3)
echo 1 > "$B/reset"
lz4_pg=$(awk -v u="$lz4_used" -v o="$lz4_orig" 'BEGIN{printf "%.4f", u / o}')
rc_pg=$(awk -v u="$rc_used" -v o="$rc_orig" 'BEGIN{printf "%.4f", u / o}')
z_pg=$(awk -v u="$z_used" -v o="$z_orig" 'BEGIN{printf "%.4f", u / o}')
rc_vs_z=$(awk -v a="$rc_pg" -v b="$z_pg" 'BEGIN{printf "%.3f", a / b}')

# one core's zstd (the daemon's backend at its default level, alone, as
# bench/zdevbench measures it) on the pages recompression works on: those
# not same-filled (zdevbench takes the first 256 MiB of them)
python3 - "$C1" "$C2" "$W/pages.bin" <<'PY'
import sys
with open(sys.argv[3], "wb") as out:
    for f in sys.argv[1:3]:
        with open(f, "rb") as fh:
            while (p := fh.read(4096)):
                if p != p[:8] * 512:
                    out.write(p)
PY
pages=$(($(stat -c %s "$W/pages.bin") / 4096))
LIBS="fuse3 liblz4 libzstd jansson"
pkg-config --exists lzo2 && LIBS="$LIBS lzo2"
pkg-config --exists zlib && LIBS="$LIBS zlib"
zcore_us=""
if cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$TOP" -o "$W/zdevbench" "$HERE/zdevbench.c" \
	"$TOP/libzramfs.a" $(pkg-config --libs $LIBS) -lpthread; then
	zcore_us=$(timeout "$TO" "$W/zdevbench" "$W/pages.bin" zstd |
		sed -n 's/.*compress only: \([0-9.]*\) us\/page.*/\1/p')
fi
zcore_s=$(awk -v n="$pages" -v u="${zcore_us:-0}" 'BEGIN{printf "%.2f", n * u / 1e6}')
zcore_mbps=$(awk -v u="${zcore_us:-0}" 'BEGIN{printf "%.0f", u ? 4096 / u : 0}')
rm -f "$W/pages.bin"

# -- the table ---------------------------------------------------------------
used_pct=$(awk -v a="$used1" -v b="$used0" 'BEGIN{printf "%.2f", 100 * a / b}')
wb_x=$(ratio "$wb_mbps" "$ddw_mbps")
rd_x=$(ratio "$rd_mbps" "$ddr_mbps")
rdwb_x=$(ratio "$rdwb_mbps" "$ddr_mbps")
MiBf() { awk -v b="$1" 'BEGIN{printf "%.1f MiB", b / 1048576}'; }
cat <<EOF

## cold-page lifecycle, $(date +%F) (1 GiB corpus fill; backing file on $(df --output=fstype "$W" | tail -1))

| measure | zramfs | reference | ratio | target |
|---|---|---|---|---|
| mem_used_total after idle all + writeback idle | $(MiBf "$used1") | before: $(MiBf "$used0") | ${used_pct}% | <= 2% ($(verdict "$used_pct" "<=" 2)) |
| data after writeback | $wb_intact | | | intact |
| writeback speed ($wb_pages pages, ${wb_s} s) | $wb_mbps MB/s | dd oflag=direct bs=128K: $ddw_mbps MB/s | ${wb_x}x | >= 0.8x ($(verdict "$wb_x" ">=" 0.8)) |
| the same, writeback_batch_size 256 (${wb256_s} s) | $wb256_mbps MB/s | | $(ratio "$wb256_mbps" "$ddw_mbps")x | |
| read of the device, 1 MiB O_DIRECT ($rd_pages pages from the backing file) | $rd_mbps MB/s | dd iflag=direct bs=1M: $ddr_mbps MB/s | ${rd_x}x | >= 0.8x ($(verdict "$rd_x" ">=" 0.8)) |
| the same, written-back bytes only | $rdwb_mbps MB/s | | ${rdwb_x}x | |
| mem_used per GiB stored: lz4 fill / after recompress type=idle (zstd) | $lz4_pg / $rc_pg | direct zstd fill: $z_pg | ${rc_vs_z}x | <= 1.03x ($(verdict "$rc_vs_z" "<=" 1.03)) |
| data after recompress | $rc_intact | | | intact |
| recompress type=idle of the 1 GiB fill | ${rc_s} s | one core's zstd on its $pages pages: ${zcore_s} s ($zcore_mbps MB/s) | $(ratio "$zcore_s" "$rc_s")x one core | |
EOF
mkdir -p "$RESULTS"
cat > "$RESULTS/lifecycle.json" <<EOF
{"mem_used_before": $used0, "mem_used_after_writeback": $used1, "mem_used_after_pct": $used_pct,
 "writeback_intact": "$wb_intact", "writeback_pages": $wb_pages, "writeback_s": $wb_s,
 "writeback_MBps": $wb_mbps, "writeback_batch256_MBps": $wb256_mbps, "dd_write_128K_MBps": $ddw_mbps,
 "read_MBps": $rd_mbps, "read_backing_pages": $rd_pages, "read_written_back_MBps": $rdwb_mbps,
 "dd_read_1M_MBps": $ddr_mbps,
 "mem_per_GiB_lz4": $lz4_pg, "mem_per_GiB_recompressed": $rc_pg, "mem_per_GiB_zstd": $z_pg,
 "recompressed_vs_zstd": $rc_vs_z, "recompress_intact": "$rc_intact", "recompress_s": $rc_s,
 "zstd_one_core_MBps": $zcore_mbps, "zstd_one_core_s": $zcore_s}
EOF
echo "JSON: $RESULTS/lifecycle.json"
