# container_lib.sh - namespaces playing containers, for the tests of
# doc/containers.md (source it after lib.sh; bash).  No container engine
# is needed: a "container" is a process in namespaces of its own.
#
#   setup_volume           $VOL: a mount of its own, shared (Kubernetes'
#                          Bidirectional is rshared); $SCG: a 512M memory
#                          cgroup for the sidecar
#   setup_workload         $WL: a process holding a mount namespace whose
#                          mounts are slaves of ours (HostToContainer), with
#                          a /dev of its own as a container has (no loop
#                          device nodes); wl CMD... runs CMD in it
#   start_sidecar [ENV=V...] [-- zramfs options]
#                          etc/container/entrypoint.sh as PID 1 of new PID and
#                          mount namespaces in $SCG, mounting at $ZM; returns
#                          once the mount is seen here (and in the workload;
#                          with ZRAMFS_DISKSIZE, once zram0 is initialised).
#                          $SC_PID: its unshare; $SC_INIT: its PID 1.
#                          With $SC_ROOT (an image's files, a private
#                          mount): chrooted there, its /vol the volume,
#                          the image's entrypoint and daemon
#   sidecar_exited SECS    0 once it has exited (status in $SC_RC)
#   stop_sidecar           SIGTERM, and SIGKILL if it stays 15 s
#
# Cleanup, in the EXIT trap before lib.sh's: processes started here (by
# pid), the workload namespace (its mounts go with it), loop devices, the
# sidecar, and a dead mount left at $ZM (that exact path, lazily).
EP=$ROOT/etc/container
VOL=$T/vol
ZM=$VOL/zramfs
IMG=$ZM/dev/zram0
SC_PID=""	# the sidecar's unshare, as started here
SC_INIT=""	# the sidecar's PID 1 (the entrypoint), seen from here
WL=""		# a process holding the workload's mount namespace
BG=()		# other processes started here
SCG=""
SC_ROOT=""	# set: start_sidecar runs the image whose root this is

_container_cleanup() {
	local p i
	for p in "${BG[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	# the workload's mounts (ext4, its /dev) go with its namespace
	if [ -n "$WL" ]; then kill -KILL "$WL" 2>/dev/null; wait "$WL" 2>/dev/null; fi
	for ((i = ${#SWAPS[@]} - 1; i >= 0; i--)); do
		timeout 120 swapoff "${SWAPS[i]}" 2>/dev/null
	done
	SWAPS=()
	for ((i = ${#LOOPS[@]} - 1; i >= 0; i--)); do
		timeout 30 losetup -d "${LOOPS[i]}" 2>/dev/null
	done
	LOOPS=()
	stop_sidecar 2>/dev/null
	# a killed sidecar leaves its mount behind: this exact path only
	is_mounted "$ZM" && timeout 30 umount -l "$ZM"
}
trap '_container_cleanup; _cleanup' EXIT

setup_volume() {
	mkdir -p "$VOL"
	mount --bind "$VOL" "$VOL" || { fail "bind the volume"; return 1; }
	MOUNTS+=("$VOL")
	mount --make-private "$VOL" && mount --make-shared "$VOL" ||
		{ fail "make the volume shared"; return 1; }
	mkcg "zramfs_test_sidecar_$$" 512M || { fail "memory cgroup"; return 1; }
	SCG=$CG
}

setup_workload() {
	unshare -m --propagation slave sleep 100000 &
	WL=$!
	for _ in $(seq 50); do
		[ "$(readlink "/proc/$WL/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
			break
		sleep 0.1
	done
	wl sh -c 'mount -t tmpfs -o mode=755 wl-dev /dev &&
		mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/urandom c 1 9 &&
		mknod -m 600 /dev/loop-control c 10 237' ||
		{ fail "workload namespace"; return 1; }
}

wl() { nsenter -t "$WL" -m -- "$@"; }
# root with no capabilities at all, as a container with "drop: [ALL]"
wl_nocaps() { wl setpriv --bounding-set -all --inh-caps -all -- "$@"; }
wl_user() { wl setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# in the sidecar's mount namespace, as kubelet runs a hook or a probe
sc() { nsenter -t "$SC_INIT" -m -- "$@"; }
# zramfs mounts at $ZM in our namespace / in the workload's
host_mounts() { awk -v m="$ZM" '$2 == m' /proc/mounts | grep -c .; }
wl_mounts() { awk -v m="$ZM" '$2 == m' "/proc/$WL/mounts" | grep -c .; }
# the memory cgroup of process $1, as the path under the hierarchy (v1 or v2)
mem_cg_of() {
	awk -F: '$2 ~ /(^|,)memory(,|$)/ {v1 = $3} $1 == 0 {v2 = $3}
		END {print (v1 != "" ? v1 : v2)}' "/proc/$1/cgroup"
}
refusals() { grep -c "not exiting: image open on zram0" "$T/daemon.log"; }

# propagation unchanged: $VOL stays a peer of ours, so the sidecar's mount
# reaches us and the workload
start_sidecar() {
	local envs=() cmd i init=0
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		# the entrypoint initialises zram0 after mounting: wait for it
		case $1 in ZRAMFS_DISKSIZE=*) init=1 ;; esac
		shift
	done
	[ "${1:-}" = -- ] && shift
	if [ -n "$SC_ROOT" ]; then
		# an image's root: /dev, /proc, /sys as a privileged container
		# has them, the volume at /vol, and the image's entrypoint
		cmd=(sh -c 'r=$1 v=$2; shift 2
			mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
			mount --rbind /sys "$r/sys" && mount --bind "$v" "$r/vol" &&
			exec chroot "$r" env -i ZRAMFS_MNT=/vol/zramfs \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"' \
			sh "$SC_ROOT" "$VOL" "${envs[@]}" /usr/local/bin/zramfs-entrypoint "$@")
	else
		cmd=(env ZRAMFS_MNT="$ZM" ZRAMFS_BIN="$ZRAMFS" "${envs[@]}"
			"$EP/entrypoint.sh" ${ZRAMFS_TEST_OPTS:-} "$@")
	fi
	(run_in_cg "$SCG" unshare -m -p -f --propagation unchanged \
		--kill-child=SIGKILL "${cmd[@]}" 2>>"$T/daemon.log") &
	SC_PID=$!
	SC_INIT=""
	for i in $(seq 100); do
		[ -z "$SC_INIT" ] &&
			{ read -r SC_INIT _ < "/proc/$SC_PID/task/$SC_PID/children"; } 2>/dev/null
		[ -n "$SC_INIT" ] && is_mounted "$ZM" && [ -d "$ZM/block/zram0" ] &&
			{ [ -z "$WL" ] || wl test -d "$ZM/block/zram0"; } &&
			{ [ $init = 0 ] || [ "$(cat "$ZM/block/zram0/initstate")" = 1 ]; } &&
			return 0
		kill -0 "$SC_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "sidecar did not mount: $(tail -5 "$T/daemon.log")" >&2
	return 1
}

sidecar_exited() {
	local i
	for i in $(seq $(($1 * 10))); do
		kill -0 "$SC_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SC_PID" 2>/dev/null && return 1
	wait "$SC_PID"
	SC_RC=$?
	SC_PID="" SC_INIT=""
	return 0
}

stop_sidecar() {
	[ -n "$SC_PID" ] || return 0
	kill -TERM "$SC_INIT" 2>/dev/null
	sidecar_exited 15 && return 0
	echo "sidecar $SC_INIT did not stop; killing it" >&2
	kill -KILL "$SC_INIT" "$SC_PID" 2>/dev/null
	wait "$SC_PID" 2>/dev/null
	SC_PID="" SC_INIT=""
}
