#!/bin/sh
# deps.sh - install the Debian packages zramfs needs to build, run and test.
# Does nothing when everything is present; needs root otherwise.
set -e
PKGS="build-essential pkg-config libfuse3-dev fuse3 liblz4-dev libzstd-dev
libjansson-dev libsmartcols-dev liblzo2-dev zlib1g-dev util-linux e2fsprogs fio jq
clang clang-format libclang-rt-dev procps psmisc python3 python3-yaml
python3-prometheus-client systemd podman debootstrap"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# node and npm run the Kubernetes manifest validators (k8s_manifests.sh);
# a machine whose image brings its own nodejs with npm needs nothing here
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing
