#!/bin/bash
# permissions.sh - modes are enforced for non-root users (default_permissions)
# and other users get no access at all unless allow_other was asked for.
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
eq "disksize unchanged" 16777216 "$(cat "$B/disksize")"
eq "still initialised" 1 "$(cat "$B/initstate")"
finish
