#!/bin/sh
# Relay metrics: one call through the RTP relay (relay_ua.py call: early media, both ways,
# hold and resume, an injection attempt, BYE).  Afterwards sipd_relay_packets_total and
# sipd_relay_bytes_total equal the packets and bytes sipd's own end-of-call log line counted
# in both directions, sipd_relay_calls_total is 1 and no relay session is left open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 199))
MPORT=$(free_port) || fail "no free port for the metrics endpoint"
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };" \
	"metrics: { enable = 1; listen = \"127.0.0.1:$MPORT\"; };"

timeout 60 $PYTHON "$TESTDIR/relay_ua.py" call --server-port "$PORT" --sipd-pid "$SIPD_PID" \
    --range "$RLO-$RHI" >"$TMP/ua.out" 2>&1
grep -q '^ok: nothing is relayed after the BYE' "$TMP/ua.out" || { cat "$TMP/ua.out"; fail "the relayed call did not run to its end"; }
wait_log 'ended (BYE) a->b pkts=' 1 5 || fail "no end-of-call relay line"
line=$(grep 'ended (BYE) a->b pkts=' "$TMP/sipd.log" | tail -n 1)
ab_p=$(printf '%s\n' "$line" | sed -n 's/.*a->b pkts=\([0-9]*\) bytes=\([0-9]*\).*/\1/p')
ab_b=$(printf '%s\n' "$line" | sed -n 's/.*a->b pkts=\([0-9]*\) bytes=\([0-9]*\).*/\2/p')
ba_p=$(printf '%s\n' "$line" | sed -n 's/.*b->a pkts=\([0-9]*\) bytes=\([0-9]*\).*/\1/p')
ba_b=$(printf '%s\n' "$line" | sed -n 's/.*b->a pkts=\([0-9]*\) bytes=\([0-9]*\).*/\2/p')
say "sipd counted a->b $ab_p packets / $ab_b bytes, b->a $ba_p / $ba_b"
"$PYTHON" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
	"http://127.0.0.1:$MPORT/metrics" >"$TMP/m.prom" || fail "scrape failed"
m() { awk -v s="$1" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' "$TMP/m.prom"; }
same "$(m sipd_relay_packets_total)" "$((ab_p + ba_p))" "sipd_relay_packets_total = packets relayed both ways"
same "$(m sipd_relay_bytes_total)" "$((ab_b + ba_b))" "sipd_relay_bytes_total = bytes relayed both ways"
same "$(m sipd_relay_calls_total)" 1 "sipd_relay_calls_total"
same "$(m sipd_relay_sessions)" 0 "no relay session left open"
check "packets were relayed at all" test "$((ab_p + ba_p))" -gt 0
finish
