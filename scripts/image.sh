#!/bin/sh
# image.sh [TAG [BUILD-OPTION...]] - build the container image (Dockerfile)
# with docker or podman, whichever is installed and can reach its engine
# (make image).  Podman builds with chroot isolation: its RUN steps need no
# OCI runtime, so it builds where crun cannot start a container (hybrid
# cgroups, a host that is itself a container).  BUILD-OPTIONs go to the
# build (test/integration/container_run.sh: --build-arg BASE=...,
# --iidfile ...).  Fails with a message when neither tool can build.
set -u
tag=${1:-zramfs:latest}
[ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/.." && pwd)
for tool in docker podman; do
	command -v "$tool" >/dev/null 2>&1 || continue
	if ! "$tool" info >/dev/null 2>&1; then
		echo "image: $tool is installed but cannot reach its engine ($tool info fails)" >&2
		continue
	fi
	echo "image: building $tag with $tool"
	if [ "$tool" = podman ]; then
		exec podman build --isolation=chroot -t "$tag" "$@" -f "$top/Dockerfile" "$top"
	fi
	exec "$tool" build -t "$tag" "$@" -f "$top/Dockerfile" "$top"
done
echo "image: neither docker nor podman with a running engine here; cannot build $tag" >&2
echo "image: (scripts/deps.sh test installs podman: apt-get install podman)" >&2
exit 1
