#!/bin/bash
# evict_races.sh - evictions racing policy runs and I/O: a 128 MiB device
# with mem_limit=16M, a backing file, evict_on_limit=1 and a policy that
# runs every second (recompress_after=0 with zstd, writeback_after=1), so
# evictions find the post-processing turn now free (batched), now held by
# a run (page by page).  Through a loop device, fio writes a 48 MiB cold
# region once and verifies it twice while the rest goes on (verify_only),
# and 4 jobs of random 4k writes and reads with crc32c verify work on the
# other 64 MiB; beside them, partial-page writes of a model-checked 8 MiB
# go straight to the image (the write path holds their page: eviction
# goes around it).  fio must see 0 verify errors, the partial region must
# read as its model, no write may fail and mem_used_total must stay under
# mem_limit.  Two rounds: pages written back raw, then compressed.
. "$(dirname "$0")/../lib.sh"

RUNTIME=${EVICT_RACES_RUNTIME:-10}
LIMIT=$((16 * MiB))
FIO_COMMON="--ioengine=libaio --direct=1 --bs=4k --verify=crc32c \
--verify_fatal=1 --verify_state_save=0 --buffer_compress_percentage=50 \
--refill_buffers --output-format=json"

need start_zramfs
text_corpus $((MiB)) > "$T/text"

fio_errors() {
	sed -n '/^{/,$p' "$1" | jq '[.jobs[].error] | add' 2>/dev/null || echo parse-error
}
# partial SEED: 4000 writes of 1..3000 bytes at any offset in [112, 120)
# MiB, to the image and to the model (those 8 MiB) at once
partial() {
	python3 - "$IMG" "$T/model" "$T/text" "$1" <<'PY'
import os, sys, random
img, model, src, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
r = random.Random(seed)
fi = os.open(img, os.O_WRONLY)
fm = os.open(model, os.O_WRONLY)
text = open(src, "rb").read()
for i in range(4000):
    n = r.randrange(1, 3000)
    off = r.randrange(112 << 20, (120 << 20) - n)
    a = r.randrange(0, len(text) - n)
    os.pwrite(fi, text[a:a + n], off)
    os.pwrite(fm, text[a:a + n], off - (112 << 20))
PY
}

round() {
	local P="wbc=$1: " dev busy_pid p_pid rc max
	rm -f "$T/backing"
	need fallocate -l 256M "$T/backing"
	ok "${P}backing_dev" test -z "$(put "$B/backing_dev" "$T/backing")"
	ok "${P}writeback_compressed $1" test -z "$(put "$B/writeback_compressed" "$1")"
	ok "${P}recomp_algorithm zstd" test -z "$(put "$B/recomp_algorithm" "algo=zstd priority=1")"
	echo 128M > "$B/disksize"
	ok "${P}mem_limit 16M, evict_on_limit 1" \
		test -z "$(put "$B/mem_limit" 16M)$(put "$B/evict_on_limit" 1)"
	need attach "$IMG"
	dev=$DEV
	# shellcheck disable=SC2086
	timeout -k 5 120 fio --name=cold --filename="$dev" $FIO_COMMON \
		--rw=write --size=48M --do_verify=0 --output="$T/cold.json" 2> "$T/fio.err"
	eq "${P}cold region written" 0 "$?"
	head -c $((8 * MiB)) /dev/zero > "$T/model"
	ok "${P}policy interval=1 recompress_after=0 writeback_after=1" \
		test -z "$(put "$B/policy" "interval=1 recompress_after=0 writeback_after=1")"
	used_sampler_start

	# shellcheck disable=SC2086
	timeout -k 5 $((RUNTIME + 120)) fio --name=busy --filename="$dev" $FIO_COMMON \
		--rw=randrw --rwmixread=30 --iodepth=4 --numjobs=4 --offset=48M \
		--size=16M --offset_increment=16M \
		--time_based --runtime="$RUNTIME" --do_verify=1 --verify_backlog=256 \
		--output="$T/busy.json" 2>> "$T/fio.err" &
	busy_pid=$!
	partial "$1" > "$T/partial.log" 2>&1 &
	p_pid=$!
	sleep 2
	# shellcheck disable=SC2086
	timeout -k 5 120 fio --name=cold --filename="$dev" $FIO_COMMON \
		--rw=write --size=48M --verify_only --output="$T/cold1.json" 2>> "$T/fio.err"
	eq "${P}cold region verified during the races: fio exit status" 0 "$?"
	eq "${P}cold region: 0 verify errors" 0 "$(fio_errors "$T/cold1.json")"
	wait "$p_pid"
	eq "${P}partial writes: exit status" 0 "$?"
	wait "$busy_pid"
	rc=$?
	# shellcheck disable=SC2086
	timeout -k 5 120 fio --name=cold --filename="$dev" $FIO_COMMON \
		--rw=write --size=48M --verify_only --output="$T/cold2.json" 2>> "$T/fio.err"
	eq "${P}cold region verified again: fio exit status" 0 "$?"
	eq "${P}cold region again: 0 verify errors" 0 "$(fio_errors "$T/cold2.json")"
	max=$(used_sampler_stop)
	[ -s "$T/fio.err" ] && head -5 "$T/fio.err"
	[ -s "$T/partial.log" ] && head -5 "$T/partial.log"
	eq "${P}busy region: fio exit status" 0 "$rc"
	eq "${P}busy region: 0 verify errors" 0 "$(fio_errors "$T/busy.json")"
	ok "${P}policy interval=0" test -z "$(put "$B/policy" interval=0)"
	echo "policy_stat $(cat "$B/policy_stat"); mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat"); io_stat $(cat "$B/io_stat")"
	eq "${P}partial region reads as its model" "$(sha "$T/model")" \
		"$(dsha "$IMG" bs=1M skip=112 count=8)"
	eq "${P}io_stat: no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
	ok "${P}pages were evicted ($(field "$B/policy_stat" 3))" test "$(field "$B/policy_stat" 3)" -gt 0
	# (evictions may leave the runs no cold page in RAM to write back)
	ok "${P}runs moved pages too (recompressed $(field "$B/policy_stat" 1), written back $(field "$B/policy_stat" 2))" \
		test $(($(field "$B/policy_stat" 1) + $(field "$B/policy_stat" 2))) -gt 0
	eq "${P}no eviction failed" 0 "$(field "$B/policy_stat" 6)"
	ok "${P}mem_used_total never above mem_limit (largest sample $max)" test "$max" -le "$LIMIT"
	ok "${P}mem_used_max not above mem_limit ($(field "$B/mm_stat" 5))" \
		test "$(field "$B/mm_stat" 5)" -le "$LIMIT"
	ok "${P}blkdiscard the whole device" blkdiscard -f "$dev"
	eq "${P}blkdiscard frees every backing block" 0 "$(field "$B/bd_stat" 1)"
	need detach "$dev"
	echo 1 > "$B/reset"
}

round 0
round 1
finish
