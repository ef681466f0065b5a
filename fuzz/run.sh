#!/bin/sh
# Run every built fuzz target of fuzz/out/ for SECONDS each.
#   fuzz/run.sh [SECONDS] [target...]     (default: 60 s; parse attrs store config)
# Corpus: fuzz/out/corpus_<name>, seeded from fuzz/seeds/<name>/.
# Crash inputs: fuzz/out/crash-<name>-*, logs: fuzz/out/<name>.log.
# Targets run in parallel when there are enough CPUs (FUZZ_JOBS=1 forces
# one at a time).  Last line: "N passed, N failed", one test per target;
# exit status non-zero if any target crashed.
set -u
cd "$(dirname "$0")/.."

SECS=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=${*:-parse attrs store config}
OUT=fuzz/out
# stack-use-after-return finds dangling pointers into dead frames;
# the caller's ASAN_OPTIONS come last and win
export ASAN_OPTIONS="detect_stack_use_after_return=1:detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

ncpu=$(nproc 2>/dev/null || echo 1)
jobs=${FUZZ_JOBS:-$ncpu}

run_one() {
	name=$1
	bin=$OUT/fuzz_$name
	corpus=$OUT/corpus_$name
	case $name in
	store) maxlen=8192 ;;
	*) maxlen=4096 ;;
	esac
	mkdir -p "$corpus"
	touch "$OUT/.start-$name"
	if [ -d "fuzz/seeds/$name" ]; then
		cp -n "fuzz/seeds/$name"/* "$corpus"/ 2>/dev/null || true
	fi
	"$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -max_len="$maxlen" \
		-timeout=30 -print_final_stats=1 \
		-artifact_prefix="$OUT/crash-$name-" "$corpus" \
		>"$OUT/$name.log" 2>&1
	echo $? >"$OUT/$name.rc"
}

missing=0
for t in $TARGETS; do
	if [ ! -x "$OUT/fuzz_$t" ]; then
		echo "$OUT/fuzz_$t missing: run fuzz/build.sh first" >&2
		missing=1
	fi
done
[ $missing = 0 ] || exit 2

pids=""
n=0
for t in $TARGETS; do
	rm -f "$OUT/$t.rc"
	if [ "$jobs" -gt 1 ]; then
		run_one "$t" &
		pids="$pids $!"
		n=$((n + 1))
		if [ $n -ge "$jobs" ]; then
			wait $pids
			pids=""
			n=0
		fi
	else
		run_one "$t"
	fi
done
[ -n "$pids" ] && wait $pids

passed=0
failed=0
printf '%-8s %12s %10s %8s\n' target executions exec/s crashes
for t in $TARGETS; do
	log=$OUT/$t.log
	rc=$(cat "$OUT/$t.rc" 2>/dev/null || echo 99)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	crash=0
	if [ "$rc" != 0 ] || grep -q '^==[0-9]*==ERROR\|^SUMMARY: \|deadly signal' "$log"; then
		crash=1
	fi
	printf '%-8s %12s %10s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$crash"
	if [ $crash = 1 ]; then
		failed=$((failed + 1))
		echo "  $t: exit $rc, log $log:"
		grep -m1 -A8 'ERROR\|check failed\|mismatch\|fuzz_store: op\|deadly signal' "$log" | sed 's/^/    /'
		find "$OUT" -maxdepth 1 -name "crash-$t-*" -newer "$OUT/.start-$t" |
			sed 's/^/    input: /'
	else
		passed=$((passed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
