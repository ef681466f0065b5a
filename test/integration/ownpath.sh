#!/bin/bash
# ownpath.sh - a path the daemon is given to open (algorithm_params dict=,
# backing_dev) that leads into its own mount is refused with EDEADLK
# ("Resource deadlock avoided"), however it gets there: directly, through
# a symlink, "..", or a relative path.  With -o threads=1 the only worker
# would otherwise wait on a request only it can serve and hang the mount.
# The check looks nothing up on the mount, so it cannot hang either.
. "$(dirname "$0")/../lib.sh"

need start_zramfs -o threads=1,num_devices=2
B1=$MNT/block/zram1
echo 16M > "$B/disksize"
text_corpus 64K > "$T/dict"
dwrite "$IMG" if="$T/dict" bs=64K
echo zstd > "$B1/comp_algorithm"

# wt FILE VALUE: echo VALUE > FILE within 10 s: the error or "".  A hung
# mount is "hang", and the writer and daemon are killed (by pid) so that
# the rest fails fast and cleanup can unmount.
wt() {
	local pid i
	bash -c 'echo "$2" > "$1"' _ "$1" "$2" 2>"$T/wt.err" &
	pid=$!
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" "$DPID"
		echo hang
		return
	fi
	wait "$pid"
	sed 's/.*: //' "$T/wt.err"
}
DL="Resource deadlock avoided"
ln -s "$MNT/dev" "$T/link"
ln -s mnt/dev/zram0 "$T/rel"
mkdir -p "$T/sub"
for p in "$IMG" "$T/link/zram0" "$MNT/../mnt/dev/zram0" "$T/rel" "$B/disksize" \
	"$MNT" "$MNT/nonexistent"; do
	eq "dict=$p: EDEADLK" "$DL" "$(wt "$B1/algorithm_params" "algo=zstd dict=$p")"
	eq "backing_dev $p: EDEADLK" "$DL" "$(wt "$B1/backing_dev" "$p")"
done
# a relative path is the daemon's (its working directory), as zramfs -f runs
rel=$(realpath --relative-to="$(readlink "/proc/$DPID/cwd")" "$T/sub")/../rel
eq "relative dict path into the mount: EDEADLK" "$DL" \
	"$(wt "$B1/algorithm_params" "algo=zstd dict=$rel")"
ok "the mount still answers" cat "$B/mm_stat"
eq "backing_dev still none" none "$(cat "$B1/backing_dev")"

# paths outside the mount still work, through a symlink too
cp "$T/dict" "$T/dict2"
ln -s dict2 "$T/dictlink"
eq "dict outside the mount accepted" "" "$(wt "$B1/algorithm_params" "algo=zstd dict=$T/dictlink")"
truncate -s 8M "$T/store"
eq "backing_dev outside the mount accepted" "" "$(wt "$B1/backing_dev" "$T/store")"
eq "backing_dev set" "$T/store" "$(cat "$B1/backing_dev")"
eq "dict missing outside the mount: ENOENT" "No such file or directory" \
	"$(wt "$B1/algorithm_params" "algo=zstd dict=$T/nonexistent")"
echo 16M > "$B1/disksize"
ok "zram1 initialised with the dictionary" test "$(cat "$B1/initstate")" = 1
finish
