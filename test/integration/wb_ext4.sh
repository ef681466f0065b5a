#!/bin/bash
# wb_ext4.sh - writeback end to end under ext4: files copied onto ext4 on
# an image with a backing file, `idle all` + `writeback idle` moves them
# out of RAM (bd_count up, mem_used_total down); after dropping caches and
# a remount every file verifies, read back from the backing file; half the
# files overwritten in place free their backing blocks and verify; deleting
# everything + fstrim frees the rest of the backing blocks.  Twice: pages
# written back raw, then with writeback_compressed (compressed bytes in the
# backing blocks, decompressed on read).
. "$(dirname "$0")/../lib.sh"

need start_zramfs
FS=$T/fs N=16

verify_all() {
	local i bad=0
	for i in $(seq 0 $((N - 1))); do
		if [ "$(sha "$FS/d/f$i")" != "$(sha "$T/src/f$i")" ]; then
			echo "mismatch: f$i"
			bad=$((bad + 1))
		fi
	done
	echo "$bad"
}
# text_blocks BACKING FILE...: of the 4 KiB pages of FILEs, how many are
# (verbatim) in BACKING, and how many there are
text_blocks() {
	python3 - "$@" <<'PY'
import sys
pages = set()
for f in sys.argv[2:]:
    d = open(f, "rb").read()
    pages.update(d[i:i + 4096] for i in range(0, len(d) - 4095, 4096))
found = set()
with open(sys.argv[1], "rb") as b:
    while (blk := b.read(4096)):
        if blk in pages:
            found.add(blk)
print(len(found), len(pages))
PY
}
# drop every cache that could hide a read from the device, then remount
remount() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	do_umount "$FS" || return 1
	do_mount "$loop" "$FS" discard || return 1
}

# scenario WBC: the whole run with writeback_compressed WBC (0 or 1)
scenario() {
	local wbc=$1 P="wbc=$1: " i f sz loop found pages
	echo 1 > "$B/reset"
	rm -rf "$T/backing" "$T/src"
	need fallocate -l 256M "$T/backing"
	ok "${P}backing_dev set to a regular file" test -z "$(put "$B/backing_dev" "$T/backing")"
	eq "${P}backing_dev reads the path" "$T/backing" "$(cat "$B/backing_dev")"
	ok "${P}writeback_compressed $wbc" test -z "$(put "$B/writeback_compressed" "$wbc")"
	eq "${P}writeback_compressed reads $wbc" "$wbc" "$(cat "$B/writeback_compressed")"
	echo 256M > "$B/disksize"
	need attach "$IMG"
	loop=$DEV
	need mkfs.ext4 -q -F "$loop"
	need do_mount "$loop" "$FS" discard

	# -- 16 files, 40 MiB: text, random, half text / half zeros --------
	mkdir -p "$T/src"
	text_corpus $((24 * MiB)) > "$T/text"
	for i in $(seq 0 $((N - 1))); do
		f=$T/src/f$i
		case $((i % 3)) in
		0) dd if="$T/text" bs=1M skip=$((i % 20)) count=3 status=none > "$f" ;;
		1) head -c $((2 * MiB)) /dev/urandom > "$f" ;;
		2) { dd if="$T/text" bs=64K skip=$((i * 7)) count=16 status=none
		     head -c $MiB /dev/zero; } > "$f" ;;
		esac
		# every file distinct, and not page-aligned in size
		printf 'file %d %s\n' "$i" "$RANDOM$RANDOM" >> "$f"
	done
	total=$(du -cb "$T/src" | tail -1 | cut -f1)
	echo "source files: $N, $total bytes"
	mkdir "$FS/d"
	ok "${P}copy the files onto ext4" cp "$T/src"/f* "$FS/d/"
	sync -f "$FS"
	sync

	used0=$(field "$B/mm_stat" 3)
	orig0=$(field "$B/mm_stat" 1)
	echo "before writeback: mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat")"
	eq "${P}bd_stat before writeback" "$(printf '%8u %8u %8u' 0 0 0)" "$(cat "$B/bd_stat")"
	ok "${P}echo all > idle" test -z "$(put "$B/idle" all)"
	ok "${P}echo idle > writeback" test -z "$(put "$B/writeback" idle)"
	echo "after writeback: mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat")"
	bd1=$(field "$B/bd_stat" 1)
	used1=$(field "$B/mm_stat" 3)
	# the random files alone are 12 MiB of pages that do not compress
	ok "${P}bd_count > 0 and covers the file data ($bd1 pages)" \
		test "$bd1" -ge $((total / 2 / 4096))
	eq "${P}bd_writes = bd_count after one writeback" "$bd1" "$(field "$B/bd_stat" 3)"
	ok "${P}mem_used_total dropped to under 1/4 ($used0 -> $used1)" \
		test "$used1" -lt $((used0 / 4))
	eq "${P}orig_data_size unchanged by writeback" "$orig0" "$(field "$B/mm_stat" 1)"
	eq "${P}huge_pages 0: every huge page was written back" 0 "$(field "$B/mm_stat" 8)"
	read -r found pages < <(text_blocks "$T/backing" "$T"/src/f{0,3,6,9,12,15})
	if [ "$wbc" = 0 ]; then
		ok "${P}text pages in the backing file as they are ($found of $pages)" \
			test "$found" -ge $((pages * 9 / 10))
	else
		eq "${P}text pages in the backing file compressed (of $pages)" 0 "$found"
	fi

	need remount
	reads0=$(field "$B/bd_stat" 2)
	eq "${P}every file verifies after drop_caches + remount" 0 "$(verify_all | tail -1)"
	reads1=$(field "$B/bd_stat" 2)
	ok "${P}the reads came from the backing file (bd_reads $reads0 -> $reads1)" \
		test $((reads1 - reads0)) -ge $((total / 2 / 4096))
	eq "${P}no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"

	# -- half the files overwritten in place: backing blocks freed ------
	for i in $(seq 0 2 $((N - 1))); do
		sz=$(stat -c %s "$T/src/f$i")
		case $((i % 3)) in
		1) head -c "$sz" /dev/urandom > "$T/new" ;;
		*) { printf 'rewritten %d\n' "$i"; text_corpus "$sz"; } | head -c "$sz" > "$T/new" ;;
		esac
		cp "$T/new" "$T/src/f$i"
		dd if="$T/new" of="$FS/d/f$i" bs=1M conv=notrunc,fsync status=none ||
			fail "${P}overwrite f$i"
	done
	sync
	bd2=$(field "$B/bd_stat" 1)
	echo "after overwriting half: bd_stat $(cat "$B/bd_stat")"
	ok "${P}overwriting in place freed backing blocks (bd_count $bd1 -> $bd2)" \
		test "$bd2" -lt $((bd1 - total / 3 / 4096))
	need remount
	eq "${P}every file verifies after overwriting half + remount" 0 "$(verify_all | tail -1)"

	# -- all of it out again, then delete + fstrim: bd_count falls -----
	ok "${P}idle all + writeback idle again" \
		test -z "$(put "$B/idle" all)$(put "$B/writeback" idle)"
	bd3=$(field "$B/bd_stat" 1)
	echo "before delete: bd_stat $(cat "$B/bd_stat"); mm_stat $(cat "$B/mm_stat")"
	ok "${P}second writeback moved the rewritten files out (bd_count $bd2 -> $bd3)" \
		test "$bd3" -gt $((bd2 + total / 3 / 4096))
	need remount
	eq "${P}every file verifies after the second writeback" 0 "$(verify_all | tail -1)"
	rm -rf "$FS/d"
	sync -f "$FS"
	ok "${P}fstrim" fstrim "$FS"
	bd4=$(field "$B/bd_stat" 1)
	echo "after delete + fstrim: bd_stat $(cat "$B/bd_stat"); mm_stat $(cat "$B/mm_stat")"
	# what stays is ext4's own metadata (journal, bitmaps, inode tables)
	ok "${P}delete + fstrim freed the files' backing blocks (bd_count $bd3 -> $bd4)" \
		test "$bd4" -lt $((bd3 - total * 9 / 10 / 4096))
	ok "${P}filesystem still sound" sh -c "mkdir '$FS/e' && cp '$T/src/f1' '$FS/e/x' && cmp '$T/src/f1' '$FS/e/x'"
	need do_umount "$FS"
	ok "${P}fsck.ext4 clean" fsck.ext4 -f -n "$loop"
	need detach "$loop"
	eq "${P}no failed reads or writes at the end" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
}

scenario 0
scenario 1
finish
