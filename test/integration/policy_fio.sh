#!/bin/bash
# policy_fio.sh - policy runs overlapping I/O with fio verify, through a
# loop device over a 128 MiB image with zstd as secondary algorithm and a
# backing file; the policy runs every second (recompress_after=1,
# writeback_after=2):
#   cold  the first 64 MiB, written once by fio (crc32c headers) and left
#         alone: the runs recompress it and write it back; fio verifies it
#         (verify_only) while they run, and again at the end, reading it
#         back from the backing file
#   busy  the other 64 MiB, 4 fio jobs of random 4k writes and reads with
#         crc32c verify, rate-limited so that pages also go idle between
#         touches and are moved while fio works on them
# and a manual writeback or recompression now and then contends for the
# device's post-processing turn (it waits for a run, as current kernels:
# any error fails, EAGAIN included).  fio
# must see 0 verify errors and the device 0 failed reads or writes.  Two
# rounds: pages written back raw, then with writeback_compressed.
. "$(dirname "$0")/../lib.sh"

RUNTIME=${POLICY_FIO_RUNTIME:-12}
FIO_COMMON="--ioengine=libaio --direct=1 --bs=4k --verify=crc32c \
--verify_fatal=1 --verify_state_save=0 --buffer_compress_percentage=50 \
--refill_buffers --output-format=json"

need start_zramfs

# fio_errors JSON: the sum of the jobs' errors
fio_errors() {
	sed -n '/^{/,$p' "$1" | jq '[.jobs[].error] | add' 2>/dev/null || echo parse-error
}

manual_loop() {
	local out
	while [ ! -e "$T/stop" ]; do
		sleep 1.$((RANDOM % 10))
		for w in "writeback huge" "recompress type=huge"; do
			out=$(put "$B/${w%% *}" "${w#* }")
			case $out in
			"") echo "ok $w" ;;
			*) echo "error $w: $out" ;;
			esac
		done
	done > "$T/manual.log"
}

round() {
	local P="wbc=$1: " dev busy_pid m_pid rc sha0
	rm -f "$T/stop" "$T/backing"
	need fallocate -l 256M "$T/backing"
	ok "${P}backing_dev" test -z "$(put "$B/backing_dev" "$T/backing")"
	ok "${P}writeback_compressed $1" test -z "$(put "$B/writeback_compressed" "$1")"
	ok "${P}recomp_algorithm zstd" test -z "$(put "$B/recomp_algorithm" "algo=zstd priority=1")"
	echo 128M > "$B/disksize"
	need attach "$IMG"
	dev=$DEV
	# shellcheck disable=SC2086
	timeout -k 5 120 fio --name=cold --filename="$dev" $FIO_COMMON \
		--rw=write --size=64M --do_verify=0 --output="$T/cold.json" 2> "$T/fio.err"
	eq "${P}cold region written" 0 "$?"
	ok "${P}policy interval=1 recompress_after=1 writeback_after=2" \
		test -z "$(put "$B/policy" "interval=1 recompress_after=1 writeback_after=2")"

	# shellcheck disable=SC2086
	timeout -k 5 $((RUNTIME + 120)) fio --name=busy --filename="$dev" $FIO_COMMON \
		--rw=randrw --rwmixread=30 --iodepth=4 --numjobs=4 --offset=64M \
		--size=16M --offset_increment=16M --rate_iops=1500 \
		--time_based --runtime="$RUNTIME" --do_verify=1 --verify_backlog=256 \
		--output="$T/busy.json" 2>> "$T/fio.err" &
	busy_pid=$!
	manual_loop &
	m_pid=$!
	# the cold region verified while the runs move it
	sleep $((RUNTIME / 2))
	# shellcheck disable=SC2086
	timeout -k 5 120 fio --name=cold --filename="$dev" $FIO_COMMON \
		--rw=write --size=64M --verify_only --output="$T/cold1.json" 2>> "$T/fio.err"
	eq "${P}cold region verified during the runs: fio exit status" 0 "$?"
	eq "${P}cold region: 0 verify errors" 0 "$(fio_errors "$T/cold1.json")"
	wait "$busy_pid"
	rc=$?
	touch "$T/stop"
	wait "$m_pid"
	[ -s "$T/fio.err" ] && head -5 "$T/fio.err"
	eq "${P}busy region: fio exit status" 0 "$rc"
	eq "${P}busy region: 0 verify errors" 0 "$(fio_errors "$T/busy.json")"
	echo "policy_stat $(cat "$B/policy_stat"); mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat")"
	echo "manual: $(grep -c '^ok' "$T/manual.log") ok"
	eq "${P}no manual write failed (they wait for a run)" "" "$(grep '^error' "$T/manual.log" | head -3)"
	ok "${P}runs during fio ($(field "$B/policy_stat" 4))" test "$(field "$B/policy_stat" 4)" -ge $((RUNTIME / 2))
	ok "${P}runs recompressed pages ($(field "$B/policy_stat" 1))" test "$(field "$B/policy_stat" 1)" -gt 4096
	ok "${P}runs wrote pages back ($(field "$B/policy_stat" 2))" test "$(field "$B/policy_stat" 2)" -gt 8192

	# the cold region once more, now from the backing file
	for _ in $(seq 100); do
		[ "$(field "$B/bd_stat" 1)" -ge 16384 ] && break
		sleep 0.1
	done
	ok "${P}the cold region is written back again (bd_count $(field "$B/bd_stat" 1))" \
		test "$(field "$B/bd_stat" 1)" -ge 16384
	reads0=$(field "$B/bd_stat" 2)
	# shellcheck disable=SC2086
	timeout -k 5 120 fio --name=cold --filename="$dev" $FIO_COMMON \
		--rw=write --size=64M --verify_only --output="$T/cold2.json" 2>> "$T/fio.err"
	eq "${P}cold region verified from the backing file: fio exit status" 0 "$?"
	eq "${P}cold region again: 0 verify errors" 0 "$(fio_errors "$T/cold2.json")"
	ok "${P}... read from the backing file (bd_reads $reads0 -> $(field "$B/bd_stat" 2))" \
		test $(($(field "$B/bd_stat" 2) - reads0)) -ge 8192
	eq "${P}io_stat: no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"

	# quiet: more runs move the rest; the content stays
	sha0=$(dsha "$dev" bs=1M)
	runs=$(field "$B/policy_stat" 4)
	for _ in $(seq 100); do
		[ "$(field "$B/policy_stat" 4)" -ge $((runs + 4)) ] && break
		sleep 0.1
	done
	ok "${P}runs go on while quiet" test "$(field "$B/policy_stat" 4)" -ge $((runs + 4))
	eq "${P}content unchanged by the runs" "$sha0" "$(dsha "$dev" bs=1M)"
	ok "${P}policy interval=0" test -z "$(put "$B/policy" interval=0)"
	ok "${P}blkdiscard the whole device" blkdiscard -f "$dev"
	eq "${P}blkdiscard frees every backing block" 0 "$(field "$B/bd_stat" 1)"
	eq "${P}io_stat: no failed reads or writes at the end" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
	need detach "$dev"
	echo 1 > "$B/reset"
}

round 0
round 1
finish
