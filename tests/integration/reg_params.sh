#!/bin/sh
# Contact parameters a phone registers are kept as sent: +sip.instance, reg-id,
# +org.linphone.specs (a quoted value holding ';' and ','), pn-* (as header params and as URI
# params inside <>, the way Linphone sends them, with ':' and '&' that only a URI may hold), message-expires, unknown ones, a flag without
# value, case and LWS around '=' as written.  They come back in the 200 (to this phone and in the
# 200 another phone of the same AOR gets), sit in the location table's params column, survive a
# restart, and a refresh with other params replaces them.  q and expires are the registrar's: the
# 200 states them itself.  LWS before the first ';' adds no empty parameter.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
start_sipd "$PROXY_NOAUTH"

P1=';+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000000b1>";reg-id=1;+org.linphone.specs="groupchat/1.1,lime;x";pn-provider=apns.dev;pn-param=ABCD1234.org.linphone.phone;pn-prid=00fc13adff78;message-expires=604800;X-Unknown=MiXeD;flag;odd = spaced'
U1='sip:alice@127.0.0.1:5991;transport=udp;pn-provider=apns.dev;pn-prid=00fc:remote&4b6d:voip;pn-param=ABCD.org.linphone.phone.remote&voip'
st=$(register r1 "$(free_port)" sip:alice@127.0.0.1 "$U1" 300 " ;q=0.5$P1")
same "$st" 200 "REGISTER with many Contact params: 200"
c=$(grep -a "^Contact: <$U1>" "$TMP/r1.resp")
same "$c" "Contact: <$U1>$P1;q=0.500;expires=300" "the 200 returns every param as sent, then q and expires"
same "$(db "SELECT contact FROM location")" "$U1" "the contact column holds the URI with its own params"
same "$(db "SELECT params FROM location")" "$P1" "the params column holds the header params as sent"

# another phone of alice: its 200 lists the first with its params too
st=$(register r2 "$(free_port)" sip:alice@127.0.0.1 "sip:alice@127.0.0.1:5992" 300 ';+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000000b2>";x-b2')
same "$st" 200 "a second phone of alice: 200"
same "$(grep -ac "^Contact: <$U1>$P1;q=0.500;expires=" "$TMP/r2.resp")" 1 "... whose 200 lists the first phone's params as sent"
same "$(grep -ac '^Contact: <sip:alice@127.0.0.1:5992>;+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000000b2>";x-b2;expires=' "$TMP/r2.resp")" 1 "... and its own"

stop_sipd
restart_sipd
st=$(register r4 "$(free_port)" sip:alice@127.0.0.1 "sip:alice@127.0.0.1:5994" 0)
same "$st" 200 "after a restart, a REGISTER that lists nothing new: 200"
same "$(grep -ac "^Contact: <$U1>$P1;q=0.500;expires=" "$TMP/r4.resp")" 1 "the params came back from the database unchanged"

# a refresh with other params replaces them (same instance and reg-id: the same binding)
P2=';+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000000b1>";reg-id=1;message-expires=10'
{
	printf 'REGISTER sip:127.0.0.1:%s SIP/2.0\r\n' "$PORT"
	printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
	printf 'Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=r5\r\nTo: <sip:alice@127.0.0.1>\r\n'
	printf 'Call-ID: r5@reg\r\nCSeq: 7 REGISTER\r\nContact: <%s>%s\r\n' "$U1" "$P2"
	printf 'Content-Length: 0\r\n\r\n'
} >"$TMP/r5.req"
$SIPSEND --subst -p "$PORT" -l "$(free_port)" -n 1 -w 5 -v "$TMP/r5.req" >"$TMP/r5.resp" 2>&1
same "$(db "SELECT params FROM location WHERE contact = '$U1'")" "$P2" "a refresh with other params replaces them"
same "$(db "SELECT count(*) FROM location WHERE aor LIKE 'sip:alice@%'")" 2 "... and adds no binding"
finish
