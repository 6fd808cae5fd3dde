#!/bin/bash
# tests/bench/compare.sh REF_SIPD NEW_SIPD [ROUNDS] [COUNT] [RATE]: CPU per REGISTER (auth off,
# distinct AORs, reg_load.xml) and per OPTIONS of two sipd binaries, measured alternately
# (ref, new, ref, new, ...) on 127.0.0.1:17860 so that machine noise hits both alike; then CPU
# per authenticated REGISTER refresh (register.sh, 5,000/s) and per record-routed call
# (call.sh, 2,000/s), alternately too.  CALLS=0 skips those two.
# Prints one line per run and the median of each, and new/ref.
set -u
ref=$1 new=$2 rounds=${3:-3} count=${4:-20000} rate=${5:-4000}
here=$(cd "$(dirname "$0")" && pwd)
bench=${SHARED_BENCH:-${SIPD_SHARED:-$here/../../../shared}/bench}
[ -d "$bench" ] || { echo "$0: no bench references at $bench: set SIPD_SHARED (or SHARED_BENCH)" >&2; exit 1; }
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

[ "${CALLS:-1}" = 0 ] && exit 0
# median REF NEW LABEL: the medians and new/ref of two lists of numbers
median() {
	python3 -c "
import statistics as s, sys
r=[float(x) for x in sys.argv[1].split()]; n=[float(x) for x in sys.argv[2].split()]
print(f'{sys.argv[3]}: median ref {s.median(r):.2f} us, new {s.median(n):.2f} us, new/ref {s.median(n)/s.median(r):.3f}')" "$1" "$2" "$3"
}
for kind in register call; do
	r=() n=()
	for i in $(seq "$rounds"); do
		for bin in "$ref" "$new"; do
			if [ $kind = register ]; then
				out=$(SIPD_BIN=$bin "$here/register.sh" 5000 "$count")
				v=$(echo "$out" | sed -n 's/.*us_per_register=\([0-9.]*\).*/\1/p')
			else
				out=$(SIPD_BIN=$bin "$here/call.sh" 2000 "$count")
				v=$(echo "$out" | sed -n 's/.*us_per_call=\([0-9.]*\).*/\1/p')
			fi
			echo "$out" | head -1 >&2
			if [ "$bin" = "$ref" ]; then r+=("${v:-0}"); else n+=("${v:-0}"); fi
		done
		echo "$kind round $i: ref ${r[-1]} us, new ${n[-1]} us"
	done
	median "${r[*]}" "${n[*]}" "$kind"
done
