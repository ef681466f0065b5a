#!/bin/bash
# wb_failures.sh - writeback when things go wrong: the backing file runs
# full (ENOSPC, what was written stays written), the budget runs out (EIO
# after exactly writeback_limit pages), the backing file made unreadable
# under written-back pages (their reads fail with EIO and count in
# failed_reads, nothing else is lost) or deleted (still read: the daemon
# holds it open), reset with pages written back, and writes, partial
# writes and discards racing a writeback (the newest content wins).
. "$(dirname "$0")/../lib.sh"

BD0=$(printf '%8u %8u %8u' 0 0 0)
need start_zramfs
head -c $((4 * MiB)) /dev/urandom > "$T/r4"
head -c $((2 * MiB)) "$T/r4" > "$T/r2"
r2sha=$(sha "$T/r2")

# setup BACKING_SIZE: reset, a new backing file of that size, 16 MiB
# device with 2 MiB of random pages (512 huge pages) written
n_setup=0
setup() {
	n_setup=$((n_setup + 1))
	BK=$T/backing$n_setup
	echo 1 > "$B/reset"
	fallocate -l "$1" "$BK" &&
		[ -z "$(put "$B/backing_dev" "$BK")" ] &&
		echo 16M > "$B/disksize" &&
		dwrite "$IMG" if="$T/r2" bs=1M
}

# -- the backing file runs full --------------------------------------------
need setup 1M
ok "nothing idle yet: writeback idle succeeds" test -z "$(put "$B/writeback" idle)"
eq "nothing idle: nothing moved" "$BD0" "$(cat "$B/bd_stat")"
put "$B/idle" all
werr "backing file full: writeback idle fails with ENOSPC" \
	"No space left on device" "$B/writeback" idle
eq "bd_count: every block of 256 but block 0" 255 "$(field "$B/bd_stat" 1)"
eq "bd_writes: 255" 255 "$(field "$B/bd_stat" 3)"
eq "the pages not moved stay huge in RAM" 257 "$(field "$B/mm_stat" 8)"
eq "every page reads back intact" "$r2sha" "$(dsha "$IMG" bs=1M count=2)"
# (the reads cleared the idle marks: a read is an access)
put "$B/idle" all
werr "full again: ENOSPC" "No space left on device" "$B/writeback" idle
eq "full again: bd_count unchanged" 255 "$(field "$B/bd_stat" 1)"
eq "no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
ok "punch the 2 MiB" fallocate --punch-hole --keep-size -l $((2 * MiB)) "$IMG"
eq "discard frees every backing block" 0 "$(field "$B/bd_stat" 1)"
dwrite "$IMG" if="$T/r2" bs=1M
put "$B/idle" all
werr "room for 255 again: ENOSPC again" "No space left on device" "$B/writeback" idle
eq "freed blocks are used again" 255 "$(field "$B/bd_stat" 1)"
eq "every page reads back intact" "$r2sha" "$(dsha "$IMG" bs=1M count=2)"

# -- the budget runs out ----------------------------------------------------
need setup 64M
put "$B/writeback_limit_enable" 1
eq "writeback_limit_enable reads 1" 1 "$(cat "$B/writeback_limit_enable")"
put "$B/writeback_limit" 100
eq "writeback_limit reads 100" 100 "$(cat "$B/writeback_limit")"
put "$B/idle" all
werr "budget of 100: writeback idle fails with EIO" \
	"Input/output error" "$B/writeback" idle
eq "exactly 100 pages moved" 100 "$(field "$B/bd_stat" 1)"
eq "bd_writes 100" 100 "$(field "$B/bd_stat" 3)"
eq "budget spent: writeback_limit reads 0" 0 "$(cat "$B/writeback_limit")"
werr "budget 0: writeback idle fails with EIO" \
	"Input/output error" "$B/writeback" idle
werr "budget 0: writeback huge fails with EIO" \
	"Input/output error" "$B/writeback" huge
eq "budget 0: nothing more moved" 100 "$(field "$B/bd_stat" 1)"
put "$B/writeback_limit" 50
werr "budget of 50: EIO again" "Input/output error" "$B/writeback" idle
eq "exactly 50 more moved" 150 "$(field "$B/bd_stat" 1)"
put "$B/writeback_limit" 1000
ok "budget of 1000: writeback idle succeeds" test -z "$(put "$B/writeback" idle)"
eq "the other 362 moved" 512 "$(field "$B/bd_stat" 1)"
eq "writeback_limit: 1000 - 362 left" 638 "$(cat "$B/writeback_limit")"
put "$B/writeback_limit" 0
ok "budget 0 but nothing left to move: success" test -z "$(put "$B/writeback" idle)"
eq "every page reads back intact" "$r2sha" "$(dsha "$IMG" bs=1M count=2)"
dwrite "$IMG" if="$T/r2" bs=1M
put "$B/idle" all
put "$B/writeback_limit_enable" 0
ok "limit disabled: writeback idle succeeds with writeback_limit 0" \
	test -z "$(put "$B/writeback" idle)"
eq "limit disabled: all 512 moved" 512 "$(field "$B/bd_stat" 1)"
put "$B/writeback_limit_enable" 1

# -- the backing file made unreadable under written-back pages -------------
need setup 64M
dwrite "$IMG" if="$T/r4" bs=1M
ok "writeback page_indexes=0-511" test -z "$(put "$B/writeback" page_indexes=0-511)"
eq "512 pages moved" 512 "$(field "$B/bd_stat" 1)"
ok "the backing file truncated to 0" truncate -s 0 "$BK"
fr0=$(field "$B/io_stat" 1)
out=$(dread "$IMG" bs=4096 count=1 of=/dev/null 2>&1)
case $out in
*"Input/output error"*) pass "a written-back page fails to read with EIO" ;;
*) fail "a written-back page read from a truncated backing file: expected EIO, got '${out:-success}'" ;;
esac
bad=0
for i in $(seq 1 10); do
	dread "$IMG" bs=4096 skip=$((i * 50)) count=1 of=/dev/null 2>/dev/null &&
		bad=$((bad + 1))
done
eq "10 more written-back pages: every read fails" 0 "$bad"
fr1=$(field "$B/io_stat" 1)
eq "failed_reads counts each of the 11" $((fr0 + 11)) "$fr1"
eq "pages not written back read intact" "$(tail -c $((2 * MiB)) "$T/r4" | sha)" \
	"$(dsha "$IMG" bs=1M skip=2 count=2)"
eq "no failed writes" 0 "$(field "$B/io_stat" 2)"
dwrite "$IMG" if="$T/r4" bs=4096 skip=1000 count=1
eq "a written-back page overwritten frees its block" 511 "$(field "$B/bd_stat" 1)"
eq "and reads its new content" "$(dd if="$T/r4" bs=4096 skip=1000 count=1 status=none | sha)" \
	"$(dsha "$IMG" bs=4096 count=1)"
ok "discard the other written-back pages" \
	fallocate --punch-hole --keep-size -o 4096 -l $((511 * 4096)) "$IMG"
eq "discard frees their blocks" 0 "$(field "$B/bd_stat" 1)"
eq "and they read zeros" "$(zero_sha $((511 * 4096)))" "$(dsha "$IMG" bs=4096 skip=1 count=511)"
eq "pages not written back still intact" "$(tail -c $((2 * MiB)) "$T/r4" | sha)" \
	"$(dsha "$IMG" bs=1M skip=2 count=2)"

# the backing file deleted: the daemon holds it open, nothing is lost
need setup 64M
put "$B/idle" all
ok "writeback idle" test -z "$(put "$B/writeback" idle)"
ok "the backing file deleted" rm "$BK"
eq "written-back pages still read from the deleted file" "$r2sha" \
	"$(dsha "$IMG" bs=1M count=2)"
eq "no failed reads" 0 "$(field "$B/io_stat" 1)"

# -- reset with pages written back ------------------------------------------
need setup 64M
put "$B/idle" all
put "$B/writeback" idle
eq "512 pages written back before reset" 512 "$(field "$B/bd_stat" 1)"
ok "reset with pages written back" test -z "$(put "$B/reset" 1)"
eq "bd_stat zeros after reset" "$BD0" "$(cat "$B/bd_stat")"
eq "backing_dev reads none after reset" none "$(cat "$B/backing_dev")"
eq "mm_stat zeros after reset" "$ZERO9" "$(cat "$B/mm_stat")"
eq "initstate 0" 0 "$(cat "$B/initstate")"
werr "writeback before init: EINVAL" "Invalid argument" "$B/writeback" idle
echo 16M > "$B/disksize"
dwrite "$IMG" if="$T/r2" bs=1M
eq "the device reinitialises and works" "$r2sha" "$(dsha "$IMG" bs=1M count=2)"
put "$B/idle" all
werr "no backing_dev after reset: writeback fails with ENODEV" \
	"No such device" "$B/writeback" idle
echo 1 > "$B/reset"
ok "the same backing file can be set again" test -z "$(put "$B/backing_dev" "$BK")"
echo 16M > "$B/disksize"
dwrite "$IMG" if="$T/r2" bs=1M
put "$B/idle" all
ok "writeback to it again" test -z "$(put "$B/writeback" idle)"
eq "its blocks start free again" 512 "$(field "$B/bd_stat" 1)"
eq "reads intact" "$r2sha" "$(dsha "$IMG" bs=1M count=2)"

# -- writes, partial writes and discards racing a writeback ----------------
echo 1 > "$B/reset"
fallocate -l 256M "$T/race"
need test -z "$(put "$B/backing_dev" "$T/race")"
echo 128M > "$B/disksize"
# a large batch: a wide window between copying a page out and committing it
put "$B/writeback_batch_size" 256
python3 - "$IMG" "$B/idle" "$B/writeback" "$B/mm_stat" "$B/bd_stat" \
	> "$T/race.out" 2>&1 <<'PY'
import ctypes, os, random, subprocess, sys, threading
img, idle, wb, mm_stat, bd_stat = sys.argv[1:6]
PAGE, N = 4096, 32768
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
fd = os.open(img, os.O_RDWR)
rnd = random.Random(12)
text = open("/usr/include/stdio.h", "rb").read()

def content(i, gen):
    # half the pages compress, half do not
    head = b"page %d gen %d " % (i, gen)
    if i % 2:
        return (head + rnd.randbytes(PAGE))[:PAGE]
    return (head * 8 + text * 2)[:PAGE]

model = [content(i, 0) for i in range(N)]
for i in range(N):
    os.pwrite(fd, model[i], i * PAGE)
with open(idle, "w") as f:
    f.write("all")
res = {}
def run_wb():
    try:
        with open(wb, "w") as f:
            f.write("idle")
        res["wb"] = "ok"
    except OSError as e:
        res["wb"] = str(e)
t = threading.Thread(target=run_wb)
t.start()
ops = {"write": 0, "partial": 0, "punch": 0}
gen = 0
while t.is_alive():
    gen += 1
    i = rnd.randrange(N)
    op = rnd.choice(["write", "write", "partial", "punch"])
    if op == "write":
        model[i] = content(i, gen)
        os.pwrite(fd, model[i], i * PAGE)
    elif op == "partial":
        off = rnd.randrange(PAGE - 100)
        b = bytearray(model[i])
        b[off:off + 100] = rnd.randbytes(100)
        model[i] = bytes(b)
        os.pwrite(fd, model[i][off:off + 100], i * PAGE + off)
    else:
        if libc.fallocate(fd, 3, i * PAGE, PAGE):
            raise OSError(ctypes.get_errno(), "fallocate")
        model[i] = bytes(PAGE)
    ops[op] += 1
t.join()
bad = [i for i in range(N) if os.pread(fd, PAGE, i * PAGE) != model[i]]
stored = sum(1 for m in model if m != bytes(PAGE))
print("writeback=%s ops=%s bad=%d first_bad=%s stored=%d" %
      (res.get("wb"), ops, len(bad), bad[:5], stored))
print("RESULT", res.get("wb"), sum(ops.values()), len(bad), stored)
PY
cat "$T/race.out"
read -r _ wbres nops nbad stored < <(grep '^RESULT' "$T/race.out")
echo "mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat")"
eq "the racing writeback succeeded" ok "${wbres:-}"
ok "writes, partial writes and discards raced it (${nops:-0})" test "${nops:-0}" -ge 100
eq "every page reads its newest content" 0 "${nbad:-x}"
eq "orig_data_size counts every page holding data" "${stored:-x}" \
	"$(($(field "$B/mm_stat" 1) / 4096))"
bd=$(field "$B/bd_stat" 1)
ok "pages were written back ($bd)" test "$bd" -gt $((32768 / 2))
ok "discard the whole device" fallocate --punch-hole --keep-size -l $((128 * MiB)) "$IMG"
eq "no backing block leaked by a dropped writeback" 0 "$(field "$B/bd_stat" 1)"
eq "nothing stored" 0 "$(field "$B/mm_stat" 1)"
used=$(field "$B/mm_stat" 3)
ok "pool back near zero (<1 MiB: $used)" test "$used" -lt $MiB
eq "no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"
finish
