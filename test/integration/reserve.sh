#!/bin/bash
# reserve.sh - -o reserve (memory faulted in and locked ahead of writes,
# per device) is bounded: at most mem_cap per device, and all devices'
# together at most the memory cgroup's limit, else RAM, less headroom.
# A reserve past the cgroup's limit had the OOM killer end the daemon on
# its first large write, and everything stored with it.
. "$(dirname "$0")/../lib.sh"

# once ARGS...: the daemon in the foreground (in cgroup $1 unless "-"),
# 10 s at most; stderr in $T/once.err, exit status in $rc; a run that
# mounted is unmounted and counted as mounted=1
once() {
	local cg=$1 pid i
	shift
	if [ "$cg" = - ]; then
		"$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -f "$@" "$MNT" 2>"$T/once.err" &
	else
		run_in_cg "$cg" "$ZRAMFS" ${ZRAMFS_TEST_OPTS:-} -f "$@" "$MNT" 2>"$T/once.err" &
	fi
	pid=$!
	mounted=0
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		if is_mounted "$MNT"; then
			mounted=1
			break
		fi
		sleep 0.1
	done
	if [ "$mounted" = 1 ]; then
		sleep 0.2
		fusermount3 -u "$MNT"
	fi
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
}
has() { grep -qF -- "$1" "$T/once.err"; }

ram_k=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
once - -o mem_cap=0,reserve=${ram_k}K
ok "reserve=RAM is refused" test "$rc" -ne 0 -a "$mounted" = 0
ok "... naming the bound" has "bad option reserve=${ram_k}K: more than can be kept faulted in"
ok "... RAM less headroom" has "(RAM less headroom)"

once - -o mem_cap=32M,reserve=64M
ok "reserve above mem_cap is refused" test "$rc" -ne 0 -a "$mounted" = 0
ok "... naming mem_cap" has "at most 32M per device with 1 device(s) (mem_cap"

need mkcg "zramfs_test_reserve_$$" 256M
once "$CG" -o reserve=100G
ok "reserve=100G in a 256M cgroup is refused" test "$rc" -ne 0 -a "$mounted" = 0
ok "... naming the cgroup" has "at most 208M per device with 1 device(s) (the memory cgroup limit less headroom)"
once "$CG" -o mem_cap=0,num_devices=4,reserve=64M
ok "4 devices x 64M in a 256M cgroup is refused" test "$rc" -ne 0 -a "$mounted" = 0
ok "... at most 52M each" has "at most 52M per device with 4 device(s)"
once "$CG" -o num_devices=2,reserve=64M
ok "2 devices x 64M in a 256M cgroup is accepted" test "$mounted" = 1
once "$CG"
ok "the default reserve in a 256M cgroup is accepted" test "$mounted" = 1
once - -o mem_cap=0
ok "the default reserve without a cgroup is accepted" test "$mounted" = 1
once - -o mem_cap=1M,num_devices=2
ok "the default reserve fits itself to a smaller mem_cap" test "$mounted" = 1
ok "... and says so" has "reserve lowered to 1024K per device (mem_cap"

once - -o threads=0,reserve=${ram_k}K
ok "a bad reserve is reported with the other bad options" \
	has "bad option threads=0"
ok "... both" has "bad option reserve=${ram_k}K"
finish
