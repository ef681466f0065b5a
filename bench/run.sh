#!/bin/bash
# run.sh - `make bench`: zramfs against kernel zram0 and a raw FUSE ceiling,
# side by side on the same corpus and fio patterns (lib.sh, mkcorpus.sh are
# the shared anchor scripts).  Prints one table (median of $REPS runs, with
# ratios) and writes it as JSON.  Never fails on a timing.
#
# env: REPS=3  SYSTEMS="zram-lz4 zram-lz4-loop zramfs-lz4 rawfuse zramfs-zstd"
#      (zram-ALG: kernel zram0 itself; zram-ALG-loop: zram0 through a loop
#      device with direct I/O, the path zramfs images take)
#      RESULTS=/tmp/zramfs-bench-results  FIO_RUNTIME=10
#      LIFECYCLE=1 (then bench/lifecycle.sh: writeback and recompression
#      figures, ~1 min; 0 leaves it out)
#      POLICY=1 (then bench/policy.sh: the automatic tiering's figures,
#      ~2 min; 0 leaves it out)
# kernel zram0 is used only when present, uninitialised and unused; it is
# reset afterwards.  Everything else is made in a temp dir and undone by id.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
export RESULTS=${RESULTS:-/tmp/zramfs-bench-results}
rm -rf "$RESULTS"
. "$HERE/lib.sh"
REPS=${REPS:-3}
# Ratios are taken between systems within one rep, and this VM's speed
# drifts by a third over minutes, so the systems compared with zramfs-lz4
# sit next to it and every second rep runs them in reverse order (ABBA):
# a steady drift then favours neither side of a pair.
SYSTEMS=${SYSTEMS:-zram-lz4 zram-lz4-loop zramfs-lz4 rawfuse zramfs-zstd}
W=$(mktemp -d /tmp/zramfs-bench.XXXXXX)
MNT=$W/mnt; mkdir -p "$MNT"
DPID="" LOOP="" ZRAM_USED=0

cleanup() {
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	LOOP=""
	if [ -n "$DPID" ]; then
		fusermount3 -u "$MNT"
		for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$DPID" 2>/dev/null && kill "$DPID"
		DPID=""
	fi
	[ "$ZRAM_USED" = 1 ] && echo 1 > /sys/block/zram0/reset
	ZRAM_USED=0
}
trap 'cleanup; rm -rf "$W"' EXIT

command -v fio >/dev/null || { echo "bench: fio missing (make test-deps)"; exit 1; }
cc -O2 -o "$W/rawfuse" "$HERE/rawfuse.c" $(pkg-config --cflags --libs fuse3) || exit 1
ensure_corpus

kernel_zram_free() {
	[ -e /sys/block/zram0 ] || return 1
	[ "$(cat /sys/block/zram0/disksize)" = 0 ] || return 1
	! grep -q '^/dev/zram0 ' /proc/swaps && ! grep -q '^/dev/zram0 ' /proc/mounts
}

rss_mib() { awk '/^VmRSS:/{printf "%.1f", $2/1024}' /proc/"$1"/status; }

# memory hooks print key=value pairs for the TSV
mem_zram() {
	read -r orig compr used _ < /sys/block/zram0/mm_stat
	awk -v o="$orig" -v c="$compr" -v u="$used" 'BEGIN{printf "orig=%d,compr=%d,mem_used=%d,mem_per_GiB=%.3f,rss_MiB=0", o, c, u, (o ? u/o : 0)}'
}
mem_zramfs() {
	read -r orig compr used _ < "$MNT/block/zram0/mm_stat"
	awk -v o="$orig" -v c="$compr" -v u="$used" -v r="$(rss_mib "$DPID")" 'BEGIN{printf "orig=%d,compr=%d,mem_used=%d,mem_per_GiB=%.3f,rss_MiB=%s", o, c, u, (o ? u/o : 0), r}'
}
mem_raw() {
	awk -v r="$(rss_mib "$DPID")" -v o="$CORPUS_BYTES" 'BEGIN{printf "orig=%d,compr=%d,mem_used=%d,mem_per_GiB=%.3f,rss_MiB=%s", o, o, r*1048576, r*1048576/o, r}'
}

wait_mount() {
	for _ in $(seq 100); do
		awk -v m="$MNT" '$2==m{f=1} END{exit !f}' /proc/mounts && return 0
		sleep 0.1
	done
	return 1
}

run_system() {
	local sys=$1 rep=$2 alg
	case $sys in
	zram-*)
		alg=${sys#zram-}
		alg=${alg%-loop}
		kernel_zram_free || { log "kernel zram0 absent or in use: skipping $sys"; return; }
		ZRAM_USED=1
		echo 1 > /sys/block/zram0/reset
		echo "$alg" > /sys/block/zram0/comp_algorithm || { log "kernel zram lacks $alg"; cleanup; return; }
		echo 1G > /sys/block/zram0/disksize
		if [ "${sys%-loop}" != "$sys" ]; then
			# the same path as zramfs takes: a loop device, direct I/O
			LOOP=$(losetup --direct-io=on --sector-size 4096 -f --show /dev/zram0)
			bench_dev "$LOOP" "$sys" "$rep" mem_zram
		else
			bench_dev /dev/zram0 "$sys" "$rep" mem_zram
		fi
		;;
	zramfs-*)
		alg=${sys#zramfs-}
		"$TOP/zramfs" -f "$MNT" 2>>"$W/daemon.log" & DPID=$!
		wait_mount || { log "zramfs did not mount"; cleanup; return; }
		echo "$alg" > "$MNT/block/zram0/comp_algorithm"
		echo 1G > "$MNT/block/zram0/disksize"
		LOOP=$(losetup --direct-io=on --sector-size 4096 -f --show "$MNT/dev/zram0")
		bench_dev "$LOOP" "$sys" "$rep" mem_zramfs
		;;
	rawfuse)
		"$W/rawfuse" "$MNT" 1024 & DPID=$!
		wait_mount || { log "rawfuse did not mount"; cleanup; return; }
		LOOP=$(losetup --direct-io=on --sector-size 4096 -f --show "$MNT/disk.img")
		bench_dev "$LOOP" "$sys" "$rep" mem_raw
		;;
	esac
	cleanup
}

REVERSED=$(tr ' ' '\n' <<<"$SYSTEMS" | tac | tr '\n' ' ')
for rep in $(seq 1 "$REPS"); do
	order=$SYSTEMS
	[ $((rep % 2)) = 0 ] && order=$REVERSED
	for sys in $order; do
		run_system "$sys" "$rep"
	done
done
python3 "$HERE/table.py" "$RESULTS/runs.tsv" "$RESULTS/bench.json"
echo "raw runs: $RESULTS/runs.tsv; JSON: $RESULTS/bench.json"
if [ "${LIFECYCLE:-1}" = 1 ]; then
	"$HERE/lifecycle.sh"
fi
if [ "${POLICY:-1}" = 1 ]; then
	"$HERE/policy.sh"
fi
