#!/bin/bash
# fio_verify.sh - concurrency: 4 fio jobs of random 4k writes and reads
# with crc32c verify, on the image directly and through a loop device;
# then a run where mem_limit is hit mid-way: the failures reach fio (and
# a plain writer), nothing acknowledged is lost, the counters agree; last,
# max_io sets the size of the requests the kernel sends.
. "$(dirname "$0")/../lib.sh"

# fio_job FILE NAME [extra args]: 4 jobs x 32 MiB regions, verify crc32c
fio_job() {
	local file=$1 name=$2; shift 2
	timeout -k 5 300 fio --name="$name" --filename="$file" --ioengine=libaio \
		--direct=1 --rw=randrw --rwmixread=30 --bs=4k --iodepth=8 \
		--numjobs=4 --size=32M --offset_increment=32M \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
		--buffer_compress_percentage=50 --refill_buffers \
		--output-format=json --output="$T/$name.json" "$@" 2> "$T/$name.err"
}
fio_errors() {
	# fio may put a warning line before the JSON
	sed -n '/^{/,$p' "$T/$1.json" | jq '[.jobs[].error] | add' 2>/dev/null ||
		echo parse-error
}

need start_zramfs
echo 256M > "$B/disksize"

ok "fio 4 jobs randrw crc32c on the image" fio_job "$IMG" image
eq "fio on the image: 0 errors" 0 "$(fio_errors image)"
eq "no failed reads/writes counted" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"

need attach "$IMG"
dev=$DEV
ok "fio 4 jobs randrw crc32c through $dev" fio_job "$dev" loop
eq "fio through loop: 0 errors" 0 "$(fio_errors loop)"
ok "fio seq 1M writes + verify through loop" timeout 300 fio --name=seq \
	--filename="$dev" --ioengine=libaio --direct=1 --rw=write --bs=1M \
	--iodepth=16 --size=200M --verify=crc32c --do_verify=1 --verify_fatal=1 \
	--verify_state_save=0 --buffer_compress_percentage=50 --refill_buffers
ok "detach" detach "$dev"
echo 1 > "$B/reset"

# -- a fresh pool under a burst of large writes ----------------------------
# Nothing is ready in a new pool's reserve and the refiller's page faults
# queue behind other threads' mmap/mprotect; that is not memory pressure
# and must not fail writes (it once did, about one fill in three).
for i in 1 2 3; do
	echo 1 > "$B/reset"
	echo 1G > "$B/disksize"
	attach "$IMG" || { fail "attach"; break; }
	timeout 300 fio --name=burst$i --filename="$DEV" --ioengine=io_uring \
		--direct=1 --rw=write --bs=1M --iodepth=16 --size=1G \
		--buffer_compress_percentage=50 --refill_buffers \
		--output-format=json --output="$T/burst$i.json" 2> "$T/burst$i.err"
	eq "fresh pool, 1 GiB burst $i: fio errors" 0 "$(fio_errors burst$i)"
	eq "fresh pool, 1 GiB burst $i: failed_writes" 0 "$(field "$B/io_stat" 2)"
	detach "$DEV"
done
echo 1 > "$B/reset"

# -- mem_limit hit mid-way ------------------------------------------------
echo 256M > "$B/disksize"
echo 16M > "$B/mem_limit"
notok "fio with incompressible data past mem_limit fails" timeout 300 fio \
	--name=limit --filename="$IMG" --ioengine=libaio --direct=1 \
	--rw=randwrite --bs=4k --iodepth=8 --numjobs=4 --size=32M \
	--offset_increment=32M --buffer_compress_percentage=0 --refill_buffers \
	--output-format=json --output="$T/limit.json"
err=$(sed -n '/^{/,$p' "$T/limit.json" | jq '[.jobs[].error] | map(select(. != 0)) | .[0]')
eq "fio saw ENOSPC (28)" 28 "$err"
fw=$(field "$B/io_stat" 2)
ok "failed_writes counted ($fw)" test "$fw" -gt 0
used=$(field "$B/mm_stat" 3)
ok "mem_used_total within the limit ($used)" test "$used" -le $((16 << 20))
echo 1 > "$B/reset"

# a plain writer: which writes were acknowledged, and do they all read back?
echo 64M > "$B/disksize"
echo 4M > "$B/mem_limit"
python3 - "$IMG" "$B/io_stat" > "$T/py.out" 2>&1 <<'PY'
import os, sys
img, io_stat = sys.argv[1], sys.argv[2]
fd = os.open(img, os.O_RDWR)
pages = 16384
acked, failed = {}, 0
for i in range(0, pages, 3):            # every third page, incompressible
    data = os.urandom(4096)
    try:
        if os.pwrite(fd, data, i * 4096) == 4096:
            acked[i] = data
    except OSError as e:
        assert e.errno == 28, e          # ENOSPC, nothing else
        failed += 1
bad = sum(1 for i, d in acked.items() if os.pread(fd, 4096, i * 4096) != d)
# pages never acknowledged read back as they were before: zeros
zero = bytes(4096)
notzero = sum(1 for i in range(0, pages, 3) if i not in acked
              and os.pread(fd, 4096, i * 4096) != zero)
fw = int(open(io_stat).read().split()[1])
print(f"acked={len(acked)} failed={failed} bad={bad} notzero={notzero} failed_writes={fw}")
PY
cat "$T/py.out"
read -r acked failed bad notzero fwc < <(sed 's/[a-z_]*=//g' "$T/py.out")
ok "some writes acknowledged ($acked) and some refused ($failed)" test "${acked:-0}" -gt 0 -a "${failed:-0}" -gt 0
eq "every acknowledged page reads back" 0 "$bad"
eq "every refused page kept its old content" 0 "$notzero"
eq "failed_writes equals refused writes" "$failed" "$fwc"
echo 1 > "$B/reset"

# -- request size: max_io -------------------------------------------------
# reads_of N: read requests the device served for one N MiB O_DIRECT read
reads_of() {
	local before after
	before=$(field "$B/stat" 1)
	dd if="$IMG" of=/dev/null bs=1M count="$1" iflag=direct \
		status=none || { echo dd-failed; return; }
	after=$(field "$B/stat" 1)
	echo $((after - before))
}
echo 64M > "$B/disksize"
eq "default max_io 512K: a 1 MiB read is 2 requests" 2 "$(reads_of 1)"
stop_zramfs
need start_zramfs -o max_io=64K
echo 256M > "$B/disksize"
eq "max_io=64K: a 1 MiB read is 16 requests" 16 "$(reads_of 1)"
need attach "$IMG"
dev=$DEV
ok "max_io=64K: fio seq 1M writes + verify through loop" timeout 300 fio \
	--name=seq64k --filename="$dev" --ioengine=libaio --direct=1 --rw=write \
	--bs=1M --iodepth=16 --size=200M --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --verify_state_save=0 --buffer_compress_percentage=50 \
	--refill_buffers
ok "detach" detach "$dev"
finish
