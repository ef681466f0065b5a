#!/bin/bash
# run.sh - check the formatting (scripts/format.sh), run every unit test
# binary and integration script; count the PASS/FAIL lines they print.
# A test that exits non-zero without printing a FAIL line counts as one
# failure; so does one that times out, and a unit test that was not built.
# Last line: "N passed, N failed".  Exit status 1 on any failure.
# Usage: test/run.sh [PATTERN]   (only tests whose name contains PATTERN)
set -u
cd "$(dirname "$0")/.."
pat=${1:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
pass=0 fail=0
failed_tests=()
logdir=$(mktemp -d /tmp/zramfs-check.XXXXXX)

run_one() {
	local name=$1; shift
	local log="$logdir/$(basename "$name").log" rc p f
	local t0=$SECONDS
	timeout -k 10 "$TEST_TIMEOUT" "$@" > "$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $name: exit status $rc$([ $rc -eq 124 ] && echo ' (timeout)')" >> "$log"
	fi
	pass=$((pass + p)); fail=$((fail + f))
	printf '%-40s %4d passed %3d failed  %3ds\n' "$name" "$p" "$f" $((SECONDS - t0))
	if [ "$f" -gt 0 ]; then
		failed_tests+=("$name")
		grep '^FAIL ' "$log" | sed 's/^/    /'
		echo "    --- last lines of $log:"
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
}

# first the formatting: one PASS or FAIL line (scripts/format.sh)
if [ -z "$pat" ] || [[ format-check == *"$pat"* ]]; then
	run_one format-check ./scripts/format.sh check
fi
# one binary per source: a test that was not built fails, never vanishes
for src in test/unit/test_*.c; do
	t=${src%.c}
	[ -n "$pat" ] && [[ $t != *"$pat"* ]] && continue
	if [ -x "$t" ] && [ -f "$t" ]; then
		run_one "$t" "$t"
	else
		run_one "$t" sh -c "echo 'FAIL $t: not built (make units)'; exit 1"
	fi
done
for t in test/integration/*.sh; do
	[ -f "$t" ] || continue
	[ -n "$pat" ] && [[ $t != *"$pat"* ]] && continue
	run_one "$t" bash "$t"
done
[ ${#failed_tests[@]} -gt 0 ] && echo "failed: ${failed_tests[*]} (logs in $logdir)"
[ "$fail" -eq 0 ] && [ -z "${KEEP_LOGS:-}" ] && rm -rf "$logdir"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
