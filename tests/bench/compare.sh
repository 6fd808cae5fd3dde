#!/bin/bash
# tests/bench/compare.sh REF_SIPD NEW_SIPD [ROUNDS] [COUNT] [RATE]: CPU per REGISTER (auth off,
# distinct AORs, reg_load.xml) and per OPTIONS of two sipd binaries, measured alternately
# (ref, new, ref, new, ...) on 127.0.0.1:17860 so that machine noise hits both alike.
# Prints one line per run and the median of each, and new/ref.
set -u
ref=$1 new=$2 rounds=${3:-3} count=${4:-20000} rate=${5:-4000}
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-$here/../../../shared/bench}
[ -d "$bench" ] || bench=/work/shared/bench
port=17860
run() {	# run BINARY SCENARIO -> cpu us per message
	dir=$(mktemp -d /tmp/sipd-bench-cmp.XXXXXX)
	printf 'sip: { listen = ["udp:127.0.0.1:%s"]; domains = ["bench.local"]; };\nlog: { level = "notice"; };\ndatabase: { path = "%s/sipd.db"; };\nauth: { register = 0; };\nflood: { rate = 0; };\nmetrics: { enable = 0; };\n' \
	    "$port" "$dir" >"$dir/sipd.conf"
	[ "$1" = "$ref" ] && sed -i '/^metrics/d' "$dir/sipd.conf"	# the reference may not know it
	# (flood: one generator on one address would be banned at once, leaving nothing measured)
	"$1" -f -c "$dir/sipd.conf" >/dev/null 2>"$dir/sipd.log" &
	pid=$!
	sleep 0.5
	c0=$(bash "$bench/cputime.sh" "$pid")
	res=$(cd /tmp && bash "$bench/sipp_run.sh" "$2" "127.0.0.1:$port" "$rate" "$count" -p 17861)
	c1=$(bash "$bench/cputime.sh" "$pid")
	kill "$pid"; wait "$pid" 2>/dev/null
	rm -rf "$dir"
	python3 -c "print(f'{($c1-$c0)/$count*1e6:.2f}')"
	echo "$res" >&2
}
for sc in reg_load.xml "$here/options.xml"; do
	r=() n=()
	for i in $(seq "$rounds"); do
		r+=("$(run "$ref" "$sc")")
		n+=("$(run "$new" "$sc")")
		echo "$(basename "$sc") round $i: ref ${r[-1]} us/msg, new ${n[-1]} us/msg"
	done
	python3 -c "
import statistics as s, sys
r=[float(x) for x in sys.argv[1].split()]; n=[float(x) for x in sys.argv[2].split()]
print(f'$(basename "$sc"): median ref {s.median(r):.2f} us, new {s.median(n):.2f} us, new/ref {s.median(n)/s.median(r):.3f}')" "${r[*]}" "${n[*]}"
done
