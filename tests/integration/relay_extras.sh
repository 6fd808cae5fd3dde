#!/bin/sh
# The relay with less common SDP carriers (relay.mode "always"; tests/integration/relay_ua.py
# extras): a multipart/mixed INVITE (only its application/sdp part is rewritten, the other part
# and the delimiters arrive unchanged, Content-Length fits); a late offer (INVITE without SDP,
# the offer in the 200, the answer in the ACK, both rewritten); and, when ::1 exists, a call
# over IPv6 whose SDP names the relay as c=IN IP6 ::1.  RTP flows both ways in each call and
# sipd's sockets are back to their count at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"
V6=
if "$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
	V6=--v6
	SIPD_EXTRA_LISTEN=', "udp:[::1]:@PORT@"'
else
	say "no ::1 here: the IPv6 call is left out"
fi
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 99))
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };"
timeout 60 $PYTHON "$TESTDIR/relay_ua.py" extras $V6 --server-port "$PORT" --sipd-pid "$SIPD_PID" \
    --range "$RLO-$RHI" >"$TMP/ua.out" 2>&1
sed "s/^/$TEST_NAME: /" "$TMP/ua.out"
FAILS=$(grep -c '^NOT OK' "$TMP/ua.out")
grep -q "^ok: sipd's sockets are back" "$TMP/ua.out" || not_ok "the test did not run to its end"
finish
