#!/bin/bash
# policy.sh - the automatic tiering's control files, every form and errno:
# policy (key=value, the effective values read back one per line, a
# partial write keeps the other keys, `cat policy > policy` round trips,
# a bad key or value is EINVAL and changes nothing, the budget turns
# writeback_limit on), evict_on_limit (0/1), policy_stat (8 columns);
# reset returns all to defaults; the policy thread does nothing on an
# uninitialised device, starts counting once it is, and goes with
# hot_remove and with the unmount (exit status 0).
. "$(dirname "$0")/../lib.sh"
need start_zramfs
EINVAL="Invalid argument"
DEFAULTS="interval=0
recompress_after=off
writeback_after=off
writeback_budget=0
accept_threshold=90"
STAT0=$(printf '%8u %8u %8u %8u %8u %8u %8u %8u' 0 0 0 0 0 0 0 0)

# -- defaults -----------------------------------------------------------------
eq "policy defaults" "$DEFAULTS" "$(cat "$B/policy")"
eq "policy_stat zeros, 8 columns" "$STAT0" "$(cat "$B/policy_stat")"
eq "evict_on_limit 0" 0 "$(cat "$B/evict_on_limit")"

# -- accepted forms -------------------------------------------------------------
ok "interval=5" test -z "$(put "$B/policy" interval=5)"
eq "interval read back" "interval=5" "$(sed -n 1p "$B/policy")"
ok "interval=0 without newline" test -z "$(wr "$B/policy" interval=0)"
eq "interval 0 read back" "interval=0" "$(sed -n 1p "$B/policy")"
ok "suffixes s m h d and a range" \
	test -z "$(put "$B/policy" "interval=30s recompress_after=2m writeback_after=1h-1d")"
eq "seconds read back" "interval=30
recompress_after=120
writeback_after=3600-86400" "$(sed -n 1,3p "$B/policy")"
ok "writeback_budget and accept_threshold" \
	test -z "$(put "$B/policy" "writeback_budget=40K accept_threshold=80")"
eq "a partial write keeps the other keys" "interval=30
recompress_after=120
writeback_after=3600-86400
writeback_budget=40960
accept_threshold=80" "$(cat "$B/policy")"
eq "a budget turns writeback_limit_enable on" 1 "$(cat "$B/writeback_limit_enable")"
eq "a budget fills writeback_limit with a day's pages" 10 "$(cat "$B/writeback_limit")"
ok "quoted values, several spaces" \
	test -z "$(put "$B/policy" '  interval="7"   writeback_after=off  ')"
eq "quoted interval, writeback off" "interval=7
recompress_after=120
writeback_after=off" "$(sed -n 1,3p "$B/policy")"
saved=$(cat "$B/policy")
cat "$B/policy" > "$T/policy.txt"
ok "its text written back as read (cat)" sh -c "cat '$T/policy.txt' > '$B/policy'"
eq "round trips: changes nothing" "$saved" "$(cat "$B/policy")"
ok "the read-back text echoed back is accepted" test -z "$(put "$B/policy" "$saved")"
eq "and changes nothing" "$saved" "$(cat "$B/policy")"
ok "a fixed range (min = max)" test -z "$(put "$B/policy" writeback_after=30-30)"
eq "shown as one age" "writeback_after=30" "$(sed -n 3p "$B/policy")"
ok "age 0 is an age" test -z "$(put "$B/policy" recompress_after=0)"
eq "recompress_after=0" "recompress_after=0" "$(sed -n 2p "$B/policy")"
ok "writeback_budget=0 removes the budget" test -z "$(put "$B/policy" writeback_budget=0)"
eq "and turns writeback_limit_enable off" 0 "$(cat "$B/writeback_limit_enable")"

# -- rejected: EINVAL, nothing changes ---------------------------------------------
saved=$(cat "$B/policy")
for v in "bogus=1" "interval" "interval=" "interval=abc" "interval=-1" \
	"interval=5x" "interval=1.5" "interval=99999999999" "interval=4294967295" \
	"interval=50000d" "recompress_after=on" "writeback_after=10-5" \
	"writeback_after=5-" "writeback_after=-5" "writeback_after=1-2-3" \
	"writeback_after=off-5" "accept_threshold=0" "accept_threshold=101" \
	"accept_threshold=50.5" "accept_threshold=" "writeback_budget=1Q" \
	"writeback_budget=-1" "interval=9 bogus=1" "bogus=1 interval=9" \
	"interval=9 accept_threshold=0" 'interval="9' "" " "; do
	werr "policy '$v' is EINVAL" "$EINVAL" "$B/policy" "$v"
	eq "policy '$v' changed nothing" "$saved" "$(cat "$B/policy")"
done
eq "no thread ran for rejected writes" "$STAT0" "$(cat "$B/policy_stat")"

# -- evict_on_limit -------------------------------------------------------------
ok "evict_on_limit 1" test -z "$(put "$B/evict_on_limit" 1)"
eq "evict_on_limit reads 1" 1 "$(cat "$B/evict_on_limit")"
ok "evict_on_limit 0 without newline" test -z "$(wr "$B/evict_on_limit" 0)"
eq "evict_on_limit reads 0" 0 "$(cat "$B/evict_on_limit")"
for v in 2 -1 yes on "" 0x; do
	werr "evict_on_limit '$v' is EINVAL" "$EINVAL" "$B/evict_on_limit" "$v"
done
eq "evict_on_limit unchanged by rejected writes" 0 "$(cat "$B/evict_on_limit")"
notok "policy_stat is read-only" sh -c "echo 1 > '$B/policy_stat'"

# -- the thread: nothing before init, runs after ------------------------------------
ok "interval=1 before init" test -z "$(put "$B/policy" "interval=1 writeback_after=off recompress_after=off")"
sleep 2.5
eq "no run on an uninitialised device" 0 "$(field "$B/policy_stat" 4)"
echo 64M > "$B/disksize"
for _ in $(seq 100); do
	[ "$(field "$B/policy_stat" 4)" -ge 2 ] && break
	sleep 0.1
done
ok "runs counted once initialised ($(field "$B/policy_stat" 4))" \
	test "$(field "$B/policy_stat" 4)" -ge 2

# -- reset ------------------------------------------------------------------------
put "$B/policy" "recompress_after=5 writeback_after=1-9 writeback_budget=1M accept_threshold=50" >/dev/null
put "$B/evict_on_limit" 1 >/dev/null
ok "reset" test -z "$(put "$B/reset" 1)"
eq "reset: policy defaults" "$DEFAULTS" "$(cat "$B/policy")"
eq "reset: policy_stat zeros" "$STAT0" "$(cat "$B/policy_stat")"
eq "reset: evict_on_limit 0" 0 "$(cat "$B/evict_on_limit")"
eq "reset: writeback_limit_enable 0" 0 "$(cat "$B/writeback_limit_enable")"
sleep 1.5
eq "reset: no run after it" "$STAT0" "$(cat "$B/policy_stat")"

# -- a device removed with its thread running ----------------------------------------
id=$(cat "$C/hot_add")
B1=$MNT/block/zram$id
echo 16M > "$B1/disksize"
ok "policy on zram$id" test -z "$(put "$B1/policy" "interval=1 recompress_after=0 writeback_after=0")"
sleep 1.5
ok "hot_remove zram$id with its policy running" test -z "$(put "$C/hot_remove" "$id")"
notok "zram$id gone" test -e "$B1"

# -- unmount with a thread running: the daemon exits by itself, status 0 ------------------
echo 1 > "$B/reset"
echo 16M > "$B/disksize"
put "$B/policy" "interval=1 recompress_after=0 writeback_after=0" >/dev/null
sleep 1.2
ok "fusermount -u" timeout 30 fusermount3 -u "$MNT"
for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DPID" 2>/dev/null; then
	fail "daemon still running 10 s after the unmount"
else
	wait "$DPID"
	rc=$?
	DPID=""
	eq "daemon exit status 0 with a policy thread" 0 "$rc"
fi
finish
