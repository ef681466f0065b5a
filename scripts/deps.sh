#!/bin/sh
# deps.sh [test] - install the Debian packages zramfs needs to build and
# run (make run, make install), and with "test" also what its tests, fuzz
# targets and benchmarks use (make check, check-asan, fuzz, bench).
# Does nothing when everything is present; needs root otherwise.
set -e
PKGS="build-essential pkg-config libfuse3-dev fuse3 liblz4-dev libzstd-dev
libjansson-dev libsmartcols-dev liblzo2-dev zlib1g-dev util-linux e2fsprogs
procps psmisc"
# the tests: fio and jq drive and read them, clang builds the fuzz targets
# and checks the format, python3's yaml and prometheus_client parse the
# manifests and metrics, systemd-analyze checks the units, podman and
# debootstrap build the container image
TEST_PKGS="fio jq clang clang-format libclang-rt-dev python3 python3-yaml
python3-prometheus-client systemd podman debootstrap"
case ${1:-} in
"") ;;
test) PKGS="$PKGS $TEST_PKGS" ;;
*)
	echo "usage: deps.sh [test]" >&2
	exit 2
	;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# node and npm run the Kubernetes manifest validators (k8s_manifests.sh);
# a machine whose image brings its own nodejs with npm needs nothing here
if [ "${1:-}" = test ] && ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing
