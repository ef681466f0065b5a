#!/bin/bash
# wb_races.sh - writeback and recompression racing I/O: 4 fio jobs of
# random 4k writes and reads with crc32c verify through a loop device over
# the image, while two loops of control writes run against the device for
# as long as fio does: one marks idle and writes back (idle, page_indexes=
# ranges, several ranges in one write, huge), the other marks idle and
# recompresses with zstd.  fio must see 0 verify errors and the device 0
# failed reads or writes.  The two loops collide: a control write finding
# another post-processing running waits for it (as current kernels) and
# must succeed; any error fails, EAGAIN included.  Two rounds: pages
# written back raw, then with writeback_compressed (blocks hold lz4 or,
# once recompressed, zstd bytes).
. "$(dirname "$0")/../lib.sh"

RUNTIME=${WB_RACES_RUNTIME:-13}
PAGES=$((128 * MiB / 4096))

need start_zramfs

# ctl LOG FILE VALUE: one control write, its outcome appended to LOG
ctl() {
	local out
	out=$(put "$2" "$3")
	case $out in
	"") echo "ok $(basename "$2") $3" ;;
	*) echo "error $(basename "$2") $3: $out" ;;
	esac >> "$1"
}
wb_loop() {
	local lo n
	while [ ! -e "$T/stop" ]; do
		ctl "$T/wb.log" "$B/idle" all
		ctl "$T/wb.log" "$B/writeback" idle
		lo=$((RANDOM * 4 % PAGES))
		n=$((RANDOM % 2048))
		[ $((lo + n)) -ge "$PAGES" ] && n=$((PAGES - 1 - lo))
		ctl "$T/wb.log" "$B/writeback" "page_indexes=$lo-$((lo + n))"
		ctl "$T/wb.log" "$B/writeback" \
			"page_indexes=$((RANDOM % 4096))-$((4096 + RANDOM % 4096)) page_index=$((RANDOM * 4 % PAGES)) page_indexes=$((16384 + RANDOM % 8192))-$((PAGES - 1))"
		ctl "$T/wb.log" "$B/writeback" huge
		sleep 0.0$((RANDOM % 10))
	done
}
recomp_loop() {
	while [ ! -e "$T/stop" ]; do
		ctl "$T/rc.log" "$B/idle" all
		ctl "$T/rc.log" "$B/recompress" type=idle
		sleep 0.0$((RANDOM % 10))
	done
}

# round WBC: one race with writeback_compressed WBC
round() {
	local P="wbc=$1: " dev fio_pid fio_rc wb_pid rc_pid errs vb op log pat n_ok n_again sha0 stored
	rm -f "$T/stop" "$T/wb.log" "$T/rc.log" "$T/backing"
	need fallocate -l 256M "$T/backing"
	ok "${P}${P}backing_dev set" test -z "$(put "$B/backing_dev" "$T/backing")"
	ok "${P}${P}writeback_compressed $1" test -z "$(put "$B/writeback_compressed" "$1")"
	ok "${P}${P}recomp_algorithm zstd priority=1" test -z "$(put "$B/recomp_algorithm" "algo=zstd priority=1")"
	echo 128M > "$B/disksize"
	need attach "$IMG"
	dev=$DEV

	# fio verifies what it wrote every 256 writes (verify_backlog), so reads
	# of pages written back or recompressed meanwhile are checked throughout
	timeout -k 5 $((RUNTIME + 120)) fio --name=wbrace --filename="$dev" \
		--ioengine=libaio --direct=1 --rw=randrw --rwmixread=30 --bs=4k \
		--iodepth=8 --numjobs=4 --size=32M --offset_increment=32M \
		--time_based --runtime="$RUNTIME" \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
		--verify_backlog=256 --buffer_compress_percentage=50 --refill_buffers \
		--output-format=json --output="$T/fio.json" 2> "$T/fio.err" &
	fio_pid=$!
	wb_loop &
	wb_pid=$!
	recomp_loop &
	rc_pid=$!
	wait "$fio_pid"
	fio_rc=$?
	touch "$T/stop"
	wait "$wb_pid" "$rc_pid"

	eq "${P}fio exit status" 0 "$fio_rc"
	[ -s "$T/fio.err" ] && head -5 "$T/fio.err"
	errs=$(sed -n '/^{/,$p' "$T/fio.json" | jq '[.jobs[].error] | add' 2>/dev/null || echo parse-error)
	eq "${P}fio: 0 verify errors" 0 "$errs"
	vb=$(sed -n '/^{/,$p' "$T/fio.json" | jq '[.jobs[].read.io_kbytes] | add' 2>/dev/null)
	echo "fio read ${vb:-?} KiB (verify reads included)"
	eq "${P}io_stat: no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"

	for op in "wb:idle" "wb:writeback idle" "wb:writeback page_indexes" \
		  "wb:writeback huge" "rc:idle" "rc:recompress type=idle"; do
		log=$T/${op%%:*}.log
		pat=${op#*:}
		n_ok=$(grep -c "^ok $pat" "$log")
		echo "$pat: $n_ok ok"
		ok "${P}$pat ran and succeeded during fio ($n_ok times)" test "$n_ok" -gt 0
	done
	eq "${P}no control write failed (a second run waits, no EAGAIN)" "" \
		"$(grep -h '^error' "$T/wb.log" "$T/rc.log" | head -5)"
	echo "mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat"); io_stat $(cat "$B/io_stat")"
	ok "${P}pages were written back during the run (bd_writes $(field "$B/bd_stat" 3))" \
		test "$(field "$B/bd_stat" 3)" -gt 0
	ok "${P}written-back pages were read during the run (bd_reads $(field "$B/bd_stat" 2))" \
		test "$(field "$B/bd_stat" 2)" -gt 0

	# after the races, quiet: the content survives one more full writeback,
	# and the backing blocks in use are exactly the pages written back (none
	# leaked by a dropped or racing writeback, none shared)
	sha0=$(dsha "$dev" bs=1M)
	ok "${P}idle all + writeback idle, quiet" \
		test -z "$(put "$B/idle" all)$(put "$B/writeback" idle)"
	eq "${P}device content unchanged by the writeback" "$sha0" "$(dsha "$dev" bs=1M)"
	stored=$(( $(field "$B/mm_stat" 1) / 4096 - $(field "$B/mm_stat" 6) ))
	eq "${P}bd_count = every stored page not same-filled" "$stored" "$(field "$B/bd_stat" 1)"
	eq "${P}mem_used_total 0: nothing left in RAM" 0 "$(field "$B/mm_stat" 3)"
	ok "${P}blkdiscard the whole device" blkdiscard -f "$dev"
	eq "${P}blkdiscard frees every backing block" 0 "$(field "$B/bd_stat" 1)"
	eq "${P}io_stat: no failed reads or writes at the end" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
	need detach "$dev"
	echo 1 > "$B/reset"
}

round 0
round 1
finish
