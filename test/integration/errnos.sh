#!/bin/bash
# errnos.sh - the tree cannot be changed except by hot_add/hot_remove, and
# the refusals carry sysfs's errnos (the VFS answers for kernfs, which has
# none of these operations): creating a file by open(O_CREAT) is EACCES,
# mkdir, mknod, symlink, link, unlink, rename and rmdir are EPERM.
. "$(dirname "$0")/../lib.sh"

need start_zramfs
echo 16M > "$B/disksize"

# errno of a command: the text after its last ": "
err() { local out; out=$("$@" 2>&1) && { echo success; return; }; echo "${out##*: }"; }
# pyerr CODE ARGS...: run python CODE (sys.argv[1:] = ARGS), print the errno text
pyerr() {
	local code=$1; shift
	python3 -c "import os, sys
try:
    $code
    print('success')
except OSError as e:
    print(os.strerror(e.errno))" "$@"
}
EPERM="Operation not permitted" EACCES="Permission denied"

before=$(cd "$MNT" && find . | sort | md5sum)
eq "create (touch) a new file: EACCES" "$EACCES" "$(err touch "$B/newfile")"
eq "create in the root: EACCES" "$EACCES" "$(err touch "$MNT/newfile")"
eq "O_CREAT|O_EXCL of a new name: EACCES" "$EACCES" \
	"$(pyerr 'os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY)' \
	"$MNT/dev/zram9")"
eq "mkdir: EPERM" "$EPERM" "$(err mkdir "$MNT/block/zram7")"
eq "mkdir in the root: EPERM" "$EPERM" "$(err mkdir "$MNT/x")"
eq "mknod (fifo): EPERM" "$EPERM" "$(err mknod "$B/fifo" p)"
eq "symlink: EPERM" "$EPERM" "$(err ln -s disksize "$B/link")"
eq "hard link: EPERM" "$EPERM" "$(err ln "$B/disksize" "$B/hard")"
eq "unlink a control file: EPERM" "$EPERM" "$(err rm -f "$B/disksize")"
eq "unlink the image: EPERM" "$EPERM" "$(err rm -f "$IMG")"
eq "rename a control file: EPERM" "$EPERM" "$(err mv "$B/disksize" "$B/size2")"
eq "rename a device dir: EPERM" "$EPERM" \
	"$(pyerr 'os.rename(sys.argv[1], sys.argv[2])' "$B" "$MNT/block/zram5")"
eq "rmdir a device dir: EPERM" "$EPERM" "$(err rmdir "$B")"
eq "rmdir a fixed dir: EPERM" "$EPERM" "$(err rmdir "$MNT/debug")"
eq "the tree is unchanged" "$before" "$(cd "$MNT" && find . | sort | md5sum)"
eq "the device is untouched" 16777216 "$(cat "$B/disksize")"
finish
