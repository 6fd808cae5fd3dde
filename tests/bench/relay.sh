#!/bin/bash
# tests/bench/relay.sh [SECONDS] [N ...]: sipd's RTP relay under rtpblast (../shared/bench/rtp),
# the way that README measures rtpengine.  For each N: a fresh sipd (relay.mode "always"),
# N calls set up through it by relay_calls.py (INVITE/200/ACK, A at 127.0.0.2, B at 127.0.0.3),
# sipd's memory per relayed call (VmRSS before and after the calls), then rtpblast for SECONDS
# with the anchor's settings, sipd's CPU watched.  Results: $OUT (default /tmp/rtpb/sipd.jsonl),
# one RESULT line per N (relay "sipd", rss_per_call_kb added); summary.py prints the table.
# Needs root (rtpblast --rt-prio).  Not a test: nothing is asserted.
# Env: SIPD_BIN (another binary, e.g. a reference build), RELAY_OPTS (more relay settings, e.g.
# 'thread = 0;' or 'priority = 10;'), LABEL (the "relay" name in the results, default sipd).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$top/../shared}/bench}
[ -d "$bench/rtp" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
secs=${1:-30}; shift || true
[ $# -gt 0 ] || set -- 1000 1500
work=${WORK:-/tmp/rtpb}; out=${OUT:-$work/sipd.jsonl}
port=${SIPD_PORT:-17160}
mkdir -p "$work"
[ -x "$work/rtpblast" ] && [ "$work/rtpblast" -nt "$bench/rtp/rtpblast.c" ] ||
	gcc -O2 -Wall -o "$work/rtpblast" "$bench/rtp/rtpblast.c" || exit 1

pid=
stop_sipd() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || { pid=; return 0; }; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null; pid=
}
trap stop_sipd EXIT INT TERM
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

for n in "$@"; do
	d=$work/sipd.$n
	rm -rf "$d"
	pid=$("$here/sipd.sh" start "$d" "$port" 'auth: { register = 0; calls = 0; };' \
		'relay: { mode = "always"; port_min = 30000; port_max = 49999; timeout = 600; max_calls = 20000; '"${RELAY_OPTS:-}"' };')
	sleep 0.5
	r0=$(rss_kb "$pid")
	python3 "$here/relay_calls.py" --server-port "$port" --calls "$n" --out "$work/sipd-calls.$n.txt" || exit 1
	r1=$(rss_kb "$pid")
	per=$(python3 -c "print(round(($r1 - $r0) / $n, 2))")
	echo "== N=$n calls ($((n * 100)) pps offered), sipd pid $pid, fds $(ls /proc/$pid/fd | wc -l), RSS ${r0} -> ${r1} kB (${per} kB per call)"
	"$work/rtpblast" --file "$work/sipd-calls.$n.txt" --calls "$n" --seconds "$secs" --watch-pid "$pid" \
		${BLAST_ARGS---rt-prio 10 --connect --warmup 2} > "$work/sipd-blast.$n.txt" 2> "$work/sipd-blast.$n.err"
	grep -v '^RESULT' "$work/sipd-blast.$n.txt"
	grep '^RESULT' "$work/sipd-blast.$n.txt" |
		sed "s/^RESULT {/{\"relay\":\"${LABEL:-sipd}\",\"sipd_pid\":$pid,\"rss_per_call_kb\":$per,/" >> "$out"
	stop_sipd
	sleep 1
done
