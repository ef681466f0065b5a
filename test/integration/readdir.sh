#!/bin/bash
# readdir.sh - what readdir reports agrees with what lookup and stat see:
# "." is the directory itself, ".." its parent (/block for /block/zramN,
# /class for /class/zram-control, not the root), every other entry's
# d_ino the inode stat gives that name; a device added later is listed
# the same way.
. "$(dirname "$0")/../lib.sh"

# dirents DIR: "NAME INO" per entry, d_ino exactly as readdir(3) returns
# it (ls -i and stat resolve "." and ".." by path instead)
dirents() {
	python3 - "$1" <<'PY'
import ctypes, sys

class Dirent(ctypes.Structure):
    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64),
                ("d_reclen", ctypes.c_ushort), ("d_type", ctypes.c_ubyte),
                ("d_name", ctypes.c_char * 256)]

libc = ctypes.CDLL(None, use_errno=True)
libc.opendir.restype = ctypes.c_void_p
libc.opendir.argtypes = [ctypes.c_char_p]
libc.readdir64.restype = ctypes.POINTER(Dirent)
libc.readdir64.argtypes = [ctypes.c_void_p]
libc.closedir.argtypes = [ctypes.c_void_p]
d = libc.opendir(sys.argv[1].encode())
if not d:
    sys.exit("opendir %s: errno %d" % (sys.argv[1], ctypes.get_errno()))
while True:
    e = libc.readdir64(d)
    if not e:
        break
    print(e.contents.d_name.decode(), e.contents.d_ino)
libc.closedir(d)
PY
}

# check DIR: ".", ".." and every entry against stat (the root's ".."
# lies outside the mount: the daemon cannot know it)
check() {
	local d=$MNT/$1 out name ino bad=""
	out=$(dirents "$d") || { fail "$1: readdir: $out"; return; }
	eq "$1: . is the directory" "$(stat -c %i "$d")" \
		"$(awk '$1 == "." {print $2}' <<<"$out")"
	[ "$1" = . ] ||
	eq "$1: .. is the parent" "$(stat -c %i "$d/..")" \
		"$(awk '$1 == ".." {print $2}' <<<"$out")"
	while read -r name ino; do
		case $name in .|..) continue ;; esac
		[ "$(stat -c %i "$d/$name")" = "$ino" ] || bad+=" $name"
	done <<<"$out"
	eq "$1: every entry's d_ino is its inode" "" "$bad"
}

start_zramfs -o num_devices=2 || { fail "mount"; finish; }
eq "/block/zram0/.. is /block by path" "$(stat -c %i "$MNT/block")" \
	"$(stat -c %i "$MNT/block/zram0/..")"
check .
check dev
check block
check class
check class/zram-control
check block/zram0
check block/zram1
id=$(cat "$MNT/class/zram-control/hot_add")
eq "hot_add gives zram2" 2 "$id"
check block/zram$id
check block
echo "$id" > "$MNT/class/zram-control/hot_remove"
check block
finish
