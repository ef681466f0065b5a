#!/bin/bash
# permissions.sh - modes are enforced for non-root users (default_permissions)
# and other users get no access at all unless allow_other was asked for.
. "$(dirname "$0")/../lib.sh"
U=nobody
as_user() { setpriv --reuid="$U" --regid=nogroup --clear-groups "$@"; }
chmod 755 "$T"

start_zramfs || { fail "mount"; finish; }
notok "without allow_other: another user cannot even list the mount" \
	as_user ls "$MNT/block"
notok "without allow_other: another user cannot read mm_stat" \
	as_user cat "$MNT/block/zram0/mm_stat"
stop_zramfs

start_zramfs -o allow_other || { fail "mount allow_other"; finish; }
z=$MNT/block/zram0
echo 16M > "$z/disksize"
ok "allow_other: another user reads a 0444 file" as_user cat "$z/mm_stat"
ok "allow_other: another user reads a 0644 file" as_user cat "$z/disksize"
werr_user() {
	local out
	out=$(as_user bash -c "echo $3 > $2" 2>&1)
	case $out in
	*"Permission denied"*) pass "$1" ;;
	*) fail "$1: expected Permission denied, got '${out:-success}'" ;;
	esac
}
werr_user "allow_other: another user cannot write disksize (root's 0644)" "$z/disksize" 32M
werr_user "allow_other: another user cannot reset (0200)" "$z/reset" 1
werr_user "allow_other: another user cannot hot_remove" "$MNT/class/zram-control/hot_remove" 0
notok "allow_other: another user cannot open the 0600 image" \
	as_user dd if="$MNT/dev/zram0" of=/dev/null bs=4k count=1 iflag=direct status=none
notok "allow_other: another user cannot read hot_add (0400)" \
	as_user cat "$MNT/class/zram-control/hot_add"
eq "no device was added by the refused hot_add" "zram0" "$(ls "$MNT/dev" | xargs)"
eq "disksize unchanged" 16777216 "$(cat "$z/disksize")"
eq "still initialised" 1 "$(cat "$z/initstate")"
finish
