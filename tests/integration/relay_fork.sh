#!/bin/sh
# The relay with a forked call (relay.mode "always"): bob has phones on 127.0.0.2 and 127.0.0.3;
# both are offered the same relay port; the first sends early media with a 183 (it reaches
# alice, and alice's reaches it), the second answers 200: the first is cancelled, and media then
# flows between alice and the answering phone only, both ways; after the BYE sipd's socket count
# is back where it was (tests/integration/relay_ua.py fork).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
for a in 127.0.0.2 127.0.0.3; do
	"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind((sys.argv[1], 0))' "$a" 2>/dev/null ||
		skip "$a is not usable here"
done
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 99))
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };" \
    "proxy: { serial_forking = 0; };"
timeout 60 $PYTHON "$TESTDIR/relay_ua.py" fork --server-port "$PORT" --sipd-pid "$SIPD_PID" \
    --range "$RLO-$RHI" >"$TMP/ua.out" 2>&1
sed "s/^/$TEST_NAME: /" "$TMP/ua.out"
FAILS=$(grep -c '^NOT OK' "$TMP/ua.out")
grep -q "^ok: sipd's sockets are back" "$TMP/ua.out" || not_ok "the call did not run to its end"
finish
