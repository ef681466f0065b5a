#!/bin/bash
# sidecar.sh - the container sidecar of doc/containers.md, with namespaces
# playing the containers (no container engine here).
#
# The sidecar: etc/container/entrypoint.sh as PID 1 of its own PID and
# mount namespaces, in its own 512M memory cgroup, mounting zramfs at
# $VOL/zramfs, where $VOL is an rshared mount (Kubernetes' Bidirectional).
# The workload: a mount namespace whose mounts are slaves of ours
# (HostToContainer), made before any sidecar mounts, with a /dev of its own
# as a container has (no loop device nodes).
#
#  1. clean: the workload writes and verifies the image directly with no
#     capabilities at all, then through a loop device and ext4, reads stats
#     as a non-root user (allow_other), detaches; the sidecar then stops on
#     the first SIGTERM and the mount leaves both namespaces.
#  2. pod deletion (both get SIGTERM at once): the sidecar refuses while the
#     workload's loop device is attached, keeps serving, and exits cleanly
#     within seconds of the workload detaching.
#  3. the sidecar SIGKILLed first: the workload's I/O fails with an error
#     (open fd, new open, loop device) and never hangs; a restarted sidecar
#     clears the dead mount by its path and mounts again on the same path.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/test/container_lib.sh"

chmod 755 "$T"	# other users reach $ZM through it (allow_other test)
head -c 8M /dev/urandom > "$T/data"
want=$(sha256sum < "$T/data" | cut -d' ' -f1)

setup_volume || finish
setup_workload || finish
mkdir -p "$T/wlfs"
cgpath=${SCG#/sys/fs/cgroup}
cgpath=${cgpath#/memory}

# -- 1. clean run ----------------------------------------------------------
start_sidecar ZRAMFS_ALGORITHM=zstd ZRAMFS_DISKSIZE=64M -- -o allow_other ||
	{ fail "sidecar mount"; finish; }
z=$ZM/block/zram0
pass "sidecar's mount propagates to us and to the workload (made before it)"
eq "sidecar is PID 1 of its namespace" 1 \
	"$(awk '/^NSpid:/ {print $NF}' "/proc/$SC_INIT/status")"
eq "sidecar in its memory cgroup" "$cgpath" "$(mem_cg_of "$SC_INIT")"
eq "entrypoint set zram0 up: disksize" 67108864 "$(wl cat "$z/disksize")"
ok "entrypoint set zram0 up: zstd" grep -q '\[zstd\]' "$z/comp_algorithm"
# 512M less 1/8: writes fail before the cgroup's OOM killer is reached
eq "mem_limit defaults below the 512M cgroup limit" 469762048 "$(field "$z/mm_stat" 4)"
ok "daemon logged the cap" grep -q "memory cgroup limit 512 MiB" "$T/daemon.log"

eq "the workload runs with no capabilities" 0000000000000000 \
	"$(wl_nocaps awk '/^CapEff/ {print $2}' /proc/self/status)"
ok "direct: write the image with no capabilities" \
	wl_nocaps dd if="$T/data" of="$IMG" bs=1M oflag=direct conv=notrunc,fsync status=none
eq "direct: read back, verified" "$want" \
	"$(wl_nocaps dd if="$IMG" bs=1M count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
eq "direct: orig_data_size 8 MiB" 8388608 "$(wl_nocaps awk '{print $1}' "$z/mm_stat")"

eq "the workload's /dev has no loop device node" "" \
	"$(wl sh -c 'ls /dev | grep "^loop[0-9]"')"
DEV=$(wl "$EP/zramfs-attach" "$IMG")
[ -b "$DEV" ] && LOOPS+=("$DEV")
ok "loop: attached in the workload, node made in its /dev" wl test -b "$DEV"
ok "loop: direct I/O, 4096-byte sectors" \
	test "$(losetup -nO DIO,LOG-SEC "$DEV" | xargs)" = "1 4096"
eq "loop: the image's data read through the loop device" "$want" \
	"$(wl dd if="$DEV" bs=1M count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
ok "loop: write at 16M through the loop device" \
	wl dd if="$T/data" of="$DEV" bs=1M seek=16 oflag=direct status=none
eq "loop: seen through the image file" "$want" \
	"$(wl_nocaps dd if="$IMG" bs=1M skip=16 count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
ok "loop: ext4 made and mounted in the workload" \
	wl sh -c "mkfs.ext4 -q -F $DEV && mount -o discard $DEV $T/wlfs"
ok "loop: file written and verified on ext4" wl sh -c \
	"cp $T/data $T/wlfs/f && sync && echo 3 > /proc/sys/vm/drop_caches &&
	 test \"\$(sha256sum < $T/wlfs/f | cut -d' ' -f1)\" = $want"
eq "loop: the workload's ext4 mount stays in its namespace" "" \
	"$(awk -v m="$T/wlfs" '$2 == m' /proc/mounts)"

ok "non-root workload reads mm_stat through allow_other" wl_user cat "$z/mm_stat"
ok "non-root workload reads initstate through allow_other" wl_user cat "$z/initstate"
notok "non-root workload cannot open the image (0600)" \
	wl_user dd if="$IMG" of=/dev/null bs=4k count=1 iflag=direct status=none
notok "non-root workload cannot reset" wl_user sh -c "echo 1 > $z/reset"

# the workload ends first: its own shutdown detaches what it attached
ok "workload: umount ext4" wl umount "$T/wlfs"
ok "workload: detach" detach "$DEV"
before=$(refusals)
t0=$SECONDS
kill -TERM "$SC_INIT"
if sidecar_exited 10; then
	pass "idle sidecar stops on SIGTERM ($((SECONDS - t0))s)"
	eq "sidecar exit status" 0 "$SC_RC"
else
	fail "idle sidecar did not stop on SIGTERM: $(tail -3 "$T/daemon.log")"
fi
eq "no refusal logged" "$before" "$(refusals)"
eq "mount gone from our namespace" 0 "$(host_mounts)"
eq "mount gone from the workload's namespace" 0 "$(wl_mounts)"

# -- 2. pod deletion: both containers get SIGTERM at once -----------------
start_sidecar ZRAMFS_DISKSIZE=64M || { fail "second sidecar"; finish; }
DEV=$(wl "$EP/zramfs-attach" "$IMG")
[ -b "$DEV" ] && LOOPS+=("$DEV")
wl dd if="$T/data" of="$DEV" bs=1M oflag=direct status=none
before=$(refusals)
kill -TERM "$SC_INIT"
for _ in $(seq 50); do [ "$(refusals)" -gt "$before" ] && break; sleep 0.1; done
ok "SIGTERM while the workload's loop device is attached: refused, logged" \
	test "$(refusals)" -gt "$before"
# the entrypoint's retries come and are refused too
for _ in $(seq 50); do [ "$(refusals)" -ge $((before + 2)) ] && break; sleep 0.1; done
ok "the entrypoint sent SIGTERM again, refused again" test "$(refusals)" -ge $((before + 2))
ok "sidecar still running" kill -0 "$SC_INIT"
eq "sidecar still mounted" 1 "$(host_mounts)"
eq "still serving the workload" "$want" \
	"$(wl dd if="$DEV" bs=1M count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
# the workload's SIGTERM handler detaches; the sidecar follows by itself
ok "workload detaches" detach "$DEV"
t0=$SECONDS
if sidecar_exited 10; then
	pass "sidecar exits once the workload let go ($((SECONDS - t0))s after)"
	eq "sidecar exit status" 0 "$SC_RC"
else
	fail "sidecar still running 10s after the workload detached"
fi
eq "mount gone from our namespace" 0 "$(host_mounts)"
eq "mount gone from the workload's namespace" 0 "$(wl_mounts)"

# -- 3. the sidecar is killed first --------------------------------------
start_sidecar ZRAMFS_DISKSIZE=64M || { fail "third sidecar"; finish; }
wl_nocaps dd if="$T/data" of="$IMG" bs=1M oflag=direct conv=notrunc status=none
DEV=$(wl "$EP/zramfs-attach" "$IMG")
[ -b "$DEV" ] && LOOPS+=("$DEV")
# a program holding the image open across the kill
rm -f "$T/ready" "$T/go"
timeout 60 nsenter -t "$WL" -m -- /usr/bin/python3 - "$IMG" "$T/ready" "$T/go" \
	> "$T/holder.out" 2>&1 <<'PY' &
import errno, mmap, os, sys, time
img, ready, go = sys.argv[1:4]
fd = os.open(img, os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
os.preadv(fd, [buf], 0)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
for name, op in (("read", os.preadv), ("write", os.pwritev)):
    try:
        op(fd, [buf], 0)
        print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
PY
BG+=($!)
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
ok "a workload program holds the image open" test -e "$T/ready"
kill -KILL "$SC_INIT"
ok "SIGKILLed sidecar is gone" sidecar_exited 10
touch "$T/go"
wait "${BG[-1]}"
rc=$?
unset 'BG[-1]'
echo "open fd after the kill: $(xargs < "$T/holder.out")"
ok "open fd: I/O returned (no hang) after the kill" test $rc = 0
ok "open fd: read fails with an error" grep -Eq '^read (ENOTCONN|EIO)$' "$T/holder.out"
ok "open fd: write fails with an error" grep -Eq '^write (ENOTCONN|EIO)$' "$T/holder.out"
out=$(timeout 20 nsenter -t "$WL" -m -- dd if="$IMG" of=/dev/null bs=4k count=1 iflag=direct 2>&1)
rc=$?
echo "new open: rc $rc: $out"
ok "new open fails with ENOTCONN, no hang" \
	test $rc != 124 -a $rc != 0 -a -n "$(grep 'not connected' <<< "$out")"
out=$(timeout 20 nsenter -t "$WL" -m -- dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct 2>&1)
rc=$?
echo "loop device: rc $rc: $out"
ok "loop device I/O fails with EIO, no hang" \
	test $rc != 124 -a $rc != 0 -a -n "$(grep 'Input/output error' <<< "$out")"
eq "the dead mount stays (ours)" 1 "$(host_mounts)"
eq "the dead mount stays (workload's)" 1 "$(wl_mounts)"
notok "the dead mount: stat fails" stat "$ZM/block"

# the orchestrator restarts the sidecar: the entrypoint clears the dead
# mount by its path and mounts on the same path
start_sidecar ZRAMFS_DISKSIZE=64M || { fail "restarted sidecar"; finish; }
ok "restart: dead mount removed (logged)" grep -q "removing the dead zramfs mount at $ZM" "$T/daemon.log"
eq "restart: one mount at the path (ours)" 1 "$(host_mounts)"
eq "restart: one mount at the path (workload's)" 1 "$(wl_mounts)"
eq "restart: the workload sees a fresh, initialised device" 1 "$(wl cat "$ZM/block/zram0/initstate")"
eq "restart: nothing stored yet (RAM: the old contents are gone)" 0 \
	"$(field "$ZM/block/zram0/mm_stat" 1)"
ok "restart: the workload detaches its dead loop device" detach "$DEV"
DEV=$(wl "$EP/zramfs-attach" "$IMG")
[ -b "$DEV" ] && LOOPS+=("$DEV")
ok "restart: write through a new loop device" \
	wl dd if="$T/data" of="$DEV" bs=1M oflag=direct status=none
eq "restart: read back, verified" "$want" \
	"$(wl dd if="$DEV" bs=1M count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
ok "restart: detach" detach "$DEV"
kill -TERM "$SC_INIT"
if sidecar_exited 10; then
	eq "restart: sidecar stops cleanly" 0 "$SC_RC"
else
	fail "restart: sidecar did not stop"
fi
eq "mount gone from our namespace" 0 "$(host_mounts)"
eq "mount gone from the workload's namespace" 0 "$(wl_mounts)"
finish
