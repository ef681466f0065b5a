#!/bin/bash
# lifecycle_attrs.sh - the cold-page control files, every form and errno,
# in the kernel's order: idle, backing_dev, writeback and its settings,
# bd_stat, recomp_algorithm, recompress.
. "$(dirname "$0")/../lib.sh"
need start_zramfs
BD=$T/backing
truncate -s 64M "$BD"
EINVAL="Invalid argument" EBUSY="Device or resource busy"
ENODEV="No such device" ERANGE="Numerical result out of range"

# -- before init ------------------------------------------------------------
eq "backing_dev reads none" none "$(cat "$B/backing_dev")"
eq "bd_stat zeros" "$(printf '%8u %8u %8u' 0 0 0)" "$(cat "$B/bd_stat")"
eq "writeback_limit 0" 0 "$(cat "$B/writeback_limit")"
eq "writeback_limit_enable 0" 0 "$(cat "$B/writeback_limit_enable")"
eq "writeback_batch_size default 32" 32 "$(cat "$B/writeback_batch_size")"
eq "writeback_compressed 0" 0 "$(cat "$B/writeback_compressed")"
eq "recomp_algorithm empty" "" "$(cat "$B/recomp_algorithm")"
werr "idle before init" "$EINVAL" "$B/idle" all
werr "idle garbage before init" "$EINVAL" "$B/idle" soon
werr "writeback before init (checked before backing_dev)" "$EINVAL" "$B/writeback" idle
werr "recompress before init" "$EINVAL" "$B/recompress" type=idle
werr "backing_dev missing file" "No such file or directory" "$B/backing_dev" "$T/nope"
werr "backing_dev a directory" "Is a directory" "$B/backing_dev" "$T"
werr "backing_dev a char device" "Block device required" "$B/backing_dev" /dev/null
truncate -s 4096 "$T/tiny"
werr "backing_dev too small" "$EINVAL" "$B/backing_dev" "$T/tiny"
eq "still none after failures" none "$(cat "$B/backing_dev")"
eq "backing_dev file accepted" "" "$(put "$B/backing_dev" "$BD")"
eq "backing_dev reads the path" "$BD" "$(cat "$B/backing_dev")"
eq "backing_dev without newline" "" "$(wr "$B/backing_dev" "$BD")"
for v in yes on 1 y; do
	eq "writeback_compressed=$v" "" "$(put "$B/writeback_compressed" $v)"
	eq "writeback_compressed reads 1 ($v)" 1 "$(cat "$B/writeback_compressed")"
done
for v in no off 0 n; do
	eq "writeback_compressed=$v" "" "$(put "$B/writeback_compressed" $v)"
	eq "writeback_compressed reads 0 ($v)" 0 "$(cat "$B/writeback_compressed")"
done
werr "writeback_compressed garbage" "$EINVAL" "$B/writeback_compressed" maybe
eq "writeback_batch_size 0 is stored as 1" "" "$(put "$B/writeback_batch_size" 0)"
eq "writeback_batch_size reads 1" 1 "$(cat "$B/writeback_batch_size")"
put "$B/writeback_batch_size" 64 >/dev/null
werr "writeback_batch_size garbage" "$EINVAL" "$B/writeback_batch_size" x
eq "writeback_batch_size kept" 64 "$(cat "$B/writeback_batch_size")"
werr "writeback_limit garbage" "$EINVAL" "$B/writeback_limit" -1
werr "writeback_limit_enable garbage" "$EINVAL" "$B/writeback_limit_enable" on
# recomp_algorithm
werr "recomp_algorithm without algo" "$EINVAL" "$B/recomp_algorithm" priority=1
werr "recomp_algorithm priority 0" "$EINVAL" "$B/recomp_algorithm" "algo=zstd priority=0"
werr "recomp_algorithm priority 4" "$EINVAL" "$B/recomp_algorithm" "algo=zstd priority=4"
werr "recomp_algorithm unknown algo" "$EINVAL" "$B/recomp_algorithm" "algo=nope priority=1"
werr "recomp_algorithm bare word" "$EINVAL" "$B/recomp_algorithm" zstd
werr "recomp_algorithm unknown key" "$EINVAL" "$B/recomp_algorithm" "algo=zstd prio=1"
eq "recomp_algorithm zstd (priority defaults to 1)" "" "$(put "$B/recomp_algorithm" algo=zstd)"
eq "recomp_algorithm deflate priority=3" "" "$(put "$B/recomp_algorithm" "algo=deflate priority=3")"
eq "recomp_algorithm lists #1 and #3" \
	"#1: lzo lzo-rle lz4 lz4hc [zstd] deflate #3: lzo lzo-rle lz4 lz4hc zstd [deflate]" \
	"$(tr '\n' ' ' < "$B/recomp_algorithm" | sed 's/ *$//; s/  */ /g')"
eq "algorithm_params priority=1 level=3" "" "$(put "$B/algorithm_params" "priority=1 level=3")"
werr "algorithm_params priority=2 (none set there)" "$EINVAL" "$B/algorithm_params" "priority=2 level=3"

# -- init -------------------------------------------------------------------
put "$B/disksize" 16M >/dev/null
werr "backing_dev after init" "$EBUSY" "$B/backing_dev" "$BD"
werr "backing_dev after init, even a bad path" "$EBUSY" "$B/backing_dev" "$T/nope"
werr "writeback_compressed after init" "$EBUSY" "$B/writeback_compressed" 1
werr "recomp_algorithm after init" "$EBUSY" "$B/recomp_algorithm" "algo=lz4 priority=2"
werr "recomp_algorithm unknown after init" "$EINVAL" "$B/recomp_algorithm" "algo=nope priority=2"
eq "idle all on an empty device" "" "$(put "$B/idle" all)"
eq "idle 0x10 (base 0, as kstrtoull)" "" "$(put "$B/idle" 0x10)"
werr "idle negative" "$EINVAL" "$B/idle" -5
werr "idle all2" "$EINVAL" "$B/idle" all2

# a mix: 2 random pages (huge), 2 text pages, 2 zero pages, 1 repeated word
{ head -c 8192 /dev/urandom; text_corpus 8192; head -c 8192 /dev/zero;
  printf 'abcdefgh%.0s' $(seq 512); } > "$T/data"
need dwrite "$IMG" if="$T/data" bs=4096
eq "huge_pages 2" 2 "$(field "$B/mm_stat" 8)"
D=$MNT/debug/zram0/block_state
bs() { awk -v i="$1" '$1 == i {print $3}' "$D"; }
eq "block_state lists the 7 stored pages" 7 "$(wc -l < "$D")"
eq "block_state: random page is huge" "..h..." "$(bs 0)"
eq "block_state: zero page is same-filled" "s....." "$(bs 4)"
eq "block_state: text page plain" "......" "$(bs 2)"
eq "block_state line format" 1 "$(grep -cE '^ {11}0 +[0-9]+\.000000 \.\.h\.\.\.$' "$D")"
eq "block_state mode 0400" 400 "$(stat -c %a "$D")"
eq "same_pages 3" 3 "$(field "$B/mm_stat" 6)"
werr "writeback unknown mode" "$EINVAL" "$B/writeback" lukewarm
werr "writeback type=unknown" "$EINVAL" "$B/writeback" type=lukewarm
werr "writeback unknown key" "$EINVAL" "$B/writeback" page=1
werr "writeback empty" "$EINVAL" "$B/writeback" ""
werr "writeback page_index past the end" "$ERANGE" "$B/writeback" page_index=4096
werr "writeback page_index garbage" "$EINVAL" "$B/writeback" page_index=x
werr "writeback page_indexes reversed" "$ERANGE" "$B/writeback" page_indexes=5-3
werr "writeback page_indexes past the end" "$ERANGE" "$B/writeback" page_indexes=1-4096
werr "writeback page_indexes no dash" "$EINVAL" "$B/writeback" page_indexes=5
eq "bd_stat untouched by refusals" "$(printf '%8u %8u %8u' 0 0 0)" "$(cat "$B/bd_stat")"

# huge: the two random pages go
eq "writeback huge" "" "$(put "$B/writeback" huge)"
eq "bd_stat after huge: 2 blocks written" "$(printf '%8u %8u %8u' 2 0 2)" "$(cat "$B/bd_stat")"
eq "huge_pages 0 once written back" 0 "$(field "$B/mm_stat" 8)"
eq "orig_data_size still counts them" $((7 * 4096)) "$(field "$B/mm_stat" 1)"
eq "data intact after huge writeback" "$(sha "$T/data")" "$(dsha "$IMG" bs=4096 count=7)"
eq "bd_reads counts the reads" 2 "$(field "$B/bd_stat" 2)"
# idle: nothing idle yet (the read just now touched everything)
eq "writeback idle with nothing idle" "" "$(put "$B/writeback" idle)"
eq "nothing more written" 2 "$(field "$B/bd_stat" 3)"
eq "idle all" "" "$(put "$B/idle" all)"
eq "writeback type=idle" "" "$(put "$B/writeback" type=idle)"
eq "text pages written back (same pages never)" 4 "$(field "$B/bd_stat" 1)"
eq "compr_data_size 0" 0 "$(field "$B/mm_stat" 2)"
eq "block_state: written back" ".w...." "$(bs 2)"
eq "block_state: same page never idle-marked" "s....." "$(bs 4)"
eq "data intact after idle writeback" "$(sha "$T/data")" "$(dsha "$IMG" bs=4096 count=7)"
# page_index forms: rewrite pages 2,3 and write them back by index
need dwrite "$IMG" if="$T/data" bs=4096 skip=2 seek=2 count=2
eq "a rewrite frees the blocks" 2 "$(field "$B/bd_stat" 1)"
eq "page_index=2 page_index=3" "" "$(put "$B/writeback" "page_index=2 page_index=3")"
eq "both written back" 4 "$(field "$B/bd_stat" 1)"
need dwrite "$IMG" if="$T/data" bs=4096 skip=2 seek=2 count=2
eq "page_indexes=0-6 (same and written-back pages skipped)" "" "$(put "$B/writeback" page_indexes=0-6)"
eq "both again" 4 "$(field "$B/bd_stat" 1)"
eq "data intact after index writebacks" "$(sha "$T/data")" "$(dsha "$IMG" bs=4096 count=7)"
# budget
need dwrite "$IMG" if="$T/data" bs=4096 count=4
eq "rewritten: back in memory" 0 "$(field "$B/bd_stat" 1)"
put "$B/writeback_limit_enable" 1 >/dev/null
put "$B/writeback_limit" 3 >/dev/null
eq "writeback_limit reads the budget" 3 "$(cat "$B/writeback_limit")"
werr "budget of 3 for 4 pages" "Input/output error" "$B/writeback" page_indexes=0-3
eq "3 pages moved" 3 "$(field "$B/bd_stat" 1)"
eq "budget spent" 0 "$(cat "$B/writeback_limit")"
werr "no budget" "Input/output error" "$B/writeback" page_index=3
eq "writeback with nothing to move costs nothing" "" "$(put "$B/writeback" page_index=5)"
put "$B/writeback_limit_enable" 0 >/dev/null
eq "budget off: the last page moves" "" "$(put "$B/writeback" page_index=3)"
eq "4 blocks" 4 "$(field "$B/bd_stat" 1)"
# discard frees blocks
need fallocate -p -o 0 -l 8192 "$IMG"
eq "punch frees 2 blocks" 2 "$(field "$B/bd_stat" 1)"

# -- recompress ---------------------------------------------------------------
need dwrite "$IMG" if="$T/data" bs=4096 count=4
werr "recompress threshold too big" "$EINVAL" "$B/recompress" threshold=4096
werr "recompress type unknown" "$EINVAL" "$B/recompress" type=cold
werr "recompress bare word" "$EINVAL" "$B/recompress" idle
werr "recompress algo not configured" "$EINVAL" "$B/recompress" algo=lz4hc
werr "recompress priority 2 (none there)" "$EINVAL" "$B/recompress" priority=2
werr "recompress max_pages garbage" "$EINVAL" "$B/recompress" max_pages=x
eq "recompress type=huge algo=zstd" "" "$(put "$B/recompress" "type=huge algo=zstd")"
eq "block_state: only zstd tried, not marked" "..h..." "$(bs 0)"
put "$B/idle" all >/dev/null
eq "recompress type=idle threshold=100 (new size must be below it too)" "" \
	"$(put "$B/recompress" "type=idle threshold=100")"
eq "block_state: text page not recompressed" "." "$(bs 2 | cut -c5)"
eq "block_state: every algorithm tried, incompressible" "..h..n" "$(bs 0)"
eq "idle all again" "" "$(put "$B/idle" all)"
eq "recompress priority=1 (zstd only)" "" "$(put "$B/recompress" "type=idle priority=1")"
eq "random pages stay huge" 2 "$(field "$B/mm_stat" 8)"
eq "writeback incompressible" "" "$(put "$B/writeback" incompressible)"
eq "text pages marked incompressible by threshold=100 go too" 4 "$(field "$B/bd_stat" 1)"
eq "data intact after recompress" "$(sha "$T/data")" "$(dsha "$IMG" bs=4096 count=7)"
text_corpus 4096 > "$T/text"
need dwrite "$IMG" if="$T/text" bs=4096 seek=8
c0=$(field "$B/mm_stat" 2)
put "$B/idle" all >/dev/null
eq "recompress type=idle" "" "$(put "$B/recompress" type=idle)"
eq "block_state: text page recompressed" "....r." "$(bs 8)"
ok "compr_data_size fell" test "$(field "$B/mm_stat" 2)" -lt "$c0"
eq "recompressed page reads back" "$(sha "$T/text")" "$(dsha "$IMG" bs=4096 skip=8 count=1)"
eq "read cleared idle" "....r." "$(bs 8)"
put "$B/idle" all >/dev/null
eq "writeback of a recompressed page" "" "$(put "$B/writeback" page_index=8)"
eq "recompressed page reads back from the store" "$(sha "$T/text")" "$(dsha "$IMG" bs=4096 skip=8 count=1)"

# -- a second writeback or recompression waits for the first (as current
# kernels; EAGAIN before): 256 MiB of random pages to write back, a second
# writeback and a recompression started while the first is under way
echo 1 > "$B/reset"
fallocate -l 512M "$T/wait-bd"
put "$B/backing_dev" "$T/wait-bd" >/dev/null
put "$B/recomp_algorithm" "algo=zstd priority=1" >/dev/null
echo 512M > "$B/disksize"
head -c $((256 * MiB)) /dev/urandom > "$T/wait-rand"
need dwrite "$IMG" if="$T/wait-rand" bs=1M
text_corpus $((16 * MiB)) > "$T/wait-text"
need dwrite "$IMG" if="$T/wait-text" bs=1M seek=256
put "$B/idle" all >/dev/null
rm -f "$T/wb1.end" "$T/wb2.end" "$T/rc.end"
( put "$B/writeback" huge > "$T/wb1.err"; date +%s%N > "$T/wb1.end" ) &
w1=$!
for _ in $(seq 500); do
	[ "$(field "$B/bd_stat" 3)" -gt 0 ] && break
	sleep 0.01
done
[ -e "$T/wb1.end" ] && first_done=yes || first_done=no
( put "$B/writeback" idle > "$T/wb2.err"; date +%s%N > "$T/wb2.end" ) &
w2=$!
( put "$B/recompress" type=idle > "$T/rc.err"; date +%s%N > "$T/rc.end" ) &
w3=$!
wait "$w1" "$w2" "$w3"
echo "waiting: bd_stat $(cat "$B/bd_stat"); first done before the others started: $first_done"
eq "the first writeback was under way when the others started" no "$first_done"
eq "the first writeback succeeded" "" "$(cat "$T/wb1.err")"
eq "a second writeback meanwhile waits and succeeds (no EAGAIN)" "" "$(cat "$T/wb2.err")"
eq "a recompression meanwhile waits and succeeds" "" "$(cat "$T/rc.err")"
ok "... each ended after the first" test "$(cat "$T/wb2.end")" -ge "$(cat "$T/wb1.end")" \
	-a "$(cat "$T/rc.end")" -ge "$(cat "$T/wb1.end")"
# (which of the two came second finds the text pages: a recompressed
# page is no longer idle, as in the kernel)
ok "the random pages went back" test "$(field "$B/bd_stat" 1)" -ge 65536
eq "every page reads back" "$(cat "$T/wait-rand" "$T/wait-text" | sha)" \
	"$(dsha "$IMG" bs=1M count=272)"
echo 1 > "$B/reset"
rm -f "$T/wait-bd" "$T/wait-text" "$T/wait-rand"
finish
