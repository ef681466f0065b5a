#!/bin/bash
# swap.sh - zramfs as real swap under real memory pressure.
# A memory-cgroup-limited memhog (256 MiB) fills 1 GiB with a per-page
# pattern and verifies every page twice, swapping to a loop device over a
# zramfs image.  Twice: daemon in the root cgroup, then daemon in its own
# cgroup limited to 512 MiB.  In the second the acceptable outcomes are
# success or clean failure (hog OOM-killed, errors counted): never a hang.
# Every step is bounded by a timeout; nothing may be left in D state.
. "$(dirname "$0")/../lib.sh"

need cc -O2 -o "$T/memhog" "$ROOT/test/memhog.c"

d_state() {
	# tasks in D state among the daemon and the hog
	local p
	for p in "$@"; do
		[ -n "$p" ] && ps -o stat= -p "$p" 2>/dev/null | grep -q '^D' && echo "$p"
	done
}

run_placement() {
	local where=$1 dcg="" hcg dev hog_rc elapsed t0 used swapped orig
	if [ "$where" = own ]; then
		mkcg "zramfs_test_daemon_$$" 512M || { fail "$where: cgroup"; return; }
		dcg=$CG
		run_in_cg "$dcg" "$ZRAMFS" -f ${ZRAMFS_TEST_OPTS:-} "$MNT" 2>>"$T/daemon.log" &
		DPID=$!
		wait_mounted || { fail "$where: mount"; return; }
	else
		start_zramfs || { fail "$where: mount"; return; }
	fi
	echo 1536M > "$B/disksize"
	attach "$IMG" || { fail "$where: attach"; return; }
	dev=$DEV
	ok "$where: mkswap" timeout 60 mkswap "$dev"
	ok "$where: swapon --discard=pages" do_swapon "$dev" --discard=pages --priority 32767
	mkcg "zramfs_test_hog_$$_$where" 256M || { fail "$where: hog cgroup"; return; }
	hcg=$CG
	t0=$SECONDS
	timeout -k 5 300 sh -c 'echo $$ > "$1"; shift; exec "$@"' _ "$hcg/cgroup.procs" \
		"$T/memhog" 1024 > "$T/hog.$where.log" 2>&1
	hog_rc=$?
	elapsed=$((SECONDS - t0))
	echo "$where: hog rc=$hog_rc in ${elapsed}s; $(grep 'bad pages' "$T/hog.$where.log" | tail -1)"
	echo "$where: mm_stat $(cat "$B/mm_stat"); io_stat $(cat "$B/io_stat")"
	echo "$where: daemon VmHWM $(awk '/VmHWM/{print $2, $3}' /proc/$DPID/status)"
	if [ "$where" = root ]; then
		eq "$where: memhog verified every page" 0 "$hog_rc"
	else
		# success, or the hog killed by its cgroup's OOM killer
		case $hog_rc in
		0|137) pass "$where: memhog succeeded or was OOM-killed (rc $hog_rc)" ;;
		*) fail "$where: memhog rc $hog_rc (124 = hang)" ;;
		esac
	fi
	notok "$where: no bad pages" grep -q 'bad pages [1-9]' "$T/hog.$where.log"
	ok "$where: daemon alive" kill -0 "$DPID"
	eq "$where: nothing in D state" "" "$(d_state "$DPID")"
	# With --discard=pages the kernel discards a swap cluster once it is
	# wholly free, and the daemon frees what it held: the hog's 1 GiB goes
	# once the hog is gone.  What stays is what is still swapped (this
	# device has the top priority, so anything on the machine may be) and
	# clusters partly in use.  Wait for the discard work (up to 10 s); measure
	# against what the hog had swapped out (its last VmSwap, in KiB; its
	# whole 1 GiB if it was killed before it said).
	swapped=$(sed -n 's/.*VmSwap=\([0-9]*\) kB.*/\1/p' "$T/hog.$where.log" | tail -1)
	swapped=$((${swapped:-1048576} * 1024))
	for _ in $(seq 100); do
		orig=$(field "$B/mm_stat" 1)
		[ "$orig" -lt $((swapped / 4)) ] && break
		sleep 0.1
	done
	echo "$where: after the hog: orig_data_size $orig; swap used $(awk -v d="$dev" '$1 == d {print $4}' /proc/swaps) KiB"
	ok "$where: freed swap discarded (orig_data_size $orig < 1/4 of the hog's VmSwap $swapped)" test "$orig" -lt $((swapped / 4))
	ok "$where: swapoff clean" do_swapoff "$dev"
	# swapoff frees its slots with the device no longer writable, so the
	# kernel discards none of them (kernel zram hears of each freed slot;
	# a loop device does not).  One blkdiscard returns the rest.
	echo "$where: after swapoff mem_used_total=$(field "$B/mm_stat" 3) orig=$(field "$B/mm_stat" 1)"
	ok "$where: blkdiscard after swapoff" blkdiscard -f "$dev"
	eq "$where: nothing stored after blkdiscard" 0 "$(field "$B/mm_stat" 1)"
	used=$(field "$B/mm_stat" 3)
	ok "$where: pool back near zero after blkdiscard (<1 MiB: $used)" test "$used" -lt $((1 << 20))
	ok "$where: detach" detach "$dev"
	stop_zramfs
	rmdir "$hcg" && CGROUPS=("${CGROUPS[@]/$hcg}")
	[ -n "$dcg" ] && rmdir "$dcg" && CGROUPS=("${CGROUPS[@]/$dcg}")
}

# sanitizer builds (scripts/sanitize.sh) run unlocked with shadow memory:
# they cannot live in a 512 MiB cgroup, so they run the root placement only
for where in ${SWAP_PLACEMENTS:-root own}; do
	run_placement "$where"
done
finish
