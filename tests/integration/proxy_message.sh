#!/bin/sh
# MESSAGE (RFC 3428) through the proxy: a non-INVITE request to a registered user is forwarded
# (RFC 3261 16) and the callee's 200 comes back, byte for byte less sipd's Via; no 100 Trying
# for a non-INVITE (RFC 4320 4.1), no Record-Route (sipd record-routes INVITE, SUBSCRIBE and
# REFER only).  The Request-URI may name sipd's address or the configured domain; a MESSAGE
# without Max-Forwards gets 70 (16.6 step 3); a caller over TCP reaches the UDP callee and gets
# the 200 on its connection.  Where the request goes: a binding whose REGISTER came from its
# Contact's host with a matching Via is reached at its Contact (16.5), even when the Contact's
# port is not the one it registered from; a NAT'd one (Contact host not the packet's source)
# at the address its REGISTER came from.  A MESSAGE to an unknown user gets 404 (with the
# offline message store off: with it on, an unknown user looks offline to an outside sender,
# 202, under auth.hide_users; msg_offline.sh tests that).
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH" 'messages: { store = 0; };'

callee bob "sip:bob@127.0.0.1:$PORT"
BOBPORT=$CALLEE_PORT
TEXT='Hello, Bob! Grüße — ünïcödé; a "quoted" part, commas, and a trailing space '

# message NAME URI [sipsend options]: a MESSAGE with TEXT; answers in $TMP/NAME.resp and
# $TMP/NAME.N (raw)
message() {
	_n=$1 _u=$2
	shift 2
	$SIPSEND -p "$PORT" -m MESSAGE -u "$_u" --body "$TEXT" --ctype 'text/plain;charset=UTF-8' \
	    -n 1 -w 5 --linger 0.3 -o "$TMP/$_n" "$@" >"$TMP/$_n.resp" 2>&1
}
statuses() { sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/$1.resp" | tr '\n' ' ' | sed 's/ $//'; }
# nth_message N: the Nth MESSAGE bob received
nth_message() { msgs bob in MESSAGE | sed -n "${1}p"; }
# delivered WHAT N NAME: bob's Nth MESSAGE is right, and NAME got bob's 200 byte for byte
delivered() {
	_f=$(nth_message "$2")
	if [ -z "$_f" ]; then not_ok "$1: the callee received no MESSAGE"; return; fi
	same "$(startline "$_f")" "MESSAGE sip:bob@127.0.0.1:$BOBPORT SIP/2.0" \
	    "$1: the Request-URI is the Contact"
	check "$1: the body is intact" sh -c "[ \"\$($PEER body '$_f')\" = '$TEXT' ]"
	check "$1: sipd's Via on top" sh -c "$PEER hdr '$_f' Via | head -n 1 | grep -qE '^SIP/2\.0/UDP 127\.0\.0\.1:$PORT;.*branch=z9hG4bK'"
	same "$(hdr "$_f" Record-Route)" "" "$1: no Record-Route on a MESSAGE"
	_r=$(msgs bob out 200/MESSAGE | sed -n "${2}p")
	if [ -n "$_r" ] && [ -s "$TMP/$3.1" ]; then
		if respcmp "$_r" "$TMP/$3.1" >"$TMP/cmp.out"; then
			ok "$1: the caller got the callee's 200, byte for byte less sipd's Via"
		else
			not_ok "$1: the caller got the callee's 200, byte for byte less sipd's Via"
			cat "$TMP/cmp.out"
		fi
	else
		not_ok "$1: a 200 from the callee to compare (callee's '$_r', caller's $TMP/$3.1)"
	fi
}

message m1 "sip:bob@127.0.0.1:$PORT"
same "$(statuses m1)" 200 "MESSAGE to sip:bob@127.0.0.1:$PORT: one 200, no 100"
delivered "MESSAGE to sipd's address" 1 m1
f=$(nth_message 1)
need "the callee's first MESSAGE" "$f" && same "$(hdr "$f" Max-Forwards)" 69 "MESSAGE to sipd's address: Max-Forwards 70 -> 69"

message m2 sip:bob@example.test
same "$(statuses m2)" 200 "MESSAGE to sip:bob@example.test (configured domain): one 200"
delivered "MESSAGE to the configured domain" 2 m2

# without Max-Forwards
{
	printf 'MESSAGE sip:bob@127.0.0.1:%s SIP/2.0\r\n' "$PORT"
	printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
	printf 'From: <sip:alice@caller.invalid>;tag=[call_id]\r\n'
	printf 'To: <sip:bob@127.0.0.1:%s>\r\n' "$PORT"
	printf 'Call-ID: [call_id]@nomf\r\n'
	printf 'CSeq: 7 MESSAGE\r\n'
	printf 'Content-Type: text/plain;charset=UTF-8\r\n'
	printf 'Content-Length: [len]\r\n\r\n%s' "$TEXT"
} >"$TMP/nomf.req"
$SIPSEND --subst -p "$PORT" -n 1 -w 5 --linger 0.3 -o "$TMP/m3" "$TMP/nomf.req" >"$TMP/m3.resp" 2>&1
same "$(statuses m3)" 200 "MESSAGE without Max-Forwards: one 200"
delivered "MESSAGE without Max-Forwards" 3 m3
f=$(nth_message 3)
need "the callee's third MESSAGE" "$f" && same "$(hdr "$f" Max-Forwards)" 70 "MESSAGE without Max-Forwards: sipd added Max-Forwards: 70"

message m4 "sip:bob@127.0.0.1:$PORT" -t tcp
same "$(statuses m4)" 200 "MESSAGE over TCP to the UDP callee: one 200 on the caller's connection"
delivered "MESSAGE over TCP" 4 m4

message m5 "sip:nobody@127.0.0.1:$PORT"
same "$(statuses m5)" 404 "MESSAGE to an unknown user: 404"
message m6 sip:nobody@example.test
same "$(statuses m6)" 404 "MESSAGE to an unknown user of the configured domain: 404"
same "$(nmsgs bob in MESSAGE)" 4 "the callee received the four MESSAGEs for it, nothing else"

# ---- where requests go -------------------------------------------------------------------------
# carol registers from one port, her Contact names another of the same host (Via as sent): the
# MESSAGE goes to the Contact, where carol-phone listens
callee carol-phone - --port "$(free_port)"
CPORT=$CALLEE_PORT
callee carol "sip:carol@127.0.0.1:$PORT" --contact "sip:carol@127.0.0.1:$CPORT"
message m7 "sip:carol@127.0.0.1:$PORT"
same "$(statuses m7)" 200 "MESSAGE to carol (Contact: another port of the REGISTER's host): one 200"
same "$(nmsgs carol-phone in MESSAGE) $(nmsgs carol in MESSAGE)" "1 0" \
    "... it reached her Contact (16.5), not the port she registered from"
f=$(msgs carol-phone in MESSAGE | head -n 1)
same "$(startline "$f")" "MESSAGE sip:carol@127.0.0.1:$CPORT SIP/2.0" "... Request-URI: her Contact"
# dave registers from 127.0.0.1, his Contact names 127.0.0.2 (behind a NAT, as sipd sees it):
# the MESSAGE goes to where the REGISTER came from; dave-contact listens at the Contact
if "$PYTHON" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.2", 0))' 2>/dev/null; then
	callee dave-contact - --bind 127.0.0.2 --port "$(free_port)"
	DPORT=$CALLEE_PORT
	callee dave "sip:dave@127.0.0.1:$PORT" --contact "sip:dave@127.0.0.2:$DPORT"
	message m8 "sip:dave@127.0.0.1:$PORT"
	same "$(statuses m8)" 200 "MESSAGE to dave (NAT'd: Contact host 127.0.0.2, REGISTER from 127.0.0.1): one 200"
	same "$(nmsgs dave in MESSAGE) $(nmsgs dave-contact in MESSAGE)" "1 0" \
	    "... it reached the address his REGISTER came from, not his Contact"
	f=$(msgs dave in MESSAGE | head -n 1)
	same "$(startline "$f")" "MESSAGE sip:dave@127.0.0.2:$DPORT SIP/2.0" "... Request-URI: his Contact"
else
	say "note: 127.0.0.2 cannot be bound here; the NAT'd-binding check is left out"
fi

[ "$FAILS" -eq 0 ] || for p in bob carol carol-phone dave dave-contact; do show "$p"; done
finish
