#!/bin/sh
# Messages that wait (store and forward, msgstore.c): a MESSAGE for a local user with no phone
# registered is stored and answered 202; two more are kept in order; when the user's phone
# registers it receives the three, in order, each body and Content-Type byte for byte, from the
# original sender, with a Date header; a row goes only after the phone's 2xx (a phone that
# answers 500 keeps it, the next REGISTER delivers).  A MESSAGE whose phones all answer 480 is
# stored too.  Delivery takes the way calls take: down an RFC 5626 TCP flow, to a NAT'd UDP
# phone's public address.  Limits: messages and bytes per user (the oldest dropped, one log
# line), 513 for a body over messages.max_body, lifetime (the MESSAGE's Expires, the phone's
# message-expires, expiry).  Typing notifications are not stored.  auth.hide_users: an unknown
# user looks offline to an outside sender (202, nothing stored); a local sender must
# authenticate (407) and then hears the truth (404 / 202).  sipctl msg list / del.  kill -9
# after the 202 loses nothing: the restarted sipd delivers.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
PHONE="$PYTHON $TESTDIR/msgphone.py"
start_sipd 'auth: { register = 0; };' \
    'messages: { max_per_user = 4; max_bytes_per_user = 2048; max_body = 1500; };'
for u in bob carol dave erin frank gina hal ivy jay ann; do
	printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add "$u" >/dev/null 2>&1 || fail "sipctl user add $u"
done

# send NAME USER BODYFILE [CTYPE] [FROM] [extra header line]: a MESSAGE to USER@example.test
# with the bytes of BODYFILE; prints the final status
send() {
	_n=$1 _u=$2 _b=$3 _ct=${4:-text/plain;charset=UTF-8}
	_from=${5:-'"Alice Outside" <sip:alice@outside.invalid>'}
	{
		printf 'MESSAGE sip:%s@example.test SIP/2.0\r\n' "$_u"
		printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
		printf 'Max-Forwards: 70\r\n'
		printf 'From: %s;tag=[call_id]\r\n' "$_from"
		printf 'To: <sip:%s@example.test>\r\n' "$_u"
		printf 'Call-ID: [call_id]@%s\r\n' "$_n"
		printf 'CSeq: 1 MESSAGE\r\n'
		printf 'Content-Type: %s\r\n' "$_ct"
		[ -n "${6:-}" ] && printf '%s\r\n' "$6"
		printf 'Content-Length: [len]\r\n\r\n'
		cat "$_b"
	} >"$TMP/$_n.req"
	$SIPSEND --subst -p "$PORT" -n 1 -w 5 "$TMP/$_n.req" >"$TMP/$_n.resp" 2>&1
	sed -n 's/^SIP\/2\.0 \([2-6][0-9][0-9]\) .*/\1/p' "$TMP/$_n.resp" | tail -n 1
}
# body FILE: the body of a received message (after the first empty line), as is
body() { "$PYTHON" -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[1])' "$1"; }
# hval FILE NAME: the value of header NAME in FILE
hval() { "$PYTHON" -c '
import sys
head = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[0].decode()
for l in head.split("\r\n")[1:]:
    n, _, v = l.partition(":")
    if n.strip().lower() == sys.argv[2].lower():
        print(v.strip()); break' "$1" "$2"; }
rows() { db "SELECT count(*) FROM messages WHERE aor = 'sip:$1@example.test'"; }
rows_are() { [ "$(rows "$1")" = "$2" ]; }
phone_has() { [ -e "$TMP/$1/msg.$2" ] && grep -q "^out " "$TMP/$1/log"; }
# phone NAME USER [msgphone options]: start a phone for USER@example.test; waits until registered
phone() {
	_pn=$1 _pu=$2
	shift 2
	spawn $PHONE --server-port "$PORT" --aor "sip:$_pu@example.test" --name "$_pu" --dir "$TMP/$_pn" "$@"
	wait_until 10 test -e "$TMP/$_pn/registered" || fail "phone $_pn did not register"
}

# ---- three messages for bob, who is offline ----------------------------------------------------
printf 'Hello, Bob! Grüße — ünïcödé; "quoted", commas, trailing space ' >"$TMP/b1"
printf 'From: <sip:alice@outside.invalid>\r\nTo: <sip:bob@example.test>\r\nDateTime: 2026-12-03T10:00:00Z\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: Xy12\r\nimdn.Disposition-Notification: positive-delivery\r\n\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\nsecond, in CPIM' >"$TMP/b2"
printf 'third\r\nwith a line break\nand a bare LF\r\n' >"$TMP/b3"
same "$(send m1 bob "$TMP/b1")" 202 "MESSAGE to offline bob: 202 Accepted"
same "$(rows bob)" 1 "... one row stored"
same "$(send m2 bob "$TMP/b2" 'Message/CPIM')" 202 "a second (message/cpim with IMDN): 202"
same "$(send m3 bob "$TMP/b3" 'text/plain; charset="utf-8"')" 202 "a third: 202"
same "$(db "SELECT group_concat(content_type, '|') FROM (SELECT content_type FROM messages WHERE aor = 'sip:bob@example.test' ORDER BY id)")" \
    'text/plain;charset=UTF-8|Message/CPIM|text/plain; charset="utf-8"' "... three rows, in order, Content-Types as sent"
check "a log line per stored message" log_has "msgstore: stored call-id=" 3

# typing notifications are not stored: as before, bob offline to an outside sender looks unknown
printf '<?xml version="1.0"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state></isComposing>' >"$TMP/ic"
same "$(send ic bob "$TMP/ic" application/im-iscomposing+xml)" 404 "is-composing to offline bob: not stored (404, as before)"
same "$(rows bob)" 3 "... nothing stored for it"

# auth.hide_users: a user that does not exist answers as an offline one to an outside sender
same "$(send nobody nobody "$TMP/b1")" 202 "MESSAGE to a user that does not exist, from outside: 202 too"
same "$(db "SELECT count(*) FROM messages WHERE aor LIKE '%nobody%'")" 0 "... nothing stored"
check "... one log line saying it was dropped" log_has "aor=sip:nobody@example.test no such user, message dropped"
# a local user as sender must authenticate
same "$(send local bob "$TMP/b1" text/plain '<sip:ann@example.test>')" 407 "MESSAGE from local user ann without credentials: 407"
same "$(rows bob)" 3 "... nothing stored"

# an authenticated local user hears the truth: 404 for nobody, 202 (stored) for an offline user
asend() { $PHONE --server-port "$PORT" --aor sip:ann@example.test --dir "$TMP/ann" --user ann --password pw --send "$1" --body "$2"; }
same "$(asend sip:nobody@example.test 'to nobody')" 404 "MESSAGE from authenticated ann to a user that does not exist: 404"
same "$(asend sip:gina@example.test 'from ann')" 202 "MESSAGE from authenticated ann to offline gina: 202"
same "$(db "SELECT sender FROM messages WHERE aor = 'sip:gina@example.test'" | sed 's/;tag=.*//')" "<sip:ann@example.test>" "... stored with ann as sender"
"$SIPCTL" -c "$TMP/sipd.conf" msg del "$(db "SELECT id FROM messages WHERE aor = 'sip:gina@example.test'")" >/dev/null ||
    not_ok "sipctl msg del of ann's message to gina"

# ---- bob's phone answers 500: the row stays -------------------------------------------------------
phone p500 bob --code 500 --count 1 --linger 0.5
wait_until 10 phone_has p500 1 || not_ok "the phone answering 500 got a MESSAGE"
check "... sipd logs that it keeps it" wait_log "delivery answered 500: kept for the next registration"
same "$(rows bob)" 3 "... all three rows are kept"
same "$(ls "$TMP/p500" | grep -c '^msg\.')" 1 "... and nothing after the failed one was sent"

# ---- bob registers again: three MESSAGEs in order, byte for byte ------------------------------
phone p200 bob --count 3 --linger 1
wait_until 10 rows_are bob 0 || not_ok "the rows are deleted after the phone's 200s"
for i in 1 2 3; do
	f=$TMP/p200/msg.$i
	[ -s "$f" ] || { not_ok "delivered MESSAGE $i missing"; continue; }
	body "$f" >"$TMP/body.$i"
	check "MESSAGE $i: body byte for byte as sent" cmp -s "$TMP/b$i" "$TMP/body.$i"
	check "MESSAGE $i: from the original sender" sh -c "grep -a '^From: ' '$f' | grep -q '\"Alice Outside\" <sip:alice@outside.invalid>'"
	check "MESSAGE $i: a Date header" sh -c "grep -aqE '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT' '$f'"
	same "$(head -n 1 "$f" | sed 's/:[0-9]* SIP/:PORT SIP/' | tr -d '\r')" "MESSAGE sip:bob@127.0.0.1:PORT SIP/2.0" "MESSAGE $i: to the phone's Contact"
done
same "$(hval "$TMP/p200/msg.1" Content-Type) | $(hval "$TMP/p200/msg.2" Content-Type) | $(hval "$TMP/p200/msg.3" Content-Type)" \
    'text/plain;charset=UTF-8 | Message/CPIM | text/plain; charset="utf-8"' "Content-Types byte for byte, in order"
same "$(ls "$TMP/p200" | grep -c '^msg\.')" 3 "the phone got exactly three MESSAGEs"
check "sipd logs the delivery" wait_log "aor=sip:bob@example.test all 3 waiting message(s) delivered"

# ---- a phone registered but not taking messages (480): stored all the same -----------------------
printf 'while you were busy' >"$TMP/g1"
phone p480 gina --code 480 --count 1 --linger 0.2
same "$(send g1 gina "$TMP/g1")" 202 "MESSAGE to gina, whose only phone answers 480: 202"
same "$(rows gina)" 1 "... stored for her next registration"
check "... saying why" log_has "aor=sip:gina@example.test its phones answered 480: storing"
phone pg gina --count 1 --linger 0.3
wait_until 10 rows_are gina 0 || not_ok "gina's row deleted after her next phone's 200"
if [ -s "$TMP/pg/msg.1" ]; then
	body "$TMP/pg/msg.1" >"$TMP/pg.body"
	check "... that phone got it byte for byte" cmp -s "$TMP/g1" "$TMP/pg.body"
else
	not_ok "gina's next phone got the message"
fi

# a phone's message-expires Contact parameter (Linphone registers one) bounds the lifetime
phone p480h hal --code 480 --count 2 --linger 0.2 --contact-params ';message-expires=60'
printf 'for hal' >"$TMP/h1"
same "$(send h1 hal "$TMP/h1")" 202 "MESSAGE to hal, whose phone registered message-expires=60 and answers 480: 202"
same "$(db "SELECT expires - received FROM messages WHERE aor = 'sip:hal@example.test'")" 60 \
    "... kept 60 s (message-expires), not messages.lifetime"
same "$(send h2 hal "$TMP/h1" text/plain '' 'Expires: 30')" 202 "another with Expires: 30: 202"
same "$(db "SELECT expires - received FROM messages WHERE aor = 'sip:hal@example.test' ORDER BY id DESC LIMIT 1")" 30 \
    "... kept 30 s (the request's Expires is shorter)"

# ---- delivery takes the way calls take: an RFC 5626 flow over TCP, a NAT'd UDP phone ---------------
FLOWPHONE="$PYTHON $TESTDIR/flowphone.py"
# fphone NAME USER [flowphone.py options]: a flowphone.py for USER@example.test, registered
fphone() {
	_fn=$1 _fu=$2
	shift 2
	mkdir -p "$TMP/$_fn"
	spawn $FLOWPHONE --port "$PORT" --name "$_fu" --aor "sip:$_fu@example.test" --dir "$TMP/$_fn" --time 60 "$@"
	wait_until 10 test -e "$TMP/$_fn/ready" || not_ok "flowphone $_fn registered"
}
# flow_got NAME BODYFILE: NAME's first MESSAGE carries BODYFILE's bytes
flow_got() {
	_ff=$(grep -l '^MESSAGE ' "$TMP/$1"/in.* 2>/dev/null | head -n 1)
	[ -n "$_ff" ] && body "$_ff" >"$TMP/$1.body" && cmp -s "$2" "$TMP/$1.body"
}
printf 'down the flow' >"$TMP/i1"
same "$(send i1 ivy "$TMP/i1")" 202 "MESSAGE to offline ivy: 202"
fphone ivy ivy --proto tcp --instance 00000000-0000-4000-8000-0000000001fe --reg-id 1 --outbound --listener
check "ivy's phone, registered over TCP with outbound (no listener), got it down its flow" wait_until 10 flow_got ivy "$TMP/i1"
check "... and the row is gone" wait_until 10 rows_are ivy 0
if "$PYTHON" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.3", 0))' 2>/dev/null; then
	printf 'through the NAT' >"$TMP/j1"
	same "$(send j1 jay "$TMP/j1")" 202 "MESSAGE to offline jay: 202"
	np=$(free_port)
	fphone jay jay --bind 127.0.0.3 --contact "sip:jay@127.0.0.2:$np" --via "127.0.0.2:$np"
	check "jay's NAT'd phone (Contact 127.0.0.2, packets from 127.0.0.3) got it at 127.0.0.3" wait_until 10 flow_got jay "$TMP/j1"
	check "... and the row is gone" wait_until 10 rows_are jay 0
else
	say "note: 127.0.0.3 cannot be bound here; the NAT'd-phone delivery is left out"
fi

# ---- limits -------------------------------------------------------------------------------------
for i in 1 2 3 4 5; do printf 'carol %s' "$i" >"$TMP/c$i"; send c$i carol "$TMP/c$i" >/dev/null; done
same "$(db "SELECT group_concat(CAST(body AS TEXT), ',') FROM (SELECT body FROM messages WHERE aor = 'sip:carol@example.test' ORDER BY id)")" \
    "carol 2,carol 3,carol 4,carol 5" "five messages for carol at max_per_user 4: the oldest dropped"
check "... with a log line" log_has "aor=sip:carol@example.test over its limits (4 messages, 2048 bytes): 1 oldest message(s) dropped"
head -c 1200 /dev/zero | tr '\0' 'a' >"$TMP/d1"
head -c 1200 /dev/zero | tr '\0' 'b' >"$TMP/d2"
head -c 1501 /dev/zero | tr '\0' 'c' >"$TMP/d3"
send d1 dave "$TMP/d1" >/dev/null
send d2 dave "$TMP/d2" >/dev/null
same "$(db "SELECT count(*), substr(CAST(body AS TEXT), 1, 1) FROM messages WHERE aor = 'sip:dave@example.test'")" \
    "1|b" "two 1200-byte messages at max_bytes_per_user 2048: only the newer kept"
same "$(send d3 dave "$TMP/d3")" 513 "a 1501-byte body over max_body 1500: 513"
same "$(rows dave)" 1 "... not stored"
# expiry: the MESSAGE's Expires
printf 'short-lived' >"$TMP/e1"
same "$(send e1 erin "$TMP/e1" text/plain '' 'Expires: 1')" 202 "a MESSAGE with Expires: 1 for erin: 202"
check "... it expires and is dropped unsent, with a log line" wait_until 15 log_has "expired message(s) dropped unsent"
same "$(rows erin)" 0 "... its row is gone"

# ---- sipctl msg list / del ----------------------------------------------------------------------
"$SIPCTL" -c "$TMP/sipd.conf" msg list >"$TMP/list.all" 2>/dev/null || not_ok "sipctl msg list"
same "$(grep -c 'sip:carol@example.test' "$TMP/list.all") $(grep -c 'sip:dave@example.test' "$TMP/list.all")" "4 1" \
    "sipctl msg list: carol's four and dave's one"
"$SIPCTL" -c "$TMP/sipd.conf" msg list carol >"$TMP/list.carol" 2>/dev/null
same "$(tail -n +2 "$TMP/list.carol" | cut -f 8 | tr '\n' ',')" "carol 2,carol 3,carol 4,carol 5," "sipctl msg list carol: her texts in order"
id=$(db "SELECT min(id) FROM messages WHERE aor = 'sip:carol@example.test'")
same "$("$SIPCTL" -c "$TMP/sipd.conf" msg del "$id" 2>&1)" "removed message $id" "sipctl msg del $id"
same "$(rows carol)" 3 "... the row is gone"
"$SIPCTL" -c "$TMP/sipd.conf" msg del 999999 >/dev/null 2>&1
same "$?" 1 "sipctl msg del of an id that does not exist: exit 1"

# ---- kill -9 between the 202 and the delivery ----------------------------------------------------
printf 'survives kill -9' >"$TMP/f1"
same "$(send f1 frank "$TMP/f1")" 202 "MESSAGE for frank: 202"
kill -KILL "$SIPD_PID"
wait "$SIPD_PID" 2>/dev/null
SIPD_PID=
restart_sipd
check "the restarted sipd knows messages wait" log_has "msgstore: messages wait for"
phone pf frank --count 1 --linger 0.5
wait_until 10 rows_are frank 0 || not_ok "frank's row deleted after delivery"
if [ -s "$TMP/pf/msg.1" ]; then
	body "$TMP/pf/msg.1" >"$TMP/pf.body"
	check "after kill -9 and restart, frank's phone got the message byte for byte" cmp -s "$TMP/f1" "$TMP/pf.body"
else
	not_ok "after kill -9 and restart, frank's phone got the message"
fi
finish
