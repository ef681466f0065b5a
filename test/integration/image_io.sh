#!/bin/bash
# image_io.sh - byte-exact I/O on the image file: unaligned and partial
# writes, the end of the device, statfs, concurrent sub-page writers,
# truncate.
. "$(dirname "$0")/../lib.sh"

need start_zramfs
SIZE=$((4 * 1048576))

echo 4M > "$B/disksize"
eq "statfs block size" 4096 "$(stat -f -c %S "$MNT")"
eq "image st_blksize" 4096 "$(stat -c %o "$IMG")"

# -- unaligned writes against a reference file ----------------------------
REF=$T/ref
truncate -s $SIZE "$REF"
ok "unaligned writes match the reference" python3 - "$IMG" "$REF" <<'EOF'
import os, random, sys
img = os.open(sys.argv[1], os.O_RDWR)
ref = os.open(sys.argv[2], os.O_RDWR)
rnd = random.Random(1234)
def both(data, off):
    n = os.pwrite(img, data, off)
    if n != len(data):
        sys.exit("short write %d of %d at %d" % (n, len(data), off))
    os.pwrite(ref, data, off)
both(os.urandom(100), 5000)               # inside a page
both(b"\x01", 4095)                       # last byte of page 0
both(b"\x02", 4096)                       # first byte of page 1
both(os.urandom(110), 4090)               # across the 0/1 boundary
both(os.urandom(10000), 12345)            # across several pages
both(os.urandom(4096), 20480 + 7)         # a page-sized write, unaligned
both(os.urandom(8192), 40960)             # aligned, two pages
both(b"tail", 4 * 1048576 - 4)            # the last 4 bytes
for _ in range(300):                      # random small writes
    off = rnd.randrange(0, 1 << 20)
    both(os.urandom(rnd.randrange(1, 300)), off)
# unaligned reads of every kind
for off, ln in [(0, 1), (4095, 2), (5000, 100), (12000, 11000), (4194300, 4),
                (4194300, 100), (1 << 20, 3)]:
    a = os.pread(img, ln, off)
    b = os.pread(ref, ln, off)[:max(0, 4194304 - off)]
    if a != b:
        sys.exit("pread(%d, %d) differs" % (ln, off))
for off in range(0, 4194304, 1 << 20):
    if os.pread(img, 1 << 20, off) != os.pread(ref, 1 << 20, off):
        sys.exit("MiB at %d differs" % off)
EOF
ok "whole image equals the reference (direct read)" cmp "$REF" <(dread "$IMG" bs=1M)
eq "no failed I/O" "0 0" "$(field "$B/io_stat" 1) $(field "$B/io_stat" 2)"

# -- the end of the device ------------------------------------------------
out=$(python3 - "$IMG" $SIZE <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
size = int(sys.argv[2])
def w(off, n):
    try:
        return str(os.pwrite(fd, b"z" * n, off))
    except OSError as e:
        return "E" + str(e.errno)
def r(off, n):
    try:
        return str(len(os.pread(fd, n, off)))
    except OSError as e:
        return "E" + str(e.errno)
print(w(size, 1), w(size + 4096, 4096), w(size - 100, 4096), r(size, 10), r(size - 10, 100))
EOF
)
set -- $out
case ${1:-} in E*) pass "write at the end fails (${1})" ;; *) fail "write at the end returned ${1:-nothing}" ;; esac
case ${2:-} in E*) pass "write past the end fails (${2})" ;; *) fail "write past the end returned ${2:-nothing}" ;; esac
case ${3:-} in
E*|100) pass "write across the end fails or is short (${3})" ;;
*) fail "write across the end returned ${3:-nothing} (expected <= 100 bytes or an error)" ;;
esac
eq "read at the end: EOF" 0 "${4:-}"
eq "read across the end: short" 10 "${5:-}"
eq "image size unchanged" $SIZE "$(stat -c %s "$IMG")"
eq "disksize unchanged" $SIZE "$(cat "$B/disksize")"
out=$(dd if=/dev/zero of="$IMG" bs=4096 seek=$((SIZE / 4096)) count=1 oflag=direct conv=notrunc 2>&1)
rc=$?
if [ $rc -ne 0 ]; then pass "dd past the end fails"; else fail "dd past the end succeeded"; fi
eq "image size unchanged after dd" $SIZE "$(stat -c %s "$IMG")"
# the bytes before the end were not clobbered by the refused writes
python3 - "$IMG" "$REF" $SIZE <<'EOF' && pass "last page intact or written as acknowledged" || fail "last page wrong after end-of-device writes"
import os, sys
size = int(sys.argv[3])
img = os.open(sys.argv[1], os.O_RDONLY)
ref = open(sys.argv[2], "rb").read()
got = os.pread(img, 4096, size - 4096)
want = ref[size - 4096:]
# the write across the end may have stored its first 100 bytes
alt = want[:4096 - 100] + b"z" * 100
sys.exit(0 if got in (want, alt) else 1)
EOF

# -- truncate ---------------------------------------------------------------
notok "truncate to a smaller size fails" truncate -s 1M "$IMG"
notok "truncate to a larger size fails" truncate -s 8M "$IMG"
notok "truncate to 0 fails" truncate -s 0 "$IMG"
eq "image size unchanged by truncate" $SIZE "$(stat -c %s "$IMG")"
ok "truncate to the same size is harmless" truncate -s $SIZE "$IMG"
ok "data intact after truncate attempts" cmp -n $((SIZE - 4096)) "$REF" <(dread "$IMG" bs=1M)
notok "fallocate growing the image fails" fallocate -o $SIZE -l 4096 "$IMG"
eq "image size unchanged by fallocate" $SIZE "$(stat -c %s "$IMG")"

# -- concurrent sub-page writers -------------------------------------------
ok "8 threads writing 512-byte slices of the same pages" python3 - "$IMG" <<'EOF'
import os, sys, threading
fd = os.open(sys.argv[1], os.O_RDWR)
PAGES = [100, 101, 513]
ROUNDS = 300
last = {}
def worker(t):
    for r in range(ROUNDS):
        for p in PAGES:
            data = bytes([(t * 31 + r + p) & 0xff]) * 512
            n = os.pwrite(fd, data, p * 4096 + t * 512)
            if n != 512:
                raise SystemExit("short write")
            last[(t, p)] = data
ths = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
for th in ths: th.start()
for th in ths: th.join()
for p in PAGES:
    want = b"".join(last[(t, p)] for t in range(8))
    got = os.pread(fd, 4096, p * 4096)
    if got != want:
        bad = [t for t in range(8) if got[t*512:(t+1)*512] != last[(t, p)]]
        sys.exit("page %d: slices of threads %s lost" % (p, bad))
EOF
ok "8 threads writing odd-sized interleaved ranges of one page" python3 - "$IMG" <<'EOF'
import os, sys, threading
fd = os.open(sys.argv[1], os.O_RDWR)
P = 200 * 4096
# thread t owns bytes i with i % 8 == t in runs of 3: overlapping pages, disjoint bytes
def ranges(t):
    return [(o, 3) for o in range(t * 3, 4096 - 3, 24)]
def worker(t):
    for r in range(20):
        for o, n in ranges(t):
            os.pwrite(fd, bytes([t + 1 + r * 8 & 0xff]) * n, P + o)
ths = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
for th in ths: th.start()
for th in ths: th.join()
got = os.pread(fd, 4096, P)
for t in range(8):
    for o, n in ranges(t):
        if got[o:o + n] != bytes([t + 1 + 19 * 8 & 0xff]) * n:
            sys.exit("thread %d lost bytes at %d" % (t, o))
EOF

# -- O_TRUNC on the image: ignored, as for a block device -------------------
dd if=/dev/urandom of="$T/pg" bs=4096 count=1 status=none
dwrite "$IMG" if="$T/pg" bs=4096 seek=300
( : > "$IMG" ) 2>/dev/null
eq "image size after an O_TRUNC open" $SIZE "$(stat -c %s "$IMG")"
ok "data kept after an O_TRUNC open" cmp "$T/pg" <(dread "$IMG" bs=4096 skip=300 count=1)

finish
