#!/bin/bash
# ext4.sh - ext4 on the image through a direct-io loop device: files
# copied in survive umount, cache drop and remount bit for bit.
. "$(dirname "$0")/../lib.sh"

need start_zramfs

echo 512M > "$B/disksize"
eq "disksize 512M" 536870912 "$(stat -c %s "$IMG")"
# attach in this shell (not in $(...)) so the trap knows the loop device
need attach "$IMG"
loop=$DEV
ok "loop device" test -b "$loop"
ok "mkfs.ext4" mkfs.ext4 -q -F "$loop"
FS=$T/fs
ok "mount" do_mount "$loop" "$FS"
need is_mounted "$FS"

# ~80 MB of files: headers and docs (text) and shared libraries
find /usr/include /usr/share/doc /usr/lib/x86_64-linux-gnu -maxdepth 2 -type f \
	-size -4M -printf '%s %p\n' 2>/dev/null | sort -k2 |
	awk '{ t += $1; if (t > 80 * 1048576) exit; print $2 }' > "$T/list"
nfiles=$(wc -l < "$T/list")
if [ "$nfiles" -ge 300 ]; then pass "$nfiles source files"; else fail "only $nfiles source files"; fi
mkdir -p "$FS/data"
i=0
while read -r f; do
	cp "$f" "$FS/data/$i.$(basename "$f")" 2>/dev/null && i=$((i + 1))
done < "$T/list"
eq "all files copied" "$nfiles" "$i"
(cd "$FS/data" && sha256sum -- * > "$T/sums")
eq "sha256 list complete" "$nfiles" "$(wc -l < "$T/sums")"
bytes=$(du -sb "$FS/data" | cut -f1)
if [ "$bytes" -gt $((50 * 1048576)) ]; then pass "copied $bytes bytes"; else fail "copied only $bytes bytes"; fi
ok "sync" sync -f "$FS"

ok "umount" do_umount "$FS"
echo 3 > /proc/sys/vm/drop_caches
ok "remount" do_mount "$loop" "$FS"
echo 3 > /proc/sys/vm/drop_caches
ok "sha256sum -c after remount" sh -c "cd '$FS/data' && sha256sum --quiet -c '$T/sums'"
ok "fsck after umount" sh -c "umount '$FS' && e2fsck -fn '$loop' && mount '$loop' '$FS'"
is_mounted "$FS" || fail "remounted after fsck"

orig=$(field "$B/mm_stat" 1)
compr=$(field "$B/mm_stat" 2)
used=$(field "$B/mm_stat" 3)
if [ "$orig" -gt $((50 * 1048576)) ]; then pass "orig_data_size $orig > 50 MiB"; else fail "orig_data_size $orig"; fi
if [ "$compr" -gt 0 ] && [ "$compr" -lt "$orig" ]; then pass "compr $compr < orig $orig"; else
	fail "compr_data_size $compr not below orig_data_size $orig"; fi
if [ "$used" -ge "$compr" ] && [ "$used" -lt "$orig" ]; then pass "mem_used_total $used in [compr, orig)"; else
	fail "mem_used_total $used not in [$compr, $orig)"; fi
eq "no failed reads/writes" "0 0" "$(field "$B/io_stat" 1) $(field "$B/io_stat" 2)"

# image read directly (loop still attached, read-only access) matches the loop device
h1=$(dsha "$loop" bs=1M count=64)
h2=$(dsha "$IMG" bs=1M count=64)
eq "image and loop device agree" "$h1" "$h2"

finish
