#!/bin/bash
# tests/bench/pbx.sh RATE COUNT [SIPD]: what the PBX lookups (ring groups, forwarding, read
# from SQLite at routing time) and the call records (a cdr row per call, via the writer
# thread) cost per call.  Record-routed calls (uac_rr.xml -> sipd -> uas_rr.xml, the callee
# registered with reg_one.xml), COUNT at RATE per second, to:
#   user    sip:callee@   a plain registered user: the lookups find nothing
#   group   sip:600@      a parallel ring group whose one member is callee
#   forward sip:boss@     boss forwards always to callee
# Prints, per case, SIPp's result, sipd's CPU per call, and sipd's longest SQLite read on the
# event loop (from its log at exit).  SIPD: another sipd binary (e.g. a build of the commit
# before the PBX features) to compare the "user" case; cases it does not know are skipped.
set -u
rate=$1 count=$2
here=$(cd "$(dirname "$0")" && pwd)
sipd=${3:-$here/../../sipd}
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
[ -d "$bench" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
dir=$(mktemp -d /tmp/sipd-bench-pbx.XXXXXX)
port=17160
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

one() {	# one CASE SERVICE
	rm -f "$dir"/sipd.db*
	cat >"$dir/sipd.conf" <<CONF
sip: { listen = ["udp:127.0.0.1:$port"]; domains = ["bench.local"]; };
log: { level = "notice"; };
database: { path = "$dir/sipd.db"; };
auth: { register = 0; calls = 0; };
CONF
	"$sipd" -f -c "$dir/sipd.conf" >/dev/null 2>"$dir/sipd.log" &
	local spid=$!
	sleep 0.5
	local v
	v=$(sqlite3 "$dir/sipd.db" "PRAGMA user_version")
	if [ "$1" != user ]; then
		if [ "$v" -lt 2 ]; then echo "$1: skipped (schema version $v)"; kill "$spid"; wait "$spid"; return; fi
		sqlite3 "$dir/sipd.db" "INSERT INTO ring_groups VALUES ('600', 'bench.local', 'parallel', 0);
		    INSERT INTO ring_group_members VALUES ('600', 'bench.local', 'callee', 1, 0);
		    INSERT INTO forwards VALUES ('boss', 'bench.local', 'always', 'callee', 20);"
	fi
	sipp -sf "$bench/sipp/uas_rr.xml" -i 127.0.0.1 -p 17600 -nostdin >/dev/null 2>&1 &
	local upid=$!
	pids="$spid $upid"
	sleep 0.5
	sipp -sf "$bench/sipp/reg_one.xml" -i 127.0.0.1 -p 17601 -m 1 -nostdin -s callee \
	    -key contact 127.0.0.1:17600 "127.0.0.1:$port" >/dev/null 2>&1
	local c0 c1 out ok
	c0=$(bash "$bench/cputime.sh" "$spid")
	out=$(cd /tmp && bash "$bench/sipp_run.sh" uac_rr.xml "127.0.0.1:$port" "$rate" "$count" -s "$2" -p 17602)
	c1=$(bash "$bench/cputime.sh" "$spid")
	ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
	kill "$upid"; wait "$upid" 2>/dev/null
	kill "$spid"; wait "$spid" 2>/dev/null
	pids=
	local rows
	rows=$(sqlite3 "$dir/sipd.db" "SELECT count(*) FROM cdr" 2>/dev/null || echo -)
	echo "$1 rate=$rate $out cpu=$(python3 -c "print(f'{$c1-$c0:.2f}')")s" \
	    "us_per_call=$(python3 -c "print(f'{($c1-$c0)/max($ok,1)*1e6:.1f}')")" \
	    "cdr_rows=$rows $(sed -n 's/.*\(longest read on the event loop [0-9]* us\).*/\1/p' "$dir/sipd.log")"
}

one user callee
one group 600
one forward boss
