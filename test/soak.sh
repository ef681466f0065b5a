#!/bin/bash
# soak.sh - `make soak` (not in CI): at least 10 GiB of swap traffic
# through zramfs.  A memhog in a 256 MiB memory cgroup fills HOG_MIB
# (default 2048) and verifies it PASSES times (default 4), swapping to a
# loop device over a zramfs image; repeated until 10 GiB have moved.
# Reports bad pages (must be 0), traffic, time and the daemon's peak RSS.
. "$(dirname "$0")/lib.sh"
HOG_MIB=${HOG_MIB:-2048}
PASSES=${PASSES:-4}
GOAL_GIB=${GOAL_GIB:-10}

cc -O2 -o "$T/memhog" "$ROOT/test/memhog.c" || { fail "build memhog"; finish; }
start_zramfs || { fail "mount"; finish; }
z=$MNT/block/zram0
echo $((HOG_MIB + 1024))M > "$z/disksize"
attach "$MNT/dev/zram0" || { fail "attach"; finish; }
dev=$DEV
ok "mkswap" mkswap "$dev"
ok "swapon --discard=pages" do_swapon "$dev" --discard=pages --priority 32767
mkcg "zramfs_soak_hog_$$" 256M || { fail "hog cgroup"; finish; }
hcg=$CG

t0=$SECONDS round=0 bad=0
moved() { awk '{printf "%.0f\n", ($3 + $7) * 512}' "$z/stat"; }
while [ "$(moved)" -lt $((GOAL_GIB << 30)) ]; do
	round=$((round + 1))
	timeout -k 5 1800 sh -c 'echo $$ > "$1"; shift; exec "$@"' _ \
		"$hcg/cgroup.procs" "$T/memhog" "$HOG_MIB" "$PASSES" \
		> "$T/hog.$round.log" 2>&1
	rc=$?
	b=$(grep -o 'bad pages [0-9]*' "$T/hog.$round.log" | awk '{s += $3} END {print s + 0}')
	bad=$((bad + b))
	echo "round $round: memhog rc=$rc bad=$b moved=$(( $(moved) >> 20 )) MiB in $((SECONDS - t0)) s"
	eq "round $round: memhog verified every page" 0 "$rc"
	[ "$rc" = 0 ] || break
done
secs=$((SECONDS - t0))
gib=$(awk -v b="$(moved)" 'BEGIN {printf "%.1f", b / 2^30}')
echo "soak: ${gib} GiB of swap traffic in ${secs} s ($(awk -v b="$(moved)" -v s="$secs" 'BEGIN {printf "%.0f", b / 2^20 / s}') MiB/s), bad pages $bad"
echo "soak: daemon peak RSS $(awk '/VmHWM/ {print $2, $3}' /proc/$DPID/status), mm_stat $(cat "$z/mm_stat"), io_stat $(cat "$z/io_stat")"
eq "no bad pages in ${gib} GiB" 0 "$bad"
ok "at least ${GOAL_GIB} GiB moved" test "$(moved)" -ge $((GOAL_GIB << 30))
ok "daemon alive" kill -0 "$DPID"
ok "swapoff" do_swapoff "$dev"
finish
