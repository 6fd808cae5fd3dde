#!/bin/bash
# tests/bench/console.sh RATE COUNT: record-routed calls at RATE through a sipd with the web
# console on, three times: console closed, a browser's polling (/api/dashboard every 2 s), and
# the dashboard endpoint polled back to back; prints sipd's CPU per call for each, and the
# endpoint's requests/s and latency p50/p99 while the calls run.  The poller logs in before
# the measurement starts (the scrypt check is sipd CPU, not the console's steady cost).  Not a test.  Ports: 27060
# (SIP), 27080 (console), 27500-27502 (SIPp).
set -u
rate=$1 count=$2
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
dir=/tmp/sipd-bench-console
rm -rf "$dir"; mkdir -p "$dir"
pid=$("$here/sipd.sh" start "$dir" 27060 'auth: { register = 0; calls = 0; };' \
	'console: { enable = 1; listen = "127.0.0.1:27080"; rate = 10000; };')
echo console-bench-pw | "$here/../../sipctl" -c "$dir/sipd.conf" admin add bench >/dev/null
sipp -sf "$bench/sipp/uas_rr.xml" -i 127.0.0.1 -p 27500 -nostdin -trace_err >/dev/null 2>&1 &
uas=$!
trap 'kill $uas 2>/dev/null; [ -n "${poll:-}" ] && kill $poll 2>/dev/null; "$here/sipd.sh" stop "$dir" 27060' EXIT
sleep 0.5
sipp -sf "$bench/sipp/reg_one.xml" -i 127.0.0.1 -p 27501 -m 1 -nostdin -s callee \
	-key contact 127.0.0.1:27500 127.0.0.1:27060 >/dev/null 2>&1
secs=$(python3 -c "print($count / $rate + 3)")
run() {	# run LABEL [poll interval]
	poll=
	if [ $# -gt 1 ]; then
		python3 "$here/console_poll.py" http://127.0.0.1:27080 bench console-bench-pw "$secs" "$2" \
			> "$dir/poll.out" &
		poll=$!
		for _ in $(seq 100); do grep -q ready "$dir/poll.out" 2>/dev/null && break; sleep 0.1; done
	fi
	c0=$(bash "$bench/cputime.sh" "$pid")
	out=$(cd /tmp && bash "$bench/sipp_run.sh" uac_rr.xml 127.0.0.1:27060 "$rate" "$count" -s callee -p 27502)
	c1=$(bash "$bench/cputime.sh" "$pid")
	ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
	[ -n "$poll" ] && { wait "$poll"; poll=; }
	echo "$1: $out cpu=$(python3 -c "print(f'{$c1-$c0:.2f}')")s us_per_call=$(python3 -c "print(f'{($c1-$c0)/max($ok,1)*1e6:.1f}')") ${2:+console: $(tail -n 1 "$dir/poll.out")}"
}
# three runs: a fourth run of 10000 calls at 2000/s fails with or without the console (the
# SIPp callee of this harness; seen 2026-12-04 with four "closed" runs too)
run closed
run browser 2
run hammer 0
