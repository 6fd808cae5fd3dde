#!/bin/sh
# tests/bench/sipd.sh start|stop DIR PORT [extra config lines]: a sipd for benchmarks (log level
# warning, database in DIR), on 127.0.0.1:PORT UDP+TCP.  Prints its pid on start.  SIPD_BIN: another binary.
set -e
cmd=$1 dir=$2 port=$3; shift 3
top=$(cd "$(dirname "$0")/../.." && pwd)
case $cmd in
start)
	mkdir -p "$dir"
	{
		echo "sip: { listen = [\"udp:127.0.0.1:$port\", \"tcp:127.0.0.1:$port\"]; domains = [\"bench.local\"]; };"
		echo "log: { level = \"notice\"; };"
		echo "database: { path = \"$dir/sipd.db\"; };"
		# one load generator on one address: flood protection would ban it
		echo "flood: { rate = 0; };"
		for l in "$@"; do echo "$l"; done
	} > "$dir/sipd.conf"
	"${SIPD_BIN:-$top/sipd}" -f -c "$dir/sipd.conf" >/dev/null 2>"$dir/sipd.log" &
	echo $! > "$dir/sipd.pid"
	sleep 0.5
	cat "$dir/sipd.pid"
	;;
stop)
	pid=$(cat "$dir/sipd.pid")
	kill "$pid" 2>/dev/null || true
	# wait for it to exit (and free its port) so the next start can bind
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	;;
esac
