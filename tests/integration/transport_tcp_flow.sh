#!/bin/sh
# TCP flows (RFC 5626 / RFC 3261 18): a phone registered over TCP whose listener is closed still
# gets its calls down the connection it registered on (INVITE, then the caller's ACK and BYE);
# that connection outlives limits.tcp_idle_timeout while the registration uses it, an unused one
# does not; once the phone's connection is gone its binding is unusable at once: 480 right away,
# not a timeout.  A phone on an unreachable Contact (NAT) is reached for in-dialog requests
# through the flow token in sipd's Record-Route.  When her connection is gone, her binding is
# unusable (her Contact is behind the NAT): 480 at once.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

start_sipd 'auth: { register = 0; calls = 0; hide_users = 0; };' 'limits: { tcp_idle_timeout = 5; };'

phone bob sip:bob@127.0.0.1 --proto tcp --listener
call "sip:bob@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "a UDP caller's INVITE to bob (TCP, listener closed) is answered"
same "$(received bob INVITE)" 1 "the INVITE reached bob down his registered connection"
same "$(received bob ACK)" 1 "the caller's ACK reached bob"
same "$(received bob BYE)" 1 "the caller's BYE reached bob"
rr=$(hdr "$(msgs bob in INVITE | head -n 1)" Record-Route | tr '\n' ' ')
say "bob's INVITE: Record-Route $rr"
case $rr in
*"transport=tcp"*) ok "Record-Route: a TCP entry for bob's side (two entries: UDP caller, TCP callee)" ;;
*) not_ok "no ;transport=tcp Record-Route entry: $rr" ;;
esac
same "$(bindings bob | cut -d'|' -f2,3 | cut -d: -f1)" "1|tcp" "bob's binding: nat=1, received over tcp"

# An unused connection is closed after the idle timeout, bob's (a binding uses it) stays.
{
	printf 'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-idle\r\n'
	printf 'Max-Forwards: 70\r\nFrom: <sip:idle@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n'
	printf 'Call-ID: idle\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
} >"$TMP/idle.req"
$SIPSEND -p "$PORT" -t tcp -w 9 -T "$TMP/idle.req" >"$TMP/idle.out" 2>&1
say "unused connection: $(tr '\n' ' ' <"$TMP/idle.out")"
check "an unused TCP connection is closed after tcp_idle_timeout (5 s)" grep -qE '^[0-9.]+ (CLOSED|RESET)' "$TMP/idle.out"
call "sip:bob@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "after 9 s idle, bob is still reached (his flow was kept)"
same "$(received bob INVITE)" 2 "the second INVITE came down the same connection"

# bob's phone dies: its connection closes, the flow is unusable at once.  bob is not behind a
# NAT (his Contact is on the address he registered from), so sipd tries his Contact afresh
# (RFC 3261 18.1.1): refused, and the caller hears so at once, not after a transaction timeout.
phone_dies bob
call "sip:bob@127.0.0.1:$PORT"
case $CODE in 480|500) ok "INVITE to bob after his connection closed: $CODE" ;;
*) not_ok "INVITE to bob after his connection closed: got '$CODE', want 480 or 500 (a 503 is never passed upstream, 16.7 step 6)" ;; esac
check "... at once ($SECS s), not after a transaction timeout" test $SECS -le 5
same "$(received bob INVITE)" 2 "nothing more reached bob"

# A Contact over TCP where nothing listens: the refused connection ends the INVITE at once.
DEAD=$(free_port)
register dead-reg "$(free_port)" "sip:dead@127.0.0.1" "sip:dead@127.0.0.1:$DEAD;transport=tcp" >/dev/null
call "sip:dead@127.0.0.1:$PORT"
code=$CODE
case $code in 5??) ok "INVITE to a TCP Contact that refuses connections: $code" ;;
*) not_ok "INVITE to a TCP Contact that refuses connections: got '$code', want a 5xx" ;; esac
check "... at once ($SECS s), not after Timer B" test $SECS -le 5

# carol registers over TCP with a Contact nobody can reach (as behind a NAT): the call and the
# caller's in-dialog ACK and BYE find her flow through the token in sipd's Record-Route.
phone carol sip:carol@127.0.0.1 --proto tcp --contact "sip:carol@127.0.0.99:5999;transport=tcp"
call "sip:carol@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "INVITE to carol (Contact unreachable) answered over her flow"
same "$(received carol ACK)" 1 "the caller's ACK reached carol (flow token)"
same "$(received carol BYE)" 1 "the caller's BYE reached carol (flow token)"
rr=$(hdr "$(msgs carol in INVITE | head -n 1)" Record-Route | head -n 1)
say "carol's INVITE: Record-Route $rr"
case $rr in
*"<sip:"*@127.0.0.1:*) ok "sipd's Record-Route carries a flow token in its user part" ;;
*) not_ok "no flow token in the Record-Route: $rr" ;;
esac
phone_dies carol
call "sip:carol@127.0.0.1:$PORT"
same "$CODE" 480 "carol's connection gone, her Contact unreachable: 480"
check "... at once ($SECS s)" test $SECS -le 5
finish
