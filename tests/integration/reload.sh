#!/bin/sh
# Reload (SIGHUP) while calls and registrations are live: a second UDP+TCP listener, a domain
# and the log level are added and take effect at once; a call that was up across the reload
# ends normally (the callee's BYE reaches the caller through sipd) and a registration made
# before it still routes a new call; removing the first listener closes it; a listener whose
# port another program holds refuses the whole reload (old listeners, domains kept); a
# broken file is refused and sipd keeps serving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

SIPD_LOG_LEVEL=info
SIPD_DOMAINS='"example.test"'	# the primary domain (registrations are kept under it) stays
start_sipd "$PROXY_NOAUTH"
P1=$PORT
P2=$(free_port) || fail "no free port"
# answers PORT [udp|tcp] [URI]: the status code of one OPTIONS
answers() {
	$SIPSEND -p "$1" -t "${2:-udp}" -m OPTIONS ${3:+-u "$3"} -n 1 -w 1 2>/dev/null |
		sed -n 's/^SIP\/2.0 \([0-9]*\) .*/\1/p' | head -n 1
}
conf() {	# conf LISTEN-ENTRIES DOMAINS LEVEL [EXTRA]
	{
		echo "${4:-}"
		echo "sip: { listen = [ $1 ]; domains = [ $2 ]; };"
		echo "log: { level = \"$3\"; };"
		echo "database: { path = \"$TMP/sipd.db\"; };"
		echo "$PROXY_NOAUTH"
	} >"$TMP/sipd.conf"
}
L1="\"udp:127.0.0.1:$P1\", \"tcp:127.0.0.1:$P1\""
L2="\"udp:127.0.0.1:$P2\", \"tcp:127.0.0.1:$P2\""

BOB=sip:bob@127.0.0.1:$P1
callee bob "$BOB" --invite 180,200 --hangup 2.5
same "$(answers "$P2")" "" "before the reload: nothing on port $P2"
same "$(answers "$P1" udp sip:reload.test)" 403 "before the reload: reload.test is not ours"

# A call that is up while the reload happens: the callee hangs up 2.5 s after the ACK.
mkdir -p "$TMP/alice"
spawn timeout -k 2 30 $PEER uac --server-port "$P1" --name alice --dir "$TMP/alice" --to "$BOB" --linger 5
ALICE=$BG_PID
wait_until 5 grep -q 'out .* ACK ' "$TMP/alice/log" 2>/dev/null || { show alice; fail "the call was not answered"; }
ok "call 1 answered and ACKed; reloading while it is up"

conf "$L1, $L2" '"example.test", "reload.test"' debug 'relay: { port_min = 31000; port_max = 31999; };'
kill -HUP "$SIPD_PID"
check "reload logged" wait_log reloaded 1 5
check "the new listeners are logged" wait_log "listening on tcp:127.0.0.1:$P2" 1 2
same "$(answers "$P2" udp)" 200 "new UDP listener answers"
same "$(answers "$P2" tcp)" 200 "new TCP listener answers"
same "$(answers "$P1" udp)" 200 "old listener still answers"
same "$(answers "$P1" udp sip:reload.test)" 200 "new domain served"
check "new log level debug in force" wait_log "debug:" 1 2
check "a relay port range change is reported as needing a restart" \
	grep -q "relay.port_min/port_max changes take effect at the next restart" "$TMP/sipd.log"

wait "$ALICE" 2>/dev/null
c=$(codes alice out BYE)
check "call 1: the callee's BYE reached the caller across the reload (it answered: $c)" \
	sh -c "echo '$c' | grep -qw 200"
check "call 1: 'call end' logged" grep -q "call end call-id=.*cause=bye" "$TMP/sipd.log"

# The registration made before the reload still routes a call (arriving on the new listener).
PORT=$P2 dial carol --to "$BOB" --bye
check "call 2 via the new listener to the registration made before the reload: answered 200" \
	test "$(codes carol in INVITE | tr ' ' '\n' | grep -c '^200$')" -ge 1

# Remove the first listener.
conf "$L2" '"example.test", "reload.test"' info
kill -HUP "$SIPD_PID"
check "second reload logged" wait_log reloaded 2 5
check "'no longer listening' logged for the old listener" wait_log "no longer listening on udp:127.0.0.1:$P1" 1 2
same "$(answers "$P1" udp)" "" "old UDP listener closed"
same "$(answers "$P2" udp)" 200 "remaining listener answers"

# A listener another program holds: the whole reload is refused.
P3=$(free_port) || fail "no free port"
spawn "$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close(); time.sleep(60)' "$P3" "$TMP/held"
wait_until 5 test -e "$TMP/held"
conf "$L2, \"tcp:127.0.0.1:$P3\", \"udp:127.0.0.1:$P3\"" '"example.test"' info
kill -HUP "$SIPD_PID"
check "port in use: reload refused" wait_log "keeping the running configuration" 1 5
check "port in use: the log says what to do" grep -q "udp:127.0.0.1:$P3: the address is in use by another program" "$TMP/sipd.log"
same "$(answers "$P3" tcp)" "" "refused reload: its TCP listener was closed again (never half-applied)"
same "$(answers "$P2" udp sip:reload.test)" 200 "refused reload: domains kept"

# A broken file.
printf 'sip: { listen = [ ;\n' >"$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
check "syntax error: reload refused" wait_log "keeping the running configuration" 2 5
check "syntax error reported with file:line" grep -q "$TMP/sipd.conf:[0-9]" "$TMP/sipd.log"
same "$(answers "$P2" tcp)" 200 "after the broken reload: still serving"
finish
