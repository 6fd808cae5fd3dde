#!/bin/bash
# tests/bench/register.sh RATE COUNT [sipd|kamailio]: authenticated REGISTER refresh load
# (../shared/bench/sipp/reg_auth_load.xml) against sipd on 127.0.0.1:17060 or the Kamailio
# reference on 127.0.0.1:5070; prints SIPp's result and the server's CPU per REGISTER.
set -u
rate=$1 count=$2 who=${3:-sipd}
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
[ -d "$bench" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
dir=/tmp/sipd-bench-reg
if [ "$who" = sipd ]; then
	rm -rf "$dir"; mkdir -p "$dir"
	# one generator, one address, one user: a REGISTER SIPp retransmits after its binding was
	# refreshed by a later call is a nonce-count replay (401), and ten of those must not ban
	# the generator for the rest of the run
	pid=$("$here/sipd.sh" start "$dir" 17060 'auth: { max_failures = 0; };')
	echo pw000001 | "$here/../../sipctl" -c "$dir/sipd.conf" user add u000001 >/dev/null
	target=127.0.0.1:17060
else
	"$bench/kamailio/kam.sh" start -A WRITE_BACK -A WITH_AUTH || exit 1
	pid=$(cat /tmp/kam/kam.pid)
	target=127.0.0.1:5070
fi
c0=$(bash "$bench/cputime.sh" "$pid")
out=$(cd /tmp && bash "$bench/sipp_run.sh" reg_auth_load.xml "$target" "$rate" "$count" \
	-s u000001 -au u000001 -ap pw000001 -p 17400)
c1=$(bash "$bench/cputime.sh" "$pid")
ok=$(echo "$out" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
rss=$(grep VmRSS /proc/"$pid"/status 2>/dev/null | awk '{print $2}')
echo "$who rate=$rate $out cpu=$(python3 -c "print(f'{$c1-$c0:.2f}')")s us_per_register=$(python3 -c "print(f'{($c1-$c0)/max($ok,1)*1e6:.1f}')") rss_kb=$rss"
if [ "$who" = sipd ]; then
	grep -i "stall\|warn" "$dir/sipd.log" | tail -3
	"$here/sipd.sh" stop "$dir" 17060
else
	"$bench/kamailio/kam.sh" stop
fi
