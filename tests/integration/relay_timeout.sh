#!/bin/sh
# Relay sessions end without a BYE (relay.mode "always", relay.timeout 5, proxy.timer_c 10):
# an answered call whose media stops loses its relay sockets about relay.timeout later; a call
# that rings until Timer C loses them when sipd cancels it (tests/integration/relay_ua.py
# timeout).  About 20 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; timeout = 5; };" "proxy: { timer_c = 10; };"
timeout 90 $PYTHON "$TESTDIR/relay_ua.py" timeout --rtp-timeout 5 --timer-c 10 --server-port "$PORT" \
    --sipd-pid "$SIPD_PID" >"$TMP/ua.out" 2>&1
sed "s/^/$TEST_NAME: /" "$TMP/ua.out"
FAILS=$(grep -c '^NOT OK' "$TMP/ua.out")
grep -q "^ok: after Timer C" "$TMP/ua.out" || not_ok "the test did not run to its end"
check "sipd logged the RTP timeout" grep -q 'relay call-id=.*ended (RTP timeout)' "$TMP/sipd.log"
finish
