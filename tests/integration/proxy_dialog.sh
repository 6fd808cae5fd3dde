#!/bin/sh
# Inside a dialog the proxy set up (RFC 3261 12, 16.6, 16.12; RFC 6026):
#  1. The caller ACKs the 200 late: the callee's 200 retransmissions (13.3.1.4) all reach the
#     caller (a 2xx is forwarded whenever it comes, 16.7 step 5 / RFC 6026 7.2).
#  2. The callee hangs up: its BYE goes to sipd along the Record-Route, and reaches the caller at
#     its Contact with sipd's Route entry gone, sipd's Via over the callee's; the 200 comes back.
#  3. Loose routing to a next hop (16.4, 16.6 step 7): an in-dialog request whose Route set is
#     sipd then another hop (both values in one Route field) goes to that hop, Request-URI
#     untouched, only sipd's value taken off the Route.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH"
BOB=sip:bob@127.0.0.1:$PORT

# ---- 1 and 2 --------------------------------------------------------------------------------------
callee bob "$BOB" --invite 180,200@0.2 --hangup 0.5
dial alice --to "$BOB" --ack-delay 1.2 --linger 2.5

sent=$(nmsgs bob out 200/INVITE) got=$(nmsgs alice in 200/INVITE)
check "1: the callee retransmitted its 200 while the ACK was late (sent $sent)" test "$sent" -ge 2
same "$got" "$sent" "1: every 200 the callee sent reached the caller"
tags=$(for f in $(msgs alice in 200/INVITE); do hdr "$f" To; done | sort -u | grep -c .)
same "$tags" 1 "1: ... all the same response (one To tag)"
check "1: the callee got the ACK" test "$(nmsgs bob in ACK)" -ge 1

inv=$(msgs alice out INVITE | head -n 1)
acontact=$(hdr "$inv" Contact | sed 's/^<\([^>]*\)>.*/\1/')
same "$(nmsgs alice in BYE)" 1 "2: the callee's BYE reached the caller"
b=$(msgs alice in BYE | head -n 1) bb=$(msgs bob out BYE | head -n 1)
if need "2: the BYE the callee sent and the caller received" "$b" "$bb"; then
	same "$(startline "$b")" "BYE $acontact SIP/2.0" "2: ... Request-URI: the caller's Contact"
	same "$(hdr "$b" Route)" "" "2: ... no Route left (sipd's own entry removed)"
	same "$(hdr "$bb" Route)" "<sip:127.0.0.1:$PORT;lr>" "2: (the callee sent it with Route: sipd's Record-Route)"
	check "2: ... sipd's Via on top" sh -c "$PEER hdr '$b' Via | head -n 1 | grep -qE '^SIP/2\.0/UDP 127\.0\.0\.1:$PORT;.*branch=z9hG4bK'"
	same "$(hdr "$b" Via | sed -n 2p)" "$(hdr "$bb" Via)" "2: ... the callee's Via below it"
	same "$(hdr "$b" Max-Forwards)" 69 "2: ... Max-Forwards 69"
fi
same "$(codes bob in BYE)" 200 "2: the callee got the 200 for its BYE"
f=$(msgs bob in 200/BYE | head -n 1)
need "2: the callee's 200 for its BYE" "$f" && same "$(hdr "$f" Via | grep -c .)" 1 "2: ... with its own Via only"

# ---- 3: sipd, then another hop ----------------------------------------------------------------------
callee hop - --port "$(free_port)"
HOP=$CALLEE_PORT
NOWHERE=$(free_port) || fail "no free port"
{
	printf 'BYE sip:carol@127.0.0.1:%s SIP/2.0\r\n' "$NOWHERE"
	printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
	printf 'Max-Forwards: 70\r\n'
	printf 'Route: <sip:127.0.0.1:%s;lr>, <sip:127.0.0.1:%s;lr;x-hop=1>\r\n' "$PORT" "$HOP"
	printf 'From: <sip:dave@127.0.0.1>;tag=d-[call_id]\r\n'
	printf 'To: <sip:carol@127.0.0.1>;tag=c-[call_id]\r\n'
	printf 'Call-ID: [call_id]@route\r\n'
	printf 'CSeq: 3 BYE\r\n'
	printf 'Content-Length: 0\r\n\r\n'
} >"$TMP/route.req"
$SIPSEND --subst -p "$PORT" -n 1 -w 5 -v "$TMP/route.req" >"$TMP/route.resp" 2>&1
same "$(sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/route.resp" | tr '\n' ' ' | sed 's/ $//')" 200 \
    "3: BYE with Route: sipd, hop: the hop's 200 came back"
same "$(nmsgs hop in BYE)" 1 "3: the next hop (the second Route) got the BYE"
f=$(msgs hop in BYE | head -n 1)
if need "3: the hop's BYE" "$f"; then
	same "$(startline "$f")" "BYE sip:carol@127.0.0.1:$NOWHERE SIP/2.0" "3: ... Request-URI untouched"
	same "$(hdr "$f" Route | "$PYTHON" -c 'import sys; print(", ".join(v.strip() for l in sys.stdin for v in l.split(",") if v.strip()))')" \
	    "<sip:127.0.0.1:$HOP;lr;x-hop=1>" "3: ... Route: only the hop's value left"
	check "3: ... sipd's Via on top" sh -c "$PEER hdr '$f' Via | head -n 1 | grep -qE '^SIP/2\.0/UDP 127\.0\.0\.1:$PORT;.*branch=z9hG4bK'"
fi

[ "$FAILS" -eq 0 ] || for p in alice bob hop; do show "$p"; done
finish
