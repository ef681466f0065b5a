#!/bin/bash
# config.sh - zramfs.json and zramfsctl up/down: every key reaches its
# control file in order, size expressions (ram from /proc/meminfo or the
# memory cgroup's limit), every error path is one line naming the key and
# changes nothing, a failure half-way is undone, up twice and down twice
# are harmless, and down leaves no loop device, swap or mount behind.
. "$(dirname "$0")/../lib.sh"
CTL=$ROOT/zramfsctl
STATE=/run/zramfsctl/$(systemd-escape --path "$MNT").json

# What an interrupted test leaves is undone by zramfsctl's own record of
# it; should that fail, by the loop devices attached to this test's own
# images (swapoff, umount, losetup -d of those devices only).
ctl_cleanup() {
	local img dev mp
	[ -n "$DPID" ] && [ -e "$STATE" ] && "$CTL" -m "$MNT" down >/dev/null 2>&1
	rm -f "$STATE"
	for img in "$MNT"/dev/zram*; do
		[ -e "$img" ] || continue
		for dev in $(losetup -j "$img" | cut -d: -f1); do
			swapon --noheadings --show=NAME | grep -qx "$dev" &&
				timeout 120 swapoff "$dev"
			for mp in $(findmnt -rno TARGET -S "$dev"); do
				timeout 60 umount "$mp"
			done
			timeout 30 losetup -d "$dev"
		done
	done
}
trap 'ctl_cleanup; _cleanup' EXIT
need start_zramfs

# the memory zramfsctl's `ram` means, computed independently
ram_bytes() {
	local kb lim cg
	kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	lim=0
	cg=$(sed -n 's/^0::\(.*\)/\1/p' /proc/self/cgroup)
	if [ -n "$cg" ] && [ -r "/sys/fs/cgroup$cg/memory.max" ]; then
		lim=$(cat "/sys/fs/cgroup$cg/memory.max")
	else
		cg=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*:\(.*\)/\1/p' /proc/self/cgroup)
		[ -n "$cg" ] && lim=$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" 2>/dev/null)
	fi
	case $lim in ''|max) lim=0 ;; esac
	[ "${#lim}" -ge 19 ] && lim=0	# v1's "no limit"
	if [ "$lim" != 0 ] && [ "$lim" -lt $((kb * 1024)) ]; then
		echo "$lim"
	else
		echo $((kb * 1024))
	fi
}
RAM=$(ram_bytes)

cfg() { printf '%s\n' "$2" > "$T/$1.json"; echo "$T/$1.json"; }
loops_of() { losetup -j "$1" | cut -d: -f1; }
nloops() { losetup -j "$1" | wc -l; }
devices() { lsj "$MNT/block"; }

# the state of the mount that nothing may change on a failed up
snapshot() {
	echo "$(devices)|$(cat "$B/initstate")|$(cat "$B/disksize")|$(nloops "$IMG")|$([ -e "$STATE" ] && echo state)|$(selected)"
}
BEFORE=$(snapshot)

# uperr DESC EXPECTED-MESSAGE CONFIG: up fails with that one line and
# leaves everything as it was
uperr() {
	local out rc
	out=$("$CTL" -m "$MNT" up "$3" 2>&1); rc=$?
	if [ $rc = 0 ]; then
		fail "$1: up succeeded"
	elif [[ $out != *"$2"* ]]; then
		fail "$1: expected '$2', got '$out'"
	elif [ "$(snapshot)" != "$BEFORE" ]; then
		fail "$1: changed something: $(snapshot) (was $BEFORE)"
	else
		pass "$1"
	fi
}

# -- errors: one line naming the key, nothing applied -----------------------
uperr "missing config" "zramfsctl: $T/none.json: No such file or directory" "$T/none.json"
uperr "syntax error with line and column" "bad.json:2:0: ']' expected near end of file" \
	"$(cfg bad '{"devices": [')"
uperr "unknown key" "unknown.json: devices[0]: unknown key algoritm" \
	"$(cfg unknown '{"devices": [{"size": "1G", "algoritm": "zstd"}]}')"
uperr "unknown top-level key" "top.json: unknown key swap" \
	"$(cfg top '{"devices": [{"size": "1G"}], "swap": true}')"
uperr "bad size expression" \
	"size.json: devices[0].size: unexpected 'h' at column 1 in \"half of ram\"" \
	"$(cfg size '{"devices": [{"size": "half of ram"}]}')"
uperr "size below a page" "devices[0].size: 10 bytes is less than a page" \
	"$(cfg small '{"devices": [{"size": 10}]}')"
uperr "wrong type" "devices[0].swap.priority: expected an integer" \
	"$(cfg type '{"devices": [{"size": "1G", "swap": {"priority": "high"}}]}')"
uperr "out of range" "devices[0].swap.priority: 99999 is out of range -1..32767" \
	"$(cfg range '{"devices": [{"size": "1G", "swap": {"priority": 99999}}]}')"
uperr "both uses" "devices[0]: both swap and filesystem" \
	"$(cfg both '{"devices": [{"size": "1G", "swap": true, "filesystem": {"type": "ext4", "mount_point": "/x"}}]}')"
uperr "algorithm the mount lacks" \
	"devices[0].algorithm: zstdd is not one of: " \
	"$(cfg alg '{"devices": [{"size": "1G", "algorithm": "zstdd"}]}')"
uperr "recompression algorithm the mount lacks (second device: its hot_add undone)" \
	"devices[1].recompression[0].algorithm: nope is not one of: " \
	"$(cfg ralg '{"devices": [{"size": "1G"}, {"size": "1G", "recompression": [{"algorithm": "nope"}]}]}')"
uperr "backing_dev that does not exist" \
	"devices[0].backing_dev: $T/nobacking: No such file or directory" \
	"$(cfg bd "{\"devices\": [{\"size\": \"1G\", \"backing_dev\": \"$T/nobacking\"}]}")"
uperr "filesystem without its mkfs" "devices[0].filesystem.type: mkfs.nosuchfs not found" \
	"$(cfg nofs "{\"devices\": [{\"size\": \"1G\", \"filesystem\": {\"type\": \"nosuchfs\", \"mount_point\": \"$T/nofs\"}}]}")"
ok "... and its mount point was not made" test ! -e "$T/nofs"
put "$B/disksize" 1M >/dev/null
BEFORE=$(snapshot)
uperr "a device already initialised" \
	"devices[0]: $MNT/block/zram0 is already initialised; reset it first" \
	"$(cfg ok '{"devices": [{"size": "1G"}]}')"
put "$B/reset" 1 >/dev/null
BEFORE=$(snapshot)

# a key whose control file this zramfs has not: a mount tree made by hand
# (the check is by file name, so it needs no daemon without the file)
F=$T/fake
mkdir -p "$F/class/zram-control" "$F/block/zram0" "$F/dev"
touch "$F/class/zram-control/hot_add" "$F/block/zram0/disksize"
echo 0 > "$F/block/zram0/initstate"
echo "lzo [lz4] zstd" > "$F/block/zram0/comp_algorithm"
for key in '"policy": "x"' '"evict_on_limit": true' '"backing_dev": "/dev/null"' \
	   '"writeback_limit": "1M"' '"recompression": [{"algorithm": "zstd"}]'; do
	name=${key%%\":*}; name=${name#\"}
	file=$name; [ "$file" = recompression ] && file=recomp_algorithm
	out=$("$CTL" -m "$F" up "$(cfg fake "{\"devices\": [{\"size\": \"1G\", $key}]}")" 2>&1)
	eq "a missing control file names the key: $name" \
		"zramfsctl: devices[0].$name: this zramfs has no $file (block/zram0/$file)
zramfsctl: $F: undoing what this up did" "$out"
done
ok "... and wrote nothing" test ! -s "$F/block/zram0/disksize"

# -- a failure half-way is undone ------------------------------------------
rb=$(cfg rollback "{\"devices\": [
	{\"size\": \"16M\", \"algorithm\": \"zstd\", \"swap\": true},
	{\"size\": \"16M\", \"filesystem\": {\"type\": \"ext4\",
	 \"mkfs_options\": [\"-O\", \"no_such_feature\"], \"mount_point\": \"$T/rbfs\"}}]}")
out=$("$CTL" -m "$MNT" up "$rb" 2>&1); rc=$?
eq "mkfs failing on device 1: up fails" 1 "$rc"
case $out in *"mkfs.ext4 failed"*"undoing what this up did"*) pass "... and says so" ;;
*) fail "... message: $out" ;; esac
eq "... device 0's swap, loop and setup undone, device 1 removed" "$BEFORE" "$(snapshot)"
ok "... no swap left on its images" sh -c "! grep -q '^/dev/loop' /proc/swaps || ! losetup -j '$IMG' | grep -q ."
ok "... the mount point it made is gone" test ! -e "$T/rbfs"

# -- every key applied ------------------------------------------------------
truncate -s 64M "$T/backing"
offered=$(cat "$B/comp_algorithm")
second=deflate; [[ $offered == *deflate* ]] || second=lzo
full=$(cfg full "{
  \"mount\": \"$MNT\",
  \"devices\": [
    { \"size\": \"min(ram / 2, 64M)\", \"algorithm\": \"zstd\",
      \"algorithm_params\": {\"level\": 5},
      \"recompression\": [ {\"algorithm\": \"lz4hc\", \"params\": {\"level\": 9}},
                         {\"algorithm\": \"$second\"} ],
      \"mem_limit\": \"32M\", \"backing_dev\": \"$T/backing\",
      \"writeback_compressed\": true, \"writeback_batch_size\": 16,
      \"writeback_limit_enable\": true, \"writeback_limit\": \"8M\",
      \"swap\": {\"priority\": 7, \"discard\": \"pages\"} },
    { \"size\": \"ram / 256\", \"algorithm\": \"lz4\",
      \"algorithm_params\": \"level=3\",
      \"filesystem\": {\"type\": \"ext4\", \"mkfs_options\": [\"-m\", \"0\"],
        \"mount_point\": \"$T/fs\", \"mount_options\": \"discard,noatime\"} },
    { \"size\": \"1.5G\" }
  ]
}")
out=$("$CTL" up "$full" 2>&1); rc=$?
eq "up with every key" "0 " "$rc $out"
ok "state file written" test -s "$STATE"
Z1=$MNT/block/zram1 Z2=$MNT/block/zram2
L0=$(loops_of "$IMG") L1=$(loops_of "$MNT/dev/zram1")
eq "hot_add made the devices the config names" "zram0 zram1 zram2" "$(devices)"
min=$((RAM / 2)); [ $min -gt $((64 * MiB)) ] && min=$((64 * MiB))
eq "size min(ram / 2, 64M)" $(((min + 4095) / 4096 * 4096)) "$(cat "$B/disksize")"
eq "size ram / 256 (ram: MemTotal or the cgroup limit)" \
	$(((RAM / 256 + 4095) / 4096 * 4096)) "$(cat "$Z1/disksize")"
eq "size 1.5G" 1610612736 "$(cat "$Z2/disksize")"
eq "algorithm" zstd "$(selected)"
eq "algorithm, device 1" lz4 "$(selected "$Z1")"
eq "recompression priorities 1 and 2" "1:lz4hc 2:$second" \
	"$(sed -n 's/^#\([0-9]\):.*\[\(.*\)\].*/\1:\2/p' "$B/recomp_algorithm" | tr '\n' ' ' | sed 's/ $//')"
eq "mem_limit" $((32 * MiB)) "$(field "$B/mm_stat" 4)"
eq "backing_dev" "$T/backing" "$(cat "$B/backing_dev")"
eq "writeback_compressed" 1 "$(cat "$B/writeback_compressed")"
eq "writeback_batch_size" 16 "$(cat "$B/writeback_batch_size")"
eq "writeback_limit_enable" 1 "$(cat "$B/writeback_limit_enable")"
eq "writeback_limit in 4 KiB units" 2048 "$(cat "$B/writeback_limit")"
eq "device 2: configured, no use" "1 0" "$(cat "$Z2/initstate") $(nloops "$MNT/dev/zram2")"
eq "one loop device per used image" "1 1" "$(nloops "$IMG") $(nloops "$MNT/dev/zram1")"
ok "loop attached with direct I/O" grep -qx 1 "/sys/block/${L0#/dev/}/loop/dio"
eq "loop sector size 4096" 4096 "$(cat "/sys/block/${L0#/dev/}/queue/logical_block_size")"
eq "swap on with priority 7" 7 "$(swapon --noheadings --show=NAME,PRIO | awk -v d="$L0" '$1 == d {print $2}')"
eq "filesystem mounted" "$L1 ext4" "$(findmnt -no SOURCE,FSTYPE "$T/fs")"
case ,$(findmnt -no OPTIONS "$T/fs"), in
*,noatime,*discard*|*discard*,noatime,*) pass "mount options discard,noatime" ;;
*) fail "mount options: $(findmnt -no OPTIONS "$T/fs")" ;;
esac
eq "zramfsctl shows the uses" "[SWAP]
$T/fs" "$("$CTL" -m "$MNT" -n --raw -o MOUNTPOINT zram0; "$CTL" -m "$MNT" -n --raw -o MOUNTPOINT zram1)"

# -- up twice: nothing changes ----------------------------------------------
before=$(cat "$STATE")
out=$("$CTL" up "$full" 2>&1); rc=$?
eq "up again: success, says so" "0 zramfsctl: $MNT: already up ($STATE)" "$rc $out"
eq "... no second loop device" "1 1" "$(nloops "$IMG") $(nloops "$MNT/dev/zram1")"
eq "... state unchanged" "$before" "$(cat "$STATE")"

# -- down: exactly undone ---------------------------------------------------
out=$("$CTL" down "$full" 2>&1); rc=$?
eq "down (the mount from the config)" "0 " "$rc $out"
ok "no swap on the loop device" sh -c "! swapon --noheadings --show=NAME | grep -qx '$L0'"
ok "filesystem unmounted" sh -c "! findmnt '$T/fs' >/dev/null"
ok "the mount point up made is removed" test ! -e "$T/fs"
eq "no loop device left on any image" "0 0 0" \
	"$(nloops "$IMG") $(nloops "$MNT/dev/zram1") $(nloops "$MNT/dev/zram2")"
eq "zram0 reset" "0 0" "$(cat "$B/initstate") $(cat "$B/disksize")"
eq "zram0 back to defaults" "none 0" "$(cat "$B/backing_dev") $(cat "$B/writeback_limit_enable")"
eq "devices up added are removed" zram0 "$(devices)"
ok "state file removed" test ! -e "$STATE"
out=$("$CTL" -m "$MNT" down 2>&1); rc=$?
eq "down again: nothing to do" "0 " "$rc $out"
eq "... still as before up" "$BEFORE" "$(snapshot)"

# -- a second cycle, and a stale state --------------------------------------
ok "up after down" "$CTL" up "$full"
ok "down after up" "$CTL" down "$full"
eq "... as before" "$BEFORE" "$(snapshot)"
plain=$(cfg plain "{\"mount\": \"$MNT\", \"devices\": [{\"size\": \"8M\", \"algorithm\": \"lz4hc\"}]}")
ok "up of a device with no use" "$CTL" up "$plain"
put "$B/reset" 1 >/dev/null
out=$("$CTL" up "$plain" 2>&1); rc=$?
case "$rc $out" in
"0 zramfsctl: $MNT: the last up is no longer in effect; undoing what is left of it")
	pass "up after a manual reset: sets up again" ;;
*) fail "up after a manual reset: $rc $out" ;;
esac
eq "... configured again" "8388608 lz4hc" "$(cat "$B/disksize") $(selected)"
ok "... down" "$CTL" down "$plain"

# -- ram is the memory cgroup's limit when lower ----------------------------
need mkcg "zramfs-config-$$" $((256 * MiB))
ramcfg=$(cfg ram "{\"mount\": \"$MNT\", \"devices\": [{\"size\": \"ram\"}]}")
(run_in_cg "$CG" "$CTL" up "$ramcfg")
eq "ram under a 256M memory cgroup is 256M" $((256 * MiB)) "$(cat "$B/disksize")"
ok "... down" "$CTL" down "$ramcfg"
eq "... as before" "$BEFORE" "$(snapshot)"
finish
