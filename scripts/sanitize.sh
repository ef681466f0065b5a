#!/bin/bash
# sanitize.sh address|thread [PATTERN] - build a copy of the tree with
# sanitizers (so the normal build is left alone) and run the test suite
# from it.  The last line is the runner's "N passed, N failed".
set -euo pipefail
kind=${1:?usage: sanitize.sh address|thread [PATTERN]}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/zramfs-san.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$top"
# tracked and new source files, no build products
git ls-files -co --exclude-standard | grep -v '^fuzz/out/' |
	tar -cf - -T - | tar -xf - -C "$dir"
case $kind in
address)
	san=address,undefined
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export LSAN_OPTIONS=suppressions=$dir/test/lsan.supp:print_suppressions=0
	# the daemon is told not to mlock: ASan's shadow memory is terabytes
	export ZRAMFS_TEST_OPTS="-o no_mlock" SWAP_PLACEMENTS=root
	export ZRAMFS_TEST_RSS_FACTOR=3
	;;
thread)
	san=thread
	export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
	export ZRAMFS_TEST_OPTS="-o no_mlock" SWAP_PLACEMENTS=root
	export ZRAMFS_TEST_RSS_FACTOR=8
	;;
*)
	echo "sanitize.sh: unknown kind $kind" >&2
	exit 1
	;;
esac
make -C "$dir" -j2 --no-print-directory SANITIZE=$san CFLAGS="-O1 -g" all units
"$dir/test/run.sh" ${2:-}
