#!/bin/bash
# permissions.sh - modes are enforced for non-root users (default_permissions)
# and other users get no access at all unless allow_other was asked for.
# With allow_other, what sysfs lets every user read (0444 statistics,
# 0644 settings) another user reads; write-only files, the debugfs file,
# hot_add and the images stay root's.
. "$(dirname "$0")/../lib.sh"
U=nobody
as_user() { setpriv --reuid="$U" --regid=nogroup --clear-groups "$@"; }
chmod 755 "$T"

need start_zramfs
notok "without allow_other: another user cannot even list the mount" \
	as_user ls "$MNT/block"
notok "without allow_other: another user cannot read mm_stat" \
	as_user cat "$B/mm_stat"
stop_zramfs

need start_zramfs -o allow_other
echo 16M > "$B/disksize"
ok "allow_other: another user reads a 0444 file" as_user cat "$B/mm_stat"
ok "allow_other: another user reads a 0644 file" as_user cat "$B/disksize"
werr_user() {
	local out
	out=$(as_user bash -c "echo $3 > $2" 2>&1)
	case $out in
	*"Permission denied"*) pass "$1" ;;
	*) fail "$1: expected Permission denied, got '${out:-success}'" ;;
	esac
}
werr_user "allow_other: another user cannot write disksize (root's 0644)" "$B/disksize" 32M
werr_user "allow_other: another user cannot reset (0200)" "$B/reset" 1
werr_user "allow_other: another user cannot hot_remove" "$C/hot_remove" 0
notok "allow_other: another user cannot open the 0600 image" \
	as_user dd if="$IMG" of=/dev/null bs=4k count=1 iflag=direct status=none
notok "allow_other: another user cannot read hot_add (0400)" \
	as_user cat "$C/hot_add"
eq "no device was added by the refused hot_add" "zram0" "$(lsj "$MNT/dev")"

# every file, by its mode: readable by another user exactly when o+r
id=$(cat "$C/hot_add")
echo 8M > "$MNT/block/zram$id/disksize"
for f in "$B"/* "$MNT/block/zram$id"/* "$MNT"/debug/zram0/* "$C"/* "$MNT"/dev/*; do
	mode=$(stat -c %a "$f")
	if as_user cat "$f" >/dev/null 2>&1; then got=r; else got=-; fi
	case $mode in
	444|644) want=r ;;
	*) want=- ;;
	esac
	eq "allow_other: another user's read of ${f#"$MNT"/} ($mode)" "$want" "$got"
done
ok "allow_other: another user lists every directory" \
	as_user ls -R "$MNT"
eq "allow_other: another user's mm_stat is root's" "$(cat "$B/mm_stat")" \
	"$(as_user cat "$B/mm_stat")"
eq "disksize unchanged" 16777216 "$(cat "$B/disksize")"
eq "still initialised" 1 "$(cat "$B/initstate")"
finish
