#!/bin/bash
# wb_swap.sh - writeback under swap: a memory-cgroup-limited memhog fills
# 512 MiB (most of it swapped to a loop device over a zramfs image with a
# backing file) and waits; `idle all` + `writeback idle` moves the swapped
# pages to the backing file; the hog then verifies every page as it swaps
# back in, from the backing file.  Every step is bounded by a timeout.
. "$(dirname "$0")/../lib.sh"

need cc -O2 -o "$T/memhog" "$ROOT/test/memhog.c"
need start_zramfs
need fallocate -l 1G "$T/backing"
ok "backing_dev set" test -z "$(put "$B/backing_dev" "$T/backing")"
echo 1G > "$B/disksize"
need attach "$IMG"
dev=$DEV
need timeout 60 mkswap "$dev"
need do_swapon "$dev" --discard=pages --priority 32767
need mkcg "zramfs_test_wbhog_$$" 128M
hcg=$CG

# the hog fills, says so, and waits for $T/go before it verifies
MEMHOG_WAIT=$T/go timeout -k 5 300 sh -c 'echo $$ > "$1"; shift; exec "$@"' _ \
	"$hcg/cgroup.procs" "$T/memhog" 512 > "$T/hog.log" 2>&1 &
hog=$!
for _ in $(seq 1200); do
	grep -q 'filled' "$T/hog.log" && break
	kill -0 "$hog" 2>/dev/null || break
	sleep 0.1
done
need grep -q filled "$T/hog.log"
cat "$T/hog.log"
swapped=$(sed -n 's/.*VmSwap=\([0-9]*\) kB.*/\1/p' "$T/hog.log")
ok "the hog is mostly swapped out (VmSwap ${swapped:-?} kB)" \
	test "${swapped:-0}" -ge $((256 * 1024))
# swap-out is asynchronous: pages counted in VmSwap may still be on their
# way to the device; wait until what is stored stops growing
prev=-1
for _ in $(seq 50); do
	cur=$(field "$B/mm_stat" 1)
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 0.2
done
mm0=$(cat "$B/mm_stat")
used0=$(echo "$mm0" | awk '{print $3}')
echo "before writeback: mm_stat $mm0; bd_stat $(cat "$B/bd_stat")"
ok "echo all > idle" test -z "$(put "$B/idle" all)"
ok "echo idle > writeback" test -z "$(put "$B/writeback" idle)"
echo "after writeback: mm_stat $(cat "$B/mm_stat"); bd_stat $(cat "$B/bd_stat")"
bd1=$(field "$B/bd_stat" 1)
used1=$(field "$B/mm_stat" 3)
# every stored page that is not same-filled goes out (the hog's pages are
# half zeros: none of them is same-filled)
stored0=$(( $(echo "$mm0" | awk '{print $1}') / 4096 - $(echo "$mm0" | awk '{print $6}') ))
ok "bd_count covers what was stored ($bd1 of $stored0 pages; VmSwap ${swapped:-?} kB)" \
	test "$bd1" -ge $((stored0 * 9 / 10))
ok "most of the hog's swap is on the backing file ($bd1 pages, VmSwap ${swapped:-?} kB)" \
	test "$bd1" -ge $((${swapped:-0} / 4 / 2))
# other processes on the machine may swap to this device meanwhile (it
# has the top priority): what they stored since counts against the bound
orig0=$(echo "$mm0" | awk '{print $1}')
orig1=$(field "$B/mm_stat" 1)
since=$((orig1 > orig0 ? orig1 - orig0 : 0))
ok "mem_used_total dropped to under 1/8, plus what was stored since ($used0 -> $used1, $since stored since)" \
	test "$used1" -lt $((used0 / 8 + since))

reads0=$(field "$B/bd_stat" 2)
touch "$T/go"
wait "$hog"
hog_rc=$?
cat "$T/hog.log"
eq "memhog verified every page after writeback" 0 "$hog_rc"
ok "bad pages 0" grep -q 'bad pages 0;' "$T/hog.log"
reads1=$(field "$B/bd_stat" 2)
# (the blocks may hold other processes' pages too: half is the bound)
hogpages=$((${swapped:-0} / 4 < bd1 ? ${swapped:-0} / 4 : bd1))
ok "the swap-ins read the backing file (bd_reads $reads0 -> $reads1)" \
	test $((reads1 - reads0)) -ge $((hogpages / 2))
eq "no failed reads or writes" "0 0" "$(awk '{print $1, $2}' "$B/io_stat")"

# once the hog is gone, swap discards its clusters: the blocks are freed
# (alone on the machine nearly all; a cluster another process's pages
# share is kept, so the bound is half)
for _ in $(seq 100); do
	bd2=$(field "$B/bd_stat" 1)
	[ "$bd2" -lt $((bd1 / 8)) ] && break
	sleep 0.1
done
echo "after the hog: bd_stat $(cat "$B/bd_stat"); mm_stat $(cat "$B/mm_stat")"
ok "freed swap discarded frees backing blocks (bd_count $bd1 -> $bd2)" \
	test "$bd2" -lt $((bd1 / 2))
ok "swapoff clean" do_swapoff "$dev"
ok "daemon alive" kill -0 "$DPID"
finish
