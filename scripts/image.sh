#!/bin/sh
# image.sh [TAG] - build the container image (Dockerfile) with docker or
# podman, whichever is installed and can reach its engine (make image).
# Fails with a message when neither can: the image is not part of make check.
set -u
tag=${1:-zramfs:latest}
top=$(cd "$(dirname "$0")/.." && pwd)
for tool in docker podman; do
	command -v "$tool" >/dev/null 2>&1 || continue
	if ! "$tool" info >/dev/null 2>&1; then
		echo "image: $tool is installed but cannot reach its engine ($tool info fails)" >&2
		continue
	fi
	echo "image: building $tag with $tool"
	exec "$tool" build -t "$tag" -f "$top/Dockerfile" "$top"
done
echo "image: neither docker nor podman with a running engine here; cannot build $tag" >&2
echo "image: (test/integration/container_image.sh checks the Dockerfile's packages and steps without one)" >&2
exit 1
