#!/bin/bash
# mountpoint.sh - what the daemon checks before it mounts: not a directory
# or missing (refused, with every bad -o option reported in the same run),
# a live zramfs already mounted there or a path inside a zramfs mount
# (refused, naming what is there: a second zramfs must not hide a live
# one), another filesystem there (mounted over, as a Kubernetes volume
# is; a warning if it holds files), non-empty (a warning); a dead zramfs
# mount left by a killed daemon is lazily unmounted and the path used
# again.
. "$(dirname "$0")/../lib.sh"

# zramfs_once ARGS...: run the daemon in the foreground, 10 s at most;
# its stderr in $T/once.err; exit status in $rc.  A run that mounted
# (which it should not) is unmounted at once by the path it was given.
zramfs_once() {
	timeout -k 5 10 "$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -f -o mem_cap=0 "$@" 2>"$T/once.err" &
	local pid=$!
	sleep 1
	if kill -0 "$pid" 2>/dev/null; then
		echo "still running: it mounted" >> "$T/once.err"
		fusermount3 -u "${@: -1}" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
}
has() { grep -qF -- "$1" "$T/once.err"; }
# the number of mounts at exactly DIR
mounts_at() { awk -v m="$1" '$5 == m' /proc/self/mountinfo | wc -l; }

# -- not a directory, missing, and every error at once ---------------------
echo data > "$T/file"
zramfs_once "$T/file"
ok "a regular file is refused" test "$rc" -ne 0
ok "... saying it is not a directory" has "mountpoint $T/file is not a directory"
eq "... and nothing is mounted over the file" 0 "$(mounts_at "$T/file")"
eq "... which still reads as before" data "$(cat "$T/file")"

zramfs_once "$T/nonexistent"
ok "a missing directory is refused" test "$rc" -ne 0
ok "... naming it" has "mountpoint $T/nonexistent: No such file or directory"

zramfs_once -o threads=0,num_devices=x,max_io=3K,bogus_option "$T/nonexistent"
ok "bad options and a missing mountpoint: refused" test "$rc" -ne 0
ok "... threads reported" has "bad option threads=0"
ok "... num_devices reported" has "bad option num_devices=x"
ok "... max_io reported" has "bad option max_io=3K"
ok "... the unknown option reported" has "bogus_option"
ok "... and the mountpoint too" has "mountpoint $T/nonexistent: No such file or directory"

timeout 10 "$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -f -o threads=0 2>"$T/once.err"
ok "a bad option without a mountpoint: refused" test $? -ne 0
ok "... the option reported" has "bad option threads=0"
ok "... and the missing mountpoint" has "no mountpoint given"

# -- a live mount is not hidden --------------------------------------------
need start_zramfs
echo 16M > "$B/disksize"
head -c 1M /dev/urandom > "$T/data"
dwrite "$IMG" if="$T/data" bs=1M
need attach "$IMG"

zramfs_once "$MNT"
ok "a second zramfs on a live one is refused" test "$rc" -ne 0
ok "... naming what is mounted there" \
	has "mountpoint $MNT is already a mount point: zramfs (fuse.zramfs) is mounted there"
eq "... one mount at the path" 1 "$(mounts_at "$MNT")"
eq "... the live image still reads" "$(sha "$T/data")" "$(dsha "$DEV" bs=1M count=1)"
eq "... and still shows one device" zram0 "$(lsj "$MNT/dev")"

zramfs_once "$MNT/block"
ok "a mountpoint inside a zramfs mount is refused" test "$rc" -ne 0
ok "... naming the mount it is in" has "mountpoint $MNT/block is inside the zramfs mount at $MNT"
eq "... nothing mounted there" 0 "$(mounts_at "$MNT/block")"

ok "detach" detach "$DEV"
stop_zramfs

# -- another filesystem there: mounted over (a Kubernetes volume is one) ----
mkdir -p "$T/vol"
if mount --bind "$T/vol" "$T/vol"; then
	MOUNTS+=("$T/vol")
	zramfs_once "$T/vol"
	ok "an empty volume (a bind mount) is mounted over" has "still running: it mounted"
	notok "... without a warning" has "warning"
	touch "$T/vol/a"
	zramfs_once "$T/vol"
	ok "a volume holding files is mounted over" has "still running: it mounted"
	ok "... with a warning naming it" \
		has "warning: mountpoint $T/vol is a mount point of"
	do_umount "$T/vol"
else
	fail "cannot bind-mount a volume for the test"
fi

# -- a non-empty directory: a warning, then mounted ------------------------
touch "$MNT/hidden1" "$MNT/hidden2"
need start_zramfs
ok "a non-empty directory is mounted over" test -d "$MNT/block/zram0"
ok "... with a warning" \
	grep -qF "warning: mountpoint $MNT is not empty: its 2 entries are hidden" "$T/daemon.log"
stop_zramfs
rm -f "$MNT/hidden1" "$MNT/hidden2"

# -- a dead zramfs mount is cleared -----------------------------------------
need start_zramfs
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
out=$(stat "$MNT" 2>&1)
case $out in
*"Transport endpoint is not connected"*) pass "after SIGKILL the mount is dead" ;;
*) fail "after SIGKILL the mount is dead: stat said '$out'" ;;
esac
eq "the dead mount is in the table" 1 "$(mounts_at "$MNT")"

zramfs_once "$MNT/block"
ok "inside a dead zramfs mount: refused" test "$rc" -ne 0
ok "... saying the mount is dead" has "inside the dead mount at $MNT"

zramfs_once -o threads=0 "$MNT"
ok "a bad option with a dead mount: refused" test "$rc" -ne 0
ok "... and the dead mount left for a good start" \
	has "a dead zramfs mount is there (its daemon is gone): it will be removed"
eq "... still there" 1 "$(mounts_at "$MNT")"

: > "$T/daemon.log"
need start_zramfs
ok "a new daemon starts over the dead mount" test -d "$MNT/block/zram0"
ok "... saying it removed it" \
	grep -qF "$MNT: removed a dead zramfs mount" "$T/daemon.log"
eq "... one mount at the path, the live one" 1 "$(mounts_at "$MNT")"
echo 8M > "$B/disksize"
eq "... which works" 8388608 "$(cat "$B/disksize")"
stop_zramfs
eq "after stop no mount is left" 0 "$(mounts_at "$MNT")"
finish
