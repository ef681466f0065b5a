#!/bin/bash
# capabilities.sh - what the daemon and its users lose without each
# capability, as doc/containers.md tells it (measured here, by dropping the
# capability from the bounding set before exec, as a container runtime
# does):
#  - CAP_SYS_RESOURCE: no PR_SET_IO_FLUSHER, no lower oom_score_adj; logged
#    once each, the daemon serves;
#  - CAP_IPC_LOCK (with an 8 MiB RLIMIT_MEMLOCK): mlockall fails, logged,
#    nothing locked, the daemon serves;
#  - CAP_SYS_ADMIN: no mount at all (libfuse falls back to the setuid
#    fusermount3, which cannot gain it either);
#  - a workload without CAP_SYS_ADMIN attaches and detaches a loop device
#    (device access is enough) but cannot swapon or mount it; one without
#    any capability reads and writes the image file.
. "$(dirname "$0")/../lib.sh"

# run the daemon with CAPS dropped (setpriv syntax: -cap,-cap)
start_without() {
	local drop=$1; shift
	: > "$T/daemon.log"
	prlimit --memlock=8388608:8388608 setpriv --bounding-set "$drop" \
		--inh-caps "$drop" -- "$ZRAMFS" -f ${ZRAMFS_TEST_OPTS:-} "$@" "$MNT" \
		2>>"$T/daemon.log" &
	DPID=$!
	for _ in $(seq 50); do
		is_mounted "$MNT" && [ -d "$MNT/block" ] && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
status_of() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$DPID/status"; }
serves() {
	echo 16M > "$MNT/block/zram0/disksize" &&
	dd if=/dev/urandom of="$MNT/dev/zram0" bs=1M count=4 oflag=direct status=none &&
	dd if="$MNT/dev/zram0" of=/dev/null bs=1M count=4 iflag=direct status=none
}
mlocked=1
case " ${ZRAMFS_TEST_OPTS:-} " in *no_mlock*) mlocked=0 ;; esac

# CAP_SYS_RESOURCE (root on these machines lacks it already)
start_without -sys_resource || { fail "mount without CAP_SYS_RESOURCE"; finish; }
ok "no CAP_SYS_RESOURCE: PR_SET_IO_FLUSHER refusal logged" \
	grep -q "PR_SET_IO_FLUSHER refused (Operation not permitted)" "$T/daemon.log"
ok "no CAP_SYS_RESOURCE: oom_score_adj refusal logged" \
	grep -q "cannot lower oom_score_adj: Permission denied" "$T/daemon.log"
eq "no CAP_SYS_RESOURCE: oom_score_adj unchanged" 0 "$(cat "/proc/$DPID/oom_score_adj")"
if [ $mlocked = 1 ]; then
	ok "with CAP_IPC_LOCK: memory locked (VmLck > 0)" test "$(status_of VmLck)" -gt 0
	notok "with CAP_IPC_LOCK: no mlockall failure" grep -q "mlockall failed" "$T/daemon.log"
fi
ok "no CAP_SYS_RESOURCE: serves" serves
stop_zramfs

# CAP_IPC_LOCK
if [ $mlocked = 1 ]; then
	start_without -sys_resource,-ipc_lock || { fail "mount without CAP_IPC_LOCK"; finish; }
	ok "no CAP_IPC_LOCK: mlockall failure logged" \
		grep -q "mlockall failed: Cannot allocate memory" "$T/daemon.log"
	eq "no CAP_IPC_LOCK: nothing locked" 0 "$(status_of VmLck)"
	ok "no CAP_IPC_LOCK: serves" serves
	stop_zramfs
fi

# CAP_SYS_ADMIN
if start_without -sys_admin; then
	fail "mounted without CAP_SYS_ADMIN"
	stop_zramfs
else
	pass "no CAP_SYS_ADMIN: no mount"
	ok "no CAP_SYS_ADMIN: fusermount3's refusal logged" \
		grep -q "fusermount3: mount failed: Operation not permitted" "$T/daemon.log"
	wait "$DPID"
	eq "no CAP_SYS_ADMIN: the daemon exits 1" 1 "$?"
	DPID=""
fi
notok "no CAP_SYS_ADMIN: nothing mounted" is_mounted "$MNT"

# the workload's side
start_zramfs || { fail "mount"; finish; }
echo 16M > "$MNT/block/zram0/disksize"
nocap() { setpriv --bounding-set -all --inh-caps -all -- "$@"; }
noadmin() { setpriv --bounding-set -sys_admin --inh-caps -sys_admin -- "$@"; }
ok "no capabilities: write the image" nocap dd if=/dev/urandom \
	of="$MNT/dev/zram0" bs=1M count=2 oflag=direct conv=notrunc status=none
ok "no capabilities: read the image" nocap dd if="$MNT/dev/zram0" \
	of=/dev/null bs=1M count=2 iflag=direct status=none
DEV=$(noadmin losetup --direct-io=on --sector-size 4096 -f --show "$MNT/dev/zram0")
[ -b "$DEV" ] && LOOPS+=("$DEV")
ok "no CAP_SYS_ADMIN: losetup attaches" test -b "$DEV"
ok "no CAP_SYS_ADMIN: mkswap" noadmin mkswap "$DEV"
out=$(noadmin swapon "$DEV" 2>&1)
rc=$?
[ $rc = 0 ] && SWAPS+=("$DEV")
ok "no CAP_SYS_ADMIN: swapon refused ($out)" \
	test $rc != 0 -a -n "$(grep 'Operation not permitted' <<< "$out")"
mkdir -p "$T/fs"
mkfs.ext4 -q -F "$DEV" 2>/dev/null
out=$(noadmin mount "$DEV" "$T/fs" 2>&1)
rc=$?
[ $rc = 0 ] && MOUNTS+=("$T/fs")
ok "no CAP_SYS_ADMIN: mount refused" test $rc != 0 -a -n "$(grep -i 'permission denied' <<< "$out")"
if noadmin losetup -d "$DEV"; then
	pass "no CAP_SYS_ADMIN: losetup -d"
	LOOPS=()
else
	fail "no CAP_SYS_ADMIN: losetup -d"
fi
finish
