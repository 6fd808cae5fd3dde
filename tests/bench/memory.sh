#!/bin/bash
# tests/bench/memory.sh [sipd] [relay] [kamailio]: memory held per call, and given back.
#
#   sipd      N record-routed calls at RATE/s (uac_rr.xml -> sipd -> uas_rr.xml, media not
#             relayed, the callee registered with reg_one.xml): RSS and the allocator's heap in
#             use (sipd_heap_in_use_bytes, glibc mallinfo2) before, at the end of the load and
#             AFTER seconds later; heap bytes per call alive (the calls of the last 32 s: the
#             transactions' and lingering calls' window, 64*T1), and by part
#             (sipd_memory_bytes{part=...}: transactions, proxy call state, call records, relay).
#   relay     RELAY_CALLS calls set up with relay.mode "always" (relay_calls.py, the relay.sh
#             tooling; dialogs left up): RSS and heap per relayed call right after set-up (their
#             transactions alive) and AFTER seconds later (only the dialogs' state left).
#   kamailio  the same load as "sipd" against the Kamailio reference (../shared/bench/kamailio,
#             2 workers, write-back): kamcmd core.shmmem (used, max_used) and the processes' RSS.
# Default: sipd.  Environment: N (8000), RATE (200), AFTER (60), RELAY_CALLS (1000), SIPD_BIN.
# Not a test: nothing is asserted.  The metrics endpoint of the benchmark sipd is 127.0.0.1:17069.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
[ -d "$bench" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
n=${N:-8000} rate=${RATE:-200} after=${AFTER:-60} relay_calls=${RELAY_CALLS:-1000}
port=17060 mport=17069 dir=/tmp/sipd-bench-mem
window=$(( rate * 32 < n ? rate * 32 : n ))	# calls whose state is still kept at the end
[ $# -gt 0 ] || set -- sipd

pid= uas= result=
cleanup() {
	[ -n "$uas" ] && kill "$uas" 2>/dev/null
	[ -n "$pid" ] && "$here/sipd.sh" stop "$dir" "$port"
	uas= pid=
}
trap cleanup EXIT INT TERM

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# metric NAME: one value from the benchmark sipd's metrics endpoint
metric() { curl -s "http://127.0.0.1:$mport/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
parts() {
	curl -s "http://127.0.0.1:$mport/metrics" | sed -n 's/^sipd_memory_bytes{part="\([a-z]*\)"} \(.*\)/\1 \2/p' |
		awk -v c="$1" '{ printf "%s%s=%.0f B/call", (NR > 1 ? ", " : ""), $1, $2 / c } END { print "" }'
}
kb() { python3 -c "print(f'{($1) / 1024:.1f}')"; }

start_sipd() {	# start_sipd EXTRA-CONFIG-LINE...
	rm -rf "$dir"
	pid=$("$here/sipd.sh" start "$dir" "$port" 'auth: { register = 0; calls = 0; };' \
		"metrics: { enable = 1; listen = \"127.0.0.1:$mport\"; };" "$@")
	for _ in $(seq 50); do [ -n "$(metric sipd_heap_in_use_bytes)" ] && return 0; sleep 0.1; done
	echo "$0: sipd did not start (see $dir/sipd.log)" >&2; exit 1
}

# The call load against target, the callee (uas_rr.xml) registered there first; SIPp's
# summary into $result.
load() {
	sipp -sf "$bench/sipp/uas_rr.xml" -i 127.0.0.1 -p 17500 -nostdin -trace_err >/dev/null 2>&1 &
	uas=$!
	sleep 0.5
	sipp -sf "$bench/sipp/reg_one.xml" -i 127.0.0.1 -p 17501 -m 1 -nostdin -s callee \
		-key contact 127.0.0.1:17500 "$1" >/dev/null 2>&1
	result=$(cd /tmp && bash "$bench/sipp_run.sh" uac_rr.xml "$1" "$rate" "$n" -s callee -p 17502)
}

run_sipd() {
	start_sipd
	local r0 h0 r1 h1 r2 h2 t1
	r0=$(rss_kb "$pid") h0=$(metric sipd_heap_in_use_bytes)
	load "127.0.0.1:$port"
	echo "sipd: $n record-routed calls at $rate/s, media not relayed ($result)"
	r1=$(rss_kb "$pid") h1=$(metric sipd_heap_in_use_bytes) t1=$(metric sipd_transactions)
	echo "  end of load: $t1 transactions; by part, per call of the last 32 s ($window): $(parts "$window")"
	kill "$uas" 2>/dev/null; uas=
	sleep "$after"
	r2=$(rss_kb "$pid") h2=$(metric sipd_heap_in_use_bytes)
	echo "  RSS (MB):           before $(kb "$r0")  end $(kb "$r1") (+$(kb "$r1 - $r0"))  ${after}s after $(kb "$r2")"
	echo "  heap in use (MB):   before $(kb "$h0 / 1024")  end $(kb "$h1 / 1024")  ${after}s after $(kb "$h2 / 1024")   held ${after}s after $(kb "$(metric sipd_heap_held_bytes) / 1024")"
	echo "  heap per call:      $(python3 -c "print(f'{($h1 - $h0) / $window:.0f}')") B ($(( h1 - h0 )) B / $window calls)"
	echo "  RSS after / before: $(python3 -c "print(f'{$r2 / $r0:.2f}')")"
	cleanup
}

run_relay() {
	start_sipd 'relay: { mode = "always"; port_min = 30000; port_max = 49999; timeout = 600; max_calls = 20000; };'
	local r0 h0 r1 h1 r2 h2
	r0=$(rss_kb "$pid") h0=$(metric sipd_heap_in_use_bytes)
	python3 "$here/relay_calls.py" --server-port "$port" --calls "$relay_calls" --out "$dir/calls.txt" >/dev/null || exit 1
	r1=$(rss_kb "$pid") h1=$(metric sipd_heap_in_use_bytes)
	echo "relay: $relay_calls relayed calls set up (dialogs up); by part, per call: $(parts "$relay_calls")"
	sleep "$after"
	r2=$(rss_kb "$pid") h2=$(metric sipd_heap_in_use_bytes)
	echo "  ${after}s later (transactions over, dialogs up); by part, per call: $(parts "$relay_calls")"
	echo "  RSS (MB):         before $(kb "$r0")  set up $(kb "$r1")  ${after}s after $(kb "$r2")"
	echo "  per relayed call: heap $(( (h1 - h0) / relay_calls )) B, RSS $(( (r1 - r0) * 1024 / relay_calls )) B at set-up;" \
		"heap $(( (h2 - h0) / relay_calls )) B ${after}s later"
	cleanup
}

# Shared memory of the Kamailio reference: kamcmd core.shmmem's used and max_used, in MB.
kam_shm() {
	kamcmd -s unix:/tmp/kam/kamailio_ctl core.shmmem 2>/dev/null |
		awk '$1 == "used:" { u = $2 } $1 == "max_used:" { m = $2 } END { printf "used %.1f max_used %.1f", u / 1048576, m / 1048576 }'
}
kam_rss() {	# summed RSS of the Kamailio processes, MB
	local p; p=$(cat /tmp/kam/kam.pid)
	for q in $p $(pgrep -P "$p"); do awk '/^VmRSS/ { print $2 }' "/proc/$q/status"; done |
		awk '{ s += $1 } END { printf "%.1f", s / 1024 }'
}

run_kamailio() {
	command -v kamailio >/dev/null && command -v kamcmd >/dev/null ||
		{ echo "kamailio: not installed (Debian: kamailio kamailio-sqlite-modules)"; return 0; }
	"$bench/kamailio/kam.sh" start -A WRITE_BACK || return 1
	local s0 k0
	s0=$(kam_shm) k0=$(kam_rss)
	load 127.0.0.1:5070
	echo "kamailio: $n record-routed calls at $rate/s ($result)"
	echo "  shm (MB): before $s0; end $(kam_shm); RSS of all processes before $k0 end $(kam_rss)"
	kill "$uas" 2>/dev/null; uas=
	sleep "$after"
	echo "  ${after}s after: shm $(kam_shm); RSS $(kam_rss)"
	"$bench/kamailio/kam.sh" stop
}

for what in "$@"; do
	case $what in
	sipd) run_sipd ;;
	relay) run_relay ;;
	kamailio) run_kamailio ;;
	*) echo "usage: memory.sh [sipd] [relay] [kamailio]" >&2; exit 2 ;;
	esac
done
