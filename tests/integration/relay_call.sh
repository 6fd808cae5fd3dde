#!/bin/sh
# The RTP relay on one call (relay.mode "always"): alice on 127.0.0.1 calls bob, registered
# from 127.0.0.2, through sipd (tests/integration/relay_ua.py drives both phones and their RTP).
# Checked on what each phone receives: the offer bob gets and the 183/200 alice gets name the
# relay (sipd's address, a port of relay.port_min..max), carry no ICE attributes, a bumped o=
# version and a Content-Length that fits; early media of the 183 reaches alice; RTP flows both
# ways, each side receiving from the relay port it was given (symmetric RTP); a third address
# cannot inject into a latched stream; a re-INVITE to hold (sendonly/recvonly) and back keeps
# the ports, and media flows again; a re-INVITE from bob with a new port redirects his media;
# after the BYE sipd's socket count is back where it was and nothing more is relayed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 199))
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };"

if timeout 60 $PYTHON "$TESTDIR/relay_ua.py" call --server-port "$PORT" --sipd-pid "$SIPD_PID" \
    --range "$RLO-$RHI" >"$TMP/ua.out" 2>&1; then :; fi
sed "s/^/$TEST_NAME: /" "$TMP/ua.out"
FAILS=$(grep -c '^NOT OK' "$TMP/ua.out")
grep -q '^ok: nothing is relayed after the BYE' "$TMP/ua.out" || not_ok "the call did not run to its end"
check "sipd logged the relay session's end with counters" grep -q 'relay call-id=relay-.*ended (BYE) a->b pkts=[1-9]' "$TMP/sipd.log"
finish
