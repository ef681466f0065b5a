#!/bin/bash
# daemonset.sh - node-wide swap from a zramfs container, as the DaemonSet
# in etc/kubernetes/ runs it, with namespaces playing the container.
# The entrypoint mounts on an rshared volume (a hostPath with Bidirectional
# propagation: the node sees the mount), initialises zram0 and runs
# ZRAMFS_SETUP="zramfs-swap start"; the readiness probe is
# "zramfs-swap status"; the preStop hook is "zramfs-swap stop".
#  - SIGTERM while swap is on: refused, swap keeps being served; once the
#    hook has swapped off and detached, the container exits by itself.
#  - Kubernetes' order (preStop, then SIGTERM): a clean exit, no refusal.
#  - a failing ZRAMFS_SETUP stops the container with an error, unmounted.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/test/container_lib.sh"

STATE=$T/swap.loop
ENVS=(ZRAMFS_ALGORITHM=zstd ZRAMFS_DISKSIZE=64M ZRAMFS_SWAP_STATE="$STATE"
      ZRAMFS_SWAP_PRIORITY=1 "ZRAMFS_SETUP=$EP/zramfs-swap start")
# kubelet runs hooks and probes in the container, with its environment
hook() { sc env ZRAMFS_MNT="$ZM" ZRAMFS_SWAP_STATE="$STATE" "$EP/zramfs-swap" "$@"; }
ready() {
	local i
	for i in $(seq 100); do
		hook status && return 0
		sleep 0.1
	done
	return 1
}
# the swap device, recorded for cleanup as soon as it exists
record() {
	DEV=$(cat "$STATE" 2>/dev/null)
	[ -n "$DEV" ] || return 1
	SWAPS+=("$DEV")
	LOOPS+=("$DEV")
}
forget() { SWAPS=() LOOPS=(); }

setup_volume || finish

start_sidecar "${ENVS[@]}" || { fail "mount"; finish; }
ok "readiness probe passes once swap is on" ready
record
ok "swap on the loop device over zram0" grep -q "^$DEV " /proc/swaps
ok "the node sees the mount (Bidirectional)" is_mounted "$ZM"
ok "loop device: direct I/O, 4096-byte sectors" \
	test "$(losetup -nO DIO,LOG-SEC "$DEV" | xargs)" = "1 4096"
ok "zram0: zstd" grep -q '\[zstd\]' "$ZM/block/zram0/comp_algorithm"

before=$(refusals)
kill -TERM "$SC_INIT"
for _ in $(seq 50); do [ "$(refusals)" -gt "$before" ] && break; sleep 0.1; done
ok "SIGTERM while swap is on: refused, logged" test "$(refusals)" -gt "$before"
ok "still running" kill -0 "$SC_INIT"
ok "swap still on" grep -q "^$DEV " /proc/swaps
ok "still ready" hook status
ok "preStop hook: swap off, detached" hook stop
forget
notok "swap gone" grep -q "^$DEV " /proc/swaps
notok "loop device detached" losetup "$DEV"
notok "readiness probe fails" hook status
if sidecar_exited 10; then
	pass "the container exits by itself once swap is off"
	eq "exit status" 0 "$SC_RC"
else
	fail "still running 10 s after the preStop hook"
fi
eq "the node's mount is gone" 0 "$(host_mounts)"

# Kubernetes' order: preStop first, then SIGTERM
start_sidecar "${ENVS[@]}" || { fail "second mount"; finish; }
ok "second start: ready" ready
record
before=$(refusals)
ok "preStop hook" hook stop
forget
ok "preStop hook again: nothing left to undo" hook stop
t0=$SECONDS
kill -TERM "$SC_INIT"
if sidecar_exited 10; then
	pass "SIGTERM after preStop: exits ($((SECONDS - t0))s)"
	eq "exit status" 0 "$SC_RC"
else
	fail "SIGTERM after preStop: still running"
fi
eq "no refusal" "$before" "$(refusals)"
eq "the node's mount is gone" 0 "$(host_mounts)"

# a setup that fails stops the container, unmounted
(run_in_cg "$SCG" unshare -m -p -f --propagation unchanged --kill-child=SIGKILL \
	env ZRAMFS_MNT="$ZM" ZRAMFS_BIN="$ZRAMFS" ZRAMFS_DISKSIZE=16M \
	ZRAMFS_SETUP=false "$EP/entrypoint.sh" ${ZRAMFS_TEST_OPTS:-} \
	2>>"$T/daemon.log") &
SC_PID=$!
read -r SC_INIT _ < <(sleep 0.5; cat "/proc/$SC_PID/task/$SC_PID/children" 2>/dev/null)
if sidecar_exited 15; then
	eq "failing setup: exit status 1" 1 "$SC_RC"
else
	fail "failing setup: still running"
fi
ok "failing setup: logged" grep -q "setup failed: false" "$T/daemon.log"
eq "failing setup: unmounted" 0 "$(host_mounts)"
finish
