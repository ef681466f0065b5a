#!/bin/bash
# container_run.sh - the container image, built and run.
#
# Built: no registry is reachable from these machines, so the base is made
# here: debootstrap --variant=minbase bookworm (the packages of priority
# required, what debian:12-slim holds), imported into podman under a tag of
# this test's own; scripts/image.sh (what make image runs) builds the
# Dockerfile on it with --build-arg BASE.
#
# Run: the runtime image's files, exported, run the way a container runs
# them, with namespaces playing the container (podman's OCI runtimes
# cannot start one on these hosts: hybrid cgroups, no CAP_SYS_RESOURCE for
# their rlimits): its ENTRYPOINT as PID 1 of its own PID and mount
# namespaces, chrooted to the image's root, /dev, /proc and /sys as a
# privileged container has them, its mount at /vol/zramfs reaching us and
# the workload through a shared volume (Kubernetes' Bidirectional).
#
# Checked: the image's entrypoint, environment and contents (no compiler,
# no -dev package, every library the daemon needs); its daemon serves a
# workload with no capabilities; its own losetup and mkswap make swap on
# the image; SIGTERM ends it with the mount gone everywhere.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/test/container_lib.sh"

BASE=localhost/zramfs-test-base:$$
TAG=localhost/zramfs-test:$$
R=$T/root
IIDS=() # images made here, removed by id
_images_cleanup() {
	local id
	for id in "${IIDS[@]}"; do podman rmi -f "$id" >/dev/null 2>&1; done
}
trap '_container_cleanup; _images_cleanup; _cleanup' EXIT

need command -v podman debootstrap >/dev/null
# the Debian mirror apt uses here (deb822 or one-line sources)
mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
	awk '$1 == "URIs:" && $2 ~ /debian\/?$/ {print $2; exit}
	     $1 == "deb" && $2 ~ /debian\/?$/ && $3 ~ /^bookworm$/ {print $2; exit}')
mirror=${mirror:-http://deb.debian.org/debian}

# -- the base -----------------------------------------------------------------
t0=$(date +%s)
need debootstrap --variant=minbase bookworm "$T/base" "$mirror" > "$T/debootstrap.log" 2>&1 ||
	tail -5 "$T/debootstrap.log"
rm -f "$T/base/var/cache/apt/archives/"*.deb
id=$(tar -C "$T/base" -c . | podman import -q - "$BASE")
[ -n "$id" ] && IIDS+=("$id")
ok "base image imported ($BASE)" podman image exists "$BASE"
rm -rf "$T/base"

# -- the build (make image's script) -----------------------------------------------
"$ROOT/scripts/image.sh" "$TAG" --pull=never --layers=false \
	--build-arg BASE="$BASE" --iidfile "$T/iid" > "$T/build.log" 2>&1
rc=$?
[ -s "$T/iid" ] && IIDS=("$(cat "$T/iid")" "${IIDS[@]}")
eq "scripts/image.sh builds the Dockerfile with podman" 0 "$rc"
[ $rc = 0 ] || { tail -20 "$T/build.log"; finish; }
echo "base and build: $(($(date +%s) - t0)) s; image $(podman image inspect -f '{{.Size}}' "$TAG") bytes"
ok "built with podman, chroot isolation" grep -q "image: building $TAG with podman" "$T/build.log"
eq "ENTRYPOINT" '["/usr/local/bin/zramfs-entrypoint"]' \
	"$(podman image inspect -f '{{json .Config.Entrypoint}}' "$TAG")"
ok "ENV ZRAMFS_MNT=/run/zramfs" sh -c \
	"podman image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' '$TAG' | grep -qx ZRAMFS_MNT=/run/zramfs"

# the runtime image's files
mkdir -p "$R"
cid=$(podman create -q "$TAG" 2>/dev/null)
need test -n "$cid"
podman export "$cid" | tar -x -C "$R"
podman rm -f "$cid" >/dev/null 2>&1
for f in zramfs zramfs-entrypoint zramfs-attach zramfs-swap; do
	ok "image: /usr/local/bin/$f, executable" test -x "$R/usr/local/bin/$f"
done
eq "image: no compiler" "" "$(ls "$R/usr/bin" | grep -xE 'gcc|cc|c99|make')"
eq "image: no -dev package" "" \
	"$(chroot "$R" dpkg-query -W -f '${Package}\n' | grep -- '-dev$' | xargs)"
eq "image: every library the daemon needs is there" "" \
	"$(chroot "$R" ldd /usr/local/bin/zramfs | grep 'not found')"
ok "image: the daemon runs" chroot "$R" /usr/local/bin/zramfs --version
for tool in losetup mkswap swapon swapoff mount umount fusermount3; do
	ok "image: $tool" chroot "$R" sh -c "command -v $tool"
done

# -- the image running ----------------------------------------------------------
head -c 8M /dev/urandom > "$T/data"
want=$(sha256sum < "$T/data" | cut -d' ' -f1)
setup_volume || finish
setup_workload || finish
# the root: a private mount, so what the container mounts under it stays
# in the container's namespace
need mount --bind "$R" "$R"
MOUNTS+=("$R")
need mount --make-private "$R"
mkdir -p "$R/vol"
SC_ROOT=$R
start_sidecar ZRAMFS_ALGORITHM=zstd ZRAMFS_DISKSIZE=64M || {
	fail "the image's entrypoint mounts"
	finish
}
pass "the image's entrypoint mounts; the mount reaches us and the workload"
eq "its entrypoint is PID 1" 1 "$(awk '/^NSpid:/ {print $NF}' "/proc/$SC_INIT/status")"
read -r daemon _ < "/proc/$SC_INIT/task/$SC_INIT/children"
eq "the daemon running is the image's" "$(stat -c %d:%i "$R/usr/local/bin/zramfs")" \
	"$(stat -L -c %d:%i "/proc/$daemon/exe")"
z=$ZM/block/zram0
eq "entrypoint set zram0 up: 64M" 67108864 "$(cat "$z/disksize")"
ok "entrypoint set zram0 up: zstd" grep -q '\[zstd\]' "$z/comp_algorithm"
ok "the workload writes the image with no capabilities" \
	wl_nocaps dd if="$T/data" of="$IMG" bs=1M oflag=direct conv=notrunc,fsync status=none
eq "... and reads it back" "$want" \
	"$(wl_nocaps dd if="$IMG" bs=1M count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
# the image's own tools, in the container's root (as kubectl exec runs them)
DEV=$(nsenter -t "$SC_INIT" -m -r -w -- /usr/local/bin/zramfs-attach /vol/zramfs/dev/zram0)
[ -b "$DEV" ] && LOOPS+=("$DEV")
ok "the image's zramfs-attach attaches a loop device ($DEV)" test -b "$DEV"
ok "the image's mkswap makes swap on it" nsenter -t "$SC_INIT" -m -r -w -- mkswap "$DEV"
eq "... the signature is on the image" SWAPSPACE2 \
	"$(dd if="$IMG" bs=1 skip=4086 count=10 iflag=skip_bytes status=none)"
ok "detach" losetup -d "$DEV"
LOOPS=()
kill -TERM "$SC_INIT"
ok "SIGTERM: the container exits" sidecar_exited 15
eq "... with status 0" 0 "${SC_RC:-?}"
eq "... and the mount is gone here" 0 "$(host_mounts)"
eq "... and in the workload" 0 "$(wl_mounts)"
finish
