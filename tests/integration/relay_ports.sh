#!/bin/sh
# No relay port or socket leaks: 1000 calls through sipd with relay.mode "always" (alice on
# 127.0.0.1, bob registered from 127.0.0.2; tests/integration/relay_ua.py), in turn answered
# and hung up with BYE, refused (486), and cancelled while ringing (CANCEL, 487).  Relay
# sockets are open during the answered calls; afterwards sipd holds exactly as many sockets
# (/proc/PID/fd) as before the first call.  The run is bounded: 1000 calls, 300 s at most.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"
[ -d /proc/self/fd ] || skip "no /proc here to count sockets"
CALLS=${RELAY_CALLS:-1000}
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 99))
# info level: 1000 calls' debug lines are not needed; a small port range is reused many times
SIPD_LOG_LEVEL=info
# flood protection off: the calls come as fast as relay_ua.py can make them, all from 127.0.0.1
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };" \
    'flood: { rate = 0; };'

if timeout 300 $PYTHON "$TESTDIR/relay_ua.py" many --calls "$CALLS" --server-port "$PORT" \
    --sipd-pid "$SIPD_PID" >"$TMP/ua.out" 2>&1; then :; fi
sed "s/^/$TEST_NAME: /" "$TMP/ua.out"
FAILS=$(grep -c '^NOT OK' "$TMP/ua.out")
grep -q '^ok: after .* calls sipd.s sockets are back' "$TMP/ua.out" || not_ok "the calls did not run to their end"
ended=$(grep -c 'relay call-id=.*: ended' "$TMP/sipd.log")
check "every relay session ended ($ended logged)" [ "$ended" -ge $((CALLS * 9 / 10)) ]
check "no port pair ran out" sh -c "! grep -q 'no free port pair' '$TMP/sipd.log'"
finish
