#!/bin/sh
# Memory comes back after a load: 2,000 record-routed calls at 200/s from a SIPp caller through
# sipd to a registered SIPp callee (timers.t1 = 100 ms, so that transactions and lingering calls
# end 6.4 s after their last message instead of 32 s).  Once they are over, every module's own
# account (sipd_memory_bytes: transactions, proxy, call records, relay) is back to 0, the heap
# in use (sipd_heap_in_use_bytes) is back near where it started, and sipd has given at least
# half of the RSS the load added back to the system (heap.c's idle malloc_trim).  The bounds
# are generous: this checks that memory returns, not how much a call costs (tests/bench/memory.sh).
# Under AddressSanitizer the heap numbers are ASan's allocator's, but its quarantine keeps freed
# memory resident: the RSS bound is skipped there (said so), the rest is checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
command -v "${SIPP:-sipp}" >/dev/null 2>&1 || skip "sipp not installed"

CALLS=2000
MPORT=$(free_port) || fail "no free port for the metrics endpoint"
SIPD_LOG_LEVEL=notice
start_sipd "$PROXY_NOAUTH" "metrics: { enable = 1; listen = \"127.0.0.1:$MPORT\"; };" \
    'timers: { t1 = 100; };' 'flood: { rate = 0; };'
ASAN=
if ldd "$SIPD" 2>/dev/null | grep -q libasan; then ASAN=1; fi

# metric SERIES: its value now (name{labels} as printed); empty when the page cannot be read
metric() {
	"$PYTHON" - "http://127.0.0.1:$MPORT/metrics" "$1" <<'PY'
import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    name, _, value = line.rpartition(" ")
    if name == sys.argv[2]:
        print(int(float(value)))
PY
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$SIPD_PID/status"; }
parts_zero() {
	for p in transactions proxy callrec relay; do
		[ "$(metric "sipd_memory_bytes{part=\"$p\"}")" = 0 ] || return 1
	done
	[ "$(metric sipd_transactions)" = 0 ]
}
# wait_for SECONDS COMMAND...: poll COMMAND every half second until it succeeds
wait_for() {
	_n=$(($1 * 2)); shift
	while ! "$@"; do
		[ "$_n" -gt 0 ] || return 1
		sleep 0.5
		_n=$((_n - 1))
	done
}

UASPORT=$(free_port) || fail "no free port for the callee"
BOB=sip:bob@127.0.0.1:$PORT
st=$(register reg "$UASPORT" "$BOB" "sip:bob@127.0.0.1:$UASPORT" 3600)
[ "$st" = 200 ] || fail "REGISTER of $BOB: want 200, got '$st'"
wait_for 10 parts_zero || fail "transactions of the REGISTER still held after 10 s"
h0=$(metric sipd_heap_in_use_bytes) r0=$(rss_kb)
[ -n "$h0" ] && [ "$h0" -gt 0 ] || fail "no sipd_heap_in_use_bytes on the metrics page"
ok "before: heap in use $h0 B, RSS $r0 kB"

spawn timeout -k 5 90 "${SIPP:-sipp}" -sf "$SCENARIOS/proxy_uas.xml" -i 127.0.0.1 -p "$UASPORT" \
    -m "$CALLS" -timeout 80s -timeout_error -nostdin -trace_err -error_file "$TMP/sipp-uas.err" \
    >"$TMP/sipp-uas.out" 2>&1
UAS_PID=$BG_PID
sipp_listening SOCK_DGRAM "$UASPORT" "$UAS_PID" "$TMP/sipp-uas.out"
SIPP_TIMEOUT=60 run_sipp proxy_uac.xml "$CALLS" -s bob -r 200 -l 2000 || fail "the calls did not all complete"
h1=$(metric sipd_heap_in_use_bytes) r1=$(rss_kb) t1=$(metric sipd_transactions)
ok "$CALLS calls done: $t1 transactions, heap in use $h1 B, RSS $r1 kB"
check "the load shows in the heap (in use grew)" test "$h1" -gt "$h0"

# transactions (64*T1 = 6.4 s) and the proxy's lingering calls end; every account is 0 again
check "every module's memory account back to 0 (transactions, proxy, callrec, relay)" wait_for 40 parts_zero
# near the start: 1 MB, or a quarter of what the load added, whichever is more
heap_back() {
	_h=$(metric sipd_heap_in_use_bytes)
	_slack=$(( (h1 - h0) / 4 > 1048576 ? (h1 - h0) / 4 : 1048576 ))
	[ -n "$_h" ] && [ "$_h" -le $((h0 + _slack)) ]
}
check "heap in use back near the start" wait_for 20 heap_back
ok "after: heap in use $(metric sipd_heap_in_use_bytes) B"

if [ -n "$ASAN" ]; then
	say "note: AddressSanitizer build: its quarantine keeps freed memory resident, so the RSS bound is not checked"
else
	# the idle trim runs every 5 s: at least half of what the load added goes back
	rss_back() { [ "$(rss_kb)" -le $((r0 + (r1 - r0) / 2)) ]; }
	check "RSS gives back at least half of what the load added ($r0 -> $r1 kB)" wait_for 20 rss_back
	ok "after: RSS $(rss_kb) kB"
fi
stop_pid "$UAS_PID"
finish
