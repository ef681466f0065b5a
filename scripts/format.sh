#!/bin/bash
# format.sh check|fix [FILE...] - the C sources against .clang-format.
#   check  print "PASS format-check" or "FAIL format-check" (one line, as
#          test/run.sh counts them) and the files that differ, with the
#          number of their lines clang-format would change; exit 1 if any
#   fix    rewrite the files in place (clang-format -i)
# Without FILEs: every .c and .h of the tree (git's tracked and new files;
# all of them outside a git checkout), minus fuzz/out.  CLANG_FORMAT names
# the binary.  Regions between /* clang-format off */ and
# /* clang-format on */ are left as written.
set -u
cd "$(dirname "$0")/.."
mode=${1:-}
shift 2>/dev/null
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}

case $mode in
check|fix) ;;
*)
	echo "usage: scripts/format.sh check|fix [FILE...]" >&2
	exit 2
	;;
esac

# a check that cannot run fails
if ! command -v "$CLANG_FORMAT" >/dev/null; then
	[ "$mode" = check ] && echo "FAIL format-check: $CLANG_FORMAT not found"
	[ "$mode" = fix ] && echo "format.sh: $CLANG_FORMAT not found" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' |
			     grep -v '^fuzz/out/' | sort)
else
	mapfile -t files < <(find . -path ./fuzz/out -prune -o \
			     \( -name '*.c' -o -name '*.h' \) -type f -print |
			     sed 's|^\./||' | sort)
fi

if [ "$mode" = fix ]; then
	exec "$CLANG_FORMAT" -i --style=file "${files[@]}"
fi

bad=0 lines=0
out=$(mktemp /tmp/zramfs-format.XXXXXX)
trap 'rm -f "$out" "$out.list"' EXIT
for f in "${files[@]}"; do
	[ -f "$f" ] || continue		# deleted, not yet committed
	if ! "$CLANG_FORMAT" --style=file "$f" > "$out"; then
		echo "    $f: $CLANG_FORMAT failed"
		bad=$((bad + 1))
		continue
	fi
	n=$(diff "$f" "$out" | grep -c '^<')
	if [ "$n" -gt 0 ]; then
		echo "    $f: $n lines"
		bad=$((bad + 1)) lines=$((lines + n))
	fi
done > "$out.list"
ver=$("$CLANG_FORMAT" --version | sed 's/.*version \([0-9.]*\).*/\1/')
if [ "$bad" -eq 0 ]; then
	echo "PASS format-check: ${#files[@]} files as .clang-format has them (clang-format $ver)"
	exit 0
fi
echo "FAIL format-check: $bad of ${#files[@]} files differ from .clang-format," \
	"$lines lines (clang-format $ver; scripts/format.sh fix rewrites them):"
cat "$out.list"
exit 1
