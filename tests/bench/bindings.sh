#!/bin/bash
# tests/bench/bindings.sh [COUNT] [RATE]: register COUNT distinct AORs (reg_load.xml, auth off),
# report RSS before/after, the event-loop stall figures, then restart sipd on the same database
# and report how long loading the bindings took.
set -u
count=${1:-100000} rate=${2:-5000}
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
[ -d "$bench" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
dir=/tmp/sipd-bench-bind
rm -rf "$dir"; mkdir -p "$dir"
pid=$("$here/sipd.sh" start "$dir" 17060 'auth: { register = 0; };')
rss0=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)
c0=$(bash "$bench/cputime.sh" "$pid")
(cd /tmp && bash "$bench/sipp_run.sh" reg_load.xml 127.0.0.1:17060 "$rate" "$count" -p 17400)
c1=$(bash "$bench/cputime.sh" "$pid")
rss1=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)
rows=$(sqlite3 -readonly "$dir/sipd.db" 'select count(*) from location')
echo "bindings=$rows rss_before_kb=$rss0 rss_after_kb=$rss1 per_100k_kb=$(( (rss1 - rss0) * 100000 / (rows > 0 ? rows : 1) )) cpu_us_per_register=$(python3 -c "print(f'{($c1-$c0)/$count*1e6:.1f}')")"
"$here/sipd.sh" stop "$dir" 17060
sleep 1
grep -E "longest" "$dir/sipd.log"
t0=$(date +%s.%N)
pid=$("$here/sipd.sh" start "$dir" 17060 'auth: { register = 0; };')
for _ in $(seq 100); do grep -q "bindings loaded" "$dir/sipd.log" && break; sleep 0.05; done
grep -E "bindings loaded|started" "$dir/sipd.log" | tail -2
echo "restart rss_kb=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)"
"$here/sipd.sh" stop "$dir" 17060
