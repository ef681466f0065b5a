#!/bin/bash
# evict.sh - eviction instead of failed writes, under real swap: a memhog
# limited to 128 MiB by its memory cgroup fills 512 MiB (about 1.5:1
# compressible pages, verified one by one twice after the fill) and swaps to a
# loop device over a zramfs image with mem_limit=48M, a backing file and
# evict_on_limit=1.  What is swapped out needs several times mem_limit,
# so the pool fills and each write that would cross the limit first
# writes the least recently used pages back until the pool is below
# accept_threshold (90%) of the limit.  mem_used_total is sampled all
# along and must never exceed mem_limit, nor may the peak the device
# records at every allocation (mem_used_max); the hog must verify every page
# (those read back from the backing file included); no write may fail.
# Every step is bounded by a timeout.
. "$(dirname "$0")/../lib.sh"

LIMIT=$((48 * MiB))

need cc -O2 -o "$T/memhog" "$ROOT/test/memhog.c"
need start_zramfs
need fallocate -l 1G "$T/backing"
ok "backing_dev" test -z "$(put "$B/backing_dev" "$T/backing")"
echo 1G > "$B/disksize"
ok "mem_limit 48M" test -z "$(put "$B/mem_limit" 48M)"
ok "evict_on_limit 1" test -z "$(put "$B/evict_on_limit" 1)"
need attach "$IMG"
dev=$DEV
need timeout 60 mkswap "$dev"
need do_swapon "$dev" --discard=pages --priority 32767
need mkcg "zramfs_test_evict_$$" 128M
hcg=$CG

# mem_used_total sampled every 50 ms all along: the largest seen
used_sampler_start

timeout -k 5 240 sh -c 'echo $$ > "$1"; shift; exec "$@"' _ \
	"$hcg/cgroup.procs" "$T/memhog" 512 2 > "$T/hog.log" 2>&1
hog_rc=$?
max=$(used_sampler_stop)
cat "$T/hog.log"
echo "mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat"); io_stat $(cat "$B/io_stat")"
echo "policy_stat $(cat "$B/policy_stat")"
swapped=$(sed -n 's/.*VmSwap=\([0-9]*\) kB.*/\1/p' "$T/hog.log" | head -1)

eq "memhog verified every page" 0 "$hog_rc"
notok "bad pages 0" grep -q 'bad pages [1-9]' "$T/hog.log"
eq "both verify passes ran" 2 "$(grep -c 'verify pass' "$T/hog.log")"
ok "the hog swapped several times mem_limit (VmSwap ${swapped:-?} kB)" \
	test "${swapped:-0}" -ge $((3 * LIMIT / 1024))
eq "no failed writes or reads" "0 0" "$(awk '{print $2, $1}' "$B/io_stat")"
ok "pages were evicted ($(field "$B/policy_stat" 3))" \
	test "$(field "$B/policy_stat" 3)" -ge $((LIMIT / 4096))
eq "no eviction failed" 0 "$(field "$B/policy_stat" 6)"
ok "mem_used_total never above mem_limit (largest sample $max, limit $LIMIT)" \
	test "$max" -le "$LIMIT" -a "$max" -gt $((LIMIT / 2))
ok "mem_used_max, the peak of every allocation, not above mem_limit ($(field "$B/mm_stat" 5))" \
	test "$(field "$B/mm_stat" 5)" -le "$LIMIT"
ok "the verify read evicted pages back (bd_reads $(field "$B/bd_stat" 2))" \
	test "$(field "$B/bd_stat" 2)" -gt 0
ok "swapoff clean" do_swapoff "$dev"
ok "daemon alive" kill -0 "$DPID"
finish
