#!/bin/bash
# comp_algorithm.sh - comp_algorithm listing and selection, each algorithm
# round-tripping data through the image, algorithm_params (level, dict).
. "$(dirname "$0")/../lib.sh"

need start_zramfs
ALGOS="lzo lzo-rle lz4 lz4hc zstd deflate"


# -- listing --------------------------------------------------------------
eq "default is lz4" lz4 "$(selected)"
ok "listing is in kernel format" cmp -s \
	<(printf 'lzo lzo-rle [lz4] lz4hc zstd deflate \n') "$B/comp_algorithm"
for a in $ALGOS; do
	if grep -Eq "(^| )\[?$a\]? " "$B/comp_algorithm"; then
		pass "listing has '$a '"; else fail "listing lacks '$a ': $(cat "$B/comp_algorithm")"; fi
done
eq "exactly one selected" 1 "$(grep -o '\[' "$B/comp_algorithm" | wc -l)"
eq "listing ends with newline" '\n' "$(tail -c 2 "$B/comp_algorithm" | od -An -c | awk '{print $NF}')"

# -- selection ------------------------------------------------------------
for a in $ALGOS; do
	out=$(put "$B/comp_algorithm" "$a")
	eq "select $a with newline" "" "$out"
	eq "$a is selected (newline)" "$a" "$(selected)"
	ok "$a listed in brackets (newline)" grep -qF "[$a] " "$B/comp_algorithm"
	echo lz4 > "$B/comp_algorithm"
	eq "select $a without newline" "" "$(wr "$B/comp_algorithm" "$a")"
	eq "$a is selected (no newline)" "$a" "$(selected)"
done
# lzo-rle: the kernel's default, in zram-generator's example config
echo lzo-rle > "$B/comp_algorithm"
ok "lzo-rle selected: listed as the kernel lists it" cmp -s \
	<(printf 'lzo [lzo-rle] lz4 lz4hc zstd deflate \n') "$B/comp_algorithm"
echo lz4 > "$B/comp_algorithm"
printf 'deflate' | dd of="$B/comp_algorithm" conv=notrunc status=none 2>"$T/dd.err"
eq "select without O_TRUNC" "" "$(cat "$T/dd.err")"
eq "deflate selected (no O_TRUNC)" deflate "$(selected)"
eq "one bracket after all selections" 1 "$(grep -o '\[' "$B/comp_algorithm" | wc -l)"

echo zstd > "$B/comp_algorithm"
werr "unknown algorithm" "Invalid argument" "$B/comp_algorithm" nosuchalgo
eq "selection unchanged after unknown" zstd "$(selected)"
werr "empty name" "Invalid argument" "$B/comp_algorithm" ""
eq "selection unchanged after empty" zstd "$(selected)"
werr "name with a trailing space" "Invalid argument" "$B/comp_algorithm" "lz4 "
werr "name with a prefix" "Invalid argument" "$B/comp_algorithm" "lz"
long=$(printf 'a%.0s' $(seq 200))
werr "200-char name" "Argument list too long" "$B/comp_algorithm" "$long"
eq "selection unchanged after long name" zstd "$(selected)"

# after init: a known algorithm is busy, an unknown one invalid
echo 1M > "$B/disksize"
werr "known algorithm after init" "Device or resource busy" "$B/comp_algorithm" lz4
werr "unknown algorithm after init" "Invalid argument" "$B/comp_algorithm" nosuchalgo
eq "selection unchanged after init" zstd "$(selected)"
werr "algorithm_params after init" "Device or resource busy" \
	"$B/algorithm_params" "algo=zstd level=3"
echo 1 > "$B/reset"

# -- every algorithm round-trips data -------------------------------------
DATA=$T/data
{
	find /usr/bin -maxdepth 1 -type f -size +100k 2>/dev/null | sort | head -n 40 |
		xargs cat 2>/dev/null | head -c 6M
	text_corpus 6M
	head -c 4M /dev/zero
} > "$DATA"
eq "test data is 16 MiB" 16777216 "$(stat -c %s "$DATA")"
want=$(sha "$DATA")

roundtrip() {	# NAME: write DATA, read back, compare; check compression
	local name=$1 got orig compr
	ok "$name: write 16 MiB" dwrite "$IMG" if="$DATA" bs=1M
	got=$(dsha "$IMG" bs=1M count=16)
	eq "$name: data reads back" "$want" "$got"
	orig=$(field "$B/mm_stat" 1)
	compr=$(field "$B/mm_stat" 2)
	eq "$name: orig_data_size" 16777216 "$orig"
	if [ "$compr" -gt 0 ] && [ "$compr" -lt "$orig" ]; then pass "$name: compresses ($compr < $orig)"; else
		fail "$name: compr_data_size $compr not in (0, $orig)"; fi
	eq "$name: same_pages (4 MiB zeros)" 1024 "$(field "$B/mm_stat" 6)"
	eq "$name: no failed I/O" "0 0" "$(field "$B/io_stat" 1) $(field "$B/io_stat" 2)"
}

for a in $ALGOS; do
	echo 1 > "$B/reset"
	echo "$a" > "$B/comp_algorithm"
	echo 64M > "$B/disksize"
	eq "$a: still selected after init" "$a" "$(selected)"
	roundtrip "$a"
done

# -- algorithm_params -----------------------------------------------------
echo 1 > "$B/reset"
echo zstd > "$B/comp_algorithm"
eq "algo=zstd level=8" "" "$(wr "$B/algorithm_params" "algo=zstd level=8")"
out=$(put "$B/algorithm_params" "level=3")
eq "level=3 for the primary (newline)" "" "$out"
werr "params for an unselected algorithm" "Invalid argument" "$B/algorithm_params" "algo=lz4hc level=1"
werr "params for an unknown algorithm" "Invalid argument" "$B/algorithm_params" "algo=nosuch level=1"
werr "level=abc" "Invalid argument" "$B/algorithm_params" "level=abc"
werr "level= (empty)" "Invalid argument" "$B/algorithm_params" "level="
werr "bogus=1" "Invalid argument" "$B/algorithm_params" "bogus=1"
werr "priority=1 without a secondary algorithm" "Invalid argument" "$B/algorithm_params" "priority=1 level=3"
werr "priority=-1" "Invalid argument" "$B/algorithm_params" "priority=-1 level=3"
echo 64M > "$B/disksize"
roundtrip "zstd level=8"
echo 1 > "$B/reset"

# zstd with a dictionary
mkdir -p "$T/samples"
i=0
for f in $(find /usr/include -maxdepth 2 -name '*.h' -size +2k -size -64k 2>/dev/null | sort | head -n 400); do
	cp "$f" "$T/samples/$i.h"; i=$((i + 1))
done
DICT=$T/dict
if command -v zstd >/dev/null; then
	zstd -q --train "$T"/samples/*.h --maxdict=16384 -o "$DICT" 2>/dev/null
fi
if [ ! -s "$DICT" ]; then	# no zstd CLI: raw content dictionary
	cat "$T"/samples/*.h | head -c 16384 > "$DICT"
fi
ok "dictionary built" test -s "$DICT"

echo zstd > "$B/comp_algorithm"
eq "algo=zstd dict=PATH" "" "$(wr "$B/algorithm_params" "algo=zstd dict=$DICT")"
eq "algo=zstd level=5 dict=PATH (newline)" "" \
	"$(put "$B/algorithm_params" "algo=zstd level=5 dict=$DICT")"
werr "dict=/nonexistent" "No such file or directory" "$B/algorithm_params" "algo=zstd dict=/nonexistent/dict"
werr "dict=a directory" "Invalid argument" "$B/algorithm_params" "algo=zstd dict=/tmp"
werr "dict= (empty)" "Invalid argument" "$B/algorithm_params" "algo=zstd dict="
mkfifo "$T/fifo"
out=$( (timeout 10 bash -c "echo 'algo=zstd dict=$T/fifo' > '$B/algorithm_params'") 2>&1 )
rc=$?
if [ $rc -eq 124 ]; then fail "dict=FIFO hangs"; else
	case $out in
	*"Invalid argument"*) pass "dict=FIFO refused" ;;
	*) fail "dict=FIFO: expected Invalid argument, got '${out:-success}'" ;;
	esac
fi
echo 64M > "$B/disksize"
eq "zstd with dict initialised" 1 "$(cat "$B/initstate")"
roundtrip "zstd+dict"
werr "algorithm_params after init (dict)" "Device or resource busy" \
	"$B/algorithm_params" "algo=zstd level=1"
# the dictionary is used: text pages compress better with it
TEXT=$T/text
text_corpus 8M > "$TEXT"
text_compr() {	# PARAMS: compr_data_size of TEXT written with zstd PARAMS
	echo 1 > "$B/reset"
	echo zstd > "$B/comp_algorithm"
	echo "$1" > "$B/algorithm_params"
	echo 64M > "$B/disksize"
	dwrite "$IMG" if="$TEXT" bs=1M
	field "$B/mm_stat" 2
}
dict_compr=$(text_compr "algo=zstd level=3 dict=$DICT")
got=$(dsha "$IMG" bs=1M count=8)
eq "text reads back with dict" "$(sha "$TEXT")" "$got"
nodict_compr=$(text_compr "algo=zstd level=3")
if [ "$dict_compr" -gt 0 ] && [ "$dict_compr" -lt $((nodict_compr * 95 / 100)) ]; then
	pass "dict shrinks text by > 5% ($dict_compr < $nodict_compr)"; else
	fail "dict does not help: with $dict_compr, without $nodict_compr"; fi

# the level is really applied
lo=$(text_compr "algo=zstd level=1")
hi=$(text_compr "algo=zstd level=12")
if [ "$hi" -lt "$lo" ]; then pass "zstd level=12 beats level=1 ($hi < $lo)"; else
	fail "zstd level ignored? level=12 $hi, level=1 $lo"; fi
text_compr_algo() {	# ALGO PARAMS
	echo 1 > "$B/reset"
	echo "$1" > "$B/comp_algorithm"
	echo "$2" > "$B/algorithm_params"
	echo 64M > "$B/disksize"
	dwrite "$IMG" if="$TEXT" bs=1M
	field "$B/mm_stat" 2
}
lo=$(text_compr_algo deflate "algo=deflate level=1")
hi=$(text_compr_algo deflate "algo=deflate level=9")
if [ "$hi" -lt "$lo" ]; then pass "deflate level=9 beats level=1 ($hi < $lo)"; else
	fail "deflate level ignored? level=9 $hi, level=1 $lo"; fi

# reset drops the params: a dictionary is not carried to a new init
plain_zstd() {	# compr_data_size of TEXT with zstd and no algorithm_params
	echo 1 > "$B/reset"
	echo zstd > "$B/comp_algorithm"
	echo 64M > "$B/disksize"
	dwrite "$IMG" if="$TEXT" bs=1M
	field "$B/mm_stat" 2
}
base=$(plain_zstd)
echo 1 > "$B/reset"
echo zstd > "$B/comp_algorithm"
echo "algo=zstd level=7 dict=$DICT" > "$B/algorithm_params"
echo 1 > "$B/reset"
eq "reset restores lz4" lz4 "$(selected)"
eq "reset drops dict and level" "$base" "$(plain_zstd)"

finish
