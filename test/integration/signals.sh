#!/bin/bash
# signals.sh - SIGTERM/SIGINT while an image is open must not drop data:
# the daemon refuses, says which device is busy, keeps serving; once no
# image is open the same signal exits cleanly and unmounts.
. "$(dirname "$0")/../lib.sh"

need start_zramfs
echo 64M > "$B/disksize"
head -c 4M /dev/urandom > "$T/data"
dwrite "$IMG" if="$T/data" bs=1M
need attach "$IMG"
dev=$DEV

# the refusal is logged once the daemon has waited 1 s for releases
refusals() { grep -c "$1: not exiting: image open on zram0" "$T/daemon.log"; }
for sig in TERM INT; do
	case $sig in TERM) name=Terminated ;; INT) name=Interrupt ;; esac
	before=$(refusals $name)
	kill -s $sig "$DPID"
	for _ in $(seq 50); do
		[ "$(refusals $name)" -gt "$before" ] && break
		sleep 0.1
	done
	ok "SIG$sig while attached: busy device named in the log" \
		test "$(refusals $name)" -gt "$before"
	ok "SIG$sig while attached: daemon still alive" kill -0 "$DPID"
	ok "SIG$sig while attached: still mounted" is_mounted "$MNT"
	eq "SIG$sig while attached: data intact through the loop device" \
		"$(sha "$T/data")" \
		"$(dsha "$dev" bs=1M count=4)"
done
ok "new writes still served" dd if=/dev/zero of="$dev" bs=1M count=1 seek=8 oflag=direct status=none
ok "detach" detach "$dev"

# at once: the kernel may not have sent the image's RELEASE yet
kill -TERM "$DPID"
for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DPID" 2>/dev/null; then
	fail "SIGTERM when idle: daemon exited: $(tail -1 "$T/daemon.log")"
	stop_zramfs
else
	pass "SIGTERM when idle: daemon exited"
	wait "$DPID"
	eq "SIGTERM when idle: exit status 0" 0 "$?"
	notok "SIGTERM when idle: unmounted" is_mounted "$MNT"
fi
DPID=""

# unmount of an idle mount ends the daemon too
need start_zramfs
echo 16M > "$B/disksize"
attach "$IMG"
dev=$DEV
notok "fusermount -u refused while an image is attached" fusermount3 -u "$MNT"
ok "detach" detach "$dev"
ok "fusermount -u when idle" fusermount3 -u "$MNT"
for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
notok "daemon gone after unmount" kill -0 "$DPID"
DPID=""
finish
