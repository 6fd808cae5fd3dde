#!/bin/bash
# tests/bench/call.sh RATE COUNT [sipd|kamailio]: record-routed calls (uac_rr.xml -> server ->
# uas_rr.xml), the callee registered through the server with reg_one.xml; prints SIPp's result,
# the server's CPU per call and INVITE->200 response time.  LATENCY=1 also captures loopback
# (tcpdump) and prints p50/p99 INVITE->200 latency as the caller sees it (latency.py).
set -u
rate=$1 count=$2 who=${3:-sipd}
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
[ -d "$bench" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
dir=/tmp/sipd-bench-call
if [ "$who" = sipd ]; then
	rm -rf "$dir"; mkdir -p "$dir"
	pid=$("$here/sipd.sh" start "$dir" 17060 'auth: { register = 0; calls = 0; };')
	target=127.0.0.1:17060
else
	"$bench/kamailio/kam.sh" start -A WRITE_BACK || exit 1
	pid=$(cat /tmp/kam/kam.pid)
	target=127.0.0.1:5070
fi
sipp -sf "$bench/sipp/uas_rr.xml" -i 127.0.0.1 -p 17500 -nostdin -bg -trace_err >/dev/null 2>&1
sleep 0.5
sipp -sf "$bench/sipp/reg_one.xml" -i 127.0.0.1 -p 17501 -m 1 -nostdin -s callee \
	-key contact 127.0.0.1:17500 "$target" >/dev/null 2>&1
if [ "${LATENCY:-0}" = 1 ]; then
	tcpdump -i lo -B 65536 -s 1500 -w /tmp/sipd-bench-call.pcap udp port 17502 or udp port 17500 \
		>/dev/null 2>&1 &
	cap=$!
	sleep 1
fi
c0=$(bash "$bench/cputime.sh" "$pid")
out=$(cd /tmp && bash "$bench/sipp_run.sh" uac_rr.xml "$target" "$rate" "$count" -s callee -p 17502)
c1=$(bash "$bench/cputime.sh" "$pid")
ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
echo "$who rate=$rate $out cpu=$(python3 -c "print(f'{$c1-$c0:.2f}')")s us_per_call=$(python3 -c "print(f'{($c1-$c0)/max($ok,1)*1e6:.1f}')")"
if [ "${LATENCY:-0}" = 1 ]; then
	sleep 0.5; kill -INT "$cap"; wait "$cap" 2>/dev/null
	python3 "$here/latency.py" /tmp/sipd-bench-call.pcap "${target##*:}" 17502
	rm -f /tmp/sipd-bench-call.pcap
fi
pkill -f "sipp -sf $bench/sipp/uas_rr.xml" 2>/dev/null
if [ "$who" = sipd ]; then "$here/sipd.sh" stop "$dir" 17060; else "$bench/kamailio/kam.sh" stop; fi
