#!/bin/sh
# Call detail records with media (issue 5): a call whose RTP goes through sipd's relay
# (relay.mode "always"; tests/integration/relay_ua.py drives both phones and their RTP, alice
# on 127.0.0.1 calling bob on 127.0.0.2) gets a cdr row whose packets_from_caller and
# packets_from_callee are the relay's own counts for that call (sipd logs them when the relay
# session ends) and are not 0.  (Calls whose media is not relayed have 0 both ways:
# pbx_cdr.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 199))
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };"

timeout 60 $PYTHON "$TESTDIR/relay_ua.py" call --server-port "$PORT" --sipd-pid "$SIPD_PID" \
    --range "$RLO-$RHI" >"$TMP/ua.out" 2>&1
grep -q '^ok: nothing is relayed after the BYE' "$TMP/ua.out" || { cat "$TMP/ua.out"; fail "the relayed call did not run to its end"; }
line=$(grep 'relay call-id=relay-.*ended (BYE)' "$TMP/sipd.log" | tail -n 1)
cid=$(printf '%s\n' "$line" | sed -n 's/.*relay call-id=\([^:]*\): ended.*/\1/p')
ab=$(printf '%s\n' "$line" | sed -n 's/.* a->b pkts=\([0-9]*\) .*/\1/p')
ba=$(printf '%s\n' "$line" | sed -n 's/.* b->a pkts=\([0-9]*\) .*/\1/p')
[ -n "$cid" ] && [ -n "$ab" ] && [ -n "$ba" ] || fail "no relay end line in the log"
say "the relay counted a->b $ab and b->a $ba packets for $cid"
# the row is handed to the database writer within a second of the call's end
hasrow() { [ "$(db "SELECT count(*) FROM cdr WHERE call_id = '$cid'")" != 0 ]; }
wait_until 5 hasrow
same "$(db "SELECT count(*) FROM cdr WHERE call_id = '$cid'")" 1 "one cdr row for the relayed call"
same "$(db "SELECT status || ' ' || reason FROM cdr WHERE call_id = '$cid'")" "200 caller hangup" "... answered, the caller hung up"
same "$(db "SELECT packets_from_caller || ' ' || packets_from_callee FROM cdr WHERE call_id = '$cid'")" \
    "$ab $ba" "the row's media packets both ways are the relay's counts"
check "... and media flowed both ways (not 0)" test "$ab" -gt 0 -a "$ba" -gt 0
finish
