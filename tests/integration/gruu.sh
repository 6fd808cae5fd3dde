#!/bin/sh
# GRUU (RFC 5627) and Contact parameters: two instances of alice register with Supported: gruu;
# each 200 carries a pub-gruu and a temp-gruu for the phone's Contact, and every Contact param
# the phone sent (+org.linphone.specs, pn-*, message-expires, unknown ones) comes back byte for
# byte and sits in the database as sent.  A call to one instance's pub-gruu or temp-gruu
# reaches that instance only, and the callee, which took its pub-gruu as Contact (as Linphone
# does), gets the in-dialog BYE through sipd.  A GRUU of an instance that is not registered gets
# 480; a forged one 404; a temp-gruu stops working when its instance unregisters, and after
# sipd restarts (404) while the pub-gruu keeps working.  A REGISTER whose Contact is one of our
# GRUUs is refused (403, RFC 5627 5.1); without Supported: gruu no GRUU is handed out.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

start_sipd 'auth: { register = 0; calls = 0; hide_users = 0; };'
I1=00000000-0000-4000-8000-0000000000a1
I2=00000000-0000-4000-8000-0000000000a2
PARAMS=';+org.linphone.specs="groupchat/1.1,lime,ephemeral";pn-provider=fcm;pn-param=ABCD.org.linphone.phone.voip;pn-prid=f00:BA-r_1;message-expires=604800;X-Odd=MiXeD;bare'

phone g1 sip:alice@127.0.0.1 --instance "$I1" --gruu --cparams "$PARAMS"
phone g2 sip:alice@127.0.0.1 --instance "$I2" --gruu

# the 200's Contact for g1: its own params as sent, then the GRUUs
c1=$($PYTHON - "$TMP/g1/reg.resp" "$I1" <<'PY'
import re, sys
msg = open(sys.argv[1], "rb").read().decode("latin-1")
for v in re.findall(r"(?im)^Contact[ \t]*:[ \t]*([^\r\n]*)", msg):
    if sys.argv[2] in v.split(";gr=")[0]:
        print(v)
PY
)
say "g1's Contact in the 200: $c1"
check "the 200 echoes every Contact param byte for byte" sh -c 'case "$1" in *"$2"*) exit 0;; esac; exit 1' - "$c1" "$PARAMS"
PUB1=$(printf '%s' "$c1" | sed -n 's/.*pub-gruu="\([^"]*\)".*/\1/p')
TEMP1=$(printf '%s' "$c1" | sed -n 's/.*temp-gruu="\([^"]*\)".*/\1/p')
DOM=$(printf '%s' "$PUB1" | sed -n 's/^sip:alice@\([^;]*\);.*/\1/p')
same "$PUB1" "sip:alice@$DOM;gr=urn:uuid:$I1" "pub-gruu is the AOR (sip:alice@$DOM) with gr=<instance>"
check "temp-gruu is opaque, with ;gr ($TEMP1)" sh -c 'case "$1" in sip:tgruu.*@"$2"\;gr) exit 0;; esac; exit 1' - "$TEMP1" "$DOM"
check "temp-gruu does not show the user" sh -c 'case "$1" in *alice*) exit 1;; esac; exit 0' - "$TEMP1"
c2=$(hdr "$TMP/g2/reg.resp" Contact | tr ',' '\n' | grep "$I2" | head -n 1)
TEMP2=$(grep -ao "temp-gruu=\"[^\"]*\"" "$TMP/g2/reg.resp" | tail -n 1 | sed 's/temp-gruu="\(.*\)"/\1/')
PUB2=$(grep -ao "pub-gruu=\"[^\"]*$I2\"" "$TMP/g2/reg.resp" | head -n 1 | sed 's/pub-gruu="\(.*\)"/\1/')
same "$PUB2" "sip:alice@$DOM;gr=urn:uuid:$I2" "g2's 200 has its pub-gruu"
row=$(db "SELECT params FROM location WHERE instance LIKE '%$I1%'")
same "$row" ";+sip.instance=\"<urn:uuid:$I1>\"$PARAMS" "the params column holds them as sent"

# routing: one instance only, in-dialog requests at the GRUU
call "$PUB1"
same "$CODE" 200 "a call to g1's pub-gruu is answered"
same "$(received g1 INVITE)/$(received g2 INVITE)" 1/0 "... by g1 only"
wait_until 5 sh -c "[ \"\$(grep -c '^in [0-9]* BYE ' '$TMP/g1/log')\" -ge 1 ]"
same "$(received g1 BYE)" 1 "the caller's BYE to g1's GRUU Contact reached g1 through sipd"
same "$(received g1 ACK)" 1 "... and so did its ACK (sent along the route set to the GRUU)"
grep -a "^BYE " "$TMP"/g1/in.* | head -n 1 | sed 's/^/  /'
call "$TEMP2"
same "$CODE" 200 "a call to g2's temp-gruu is answered"
same "$(received g1 INVITE)/$(received g2 INVITE)" 1/1 "... by g2 only"
call "sip:alice@127.0.0.1:$PORT"
same "$CODE" 200 "a call to the AOR still forks to both"
same "$(received g1 INVITE)/$(received g2 INVITE)" 2/2 "... both rang"

# errors
call "sip:alice@$DOM;gr=urn:uuid:00000000-0000-4000-8000-0000000000ff"
same "$CODE" 480 "pub-gruu of an instance that is not registered: 480"
call "sip:nobody@$DOM;gr=urn:uuid:$I1"
same "$CODE" 404 "pub-gruu of a user that does not exist: 404"
forged=$(printf '%s' "$TEMP1" | sed 's/tgruu\.\(.\)/tgruu.X\1/')
call "$forged"
same "$CODE" 404 "a forged temp-gruu: 404"
call "sip:tgruu.AAAA@$DOM;gr"
same "$CODE" 404 "a made-up temp-gruu: 404"

# RFC 5627 5.1: a GRUU as Contact of a REGISTER
st=$(register reg403 "$(free_port)" sip:bob@127.0.0.1 "$PUB1")
same "$st" 403 "REGISTER with one of our GRUUs as Contact: 403"
# without Supported: gruu: no GRUU
phone g3 sip:carol@127.0.0.1 --instance 00000000-0000-4000-8000-0000000000c3
same "$(grep -c 'gruu=' "$TMP/g3/reg.resp")" 0 "no Supported: gruu: no GRUU in the 200"
# a temp-gruu ends with its instance's registration
st=$(register unreg2 "$(free_port)" sip:alice@127.0.0.1 "sip:x@127.0.0.1:9" 0 ";+sip.instance=\"<urn:uuid:$I2>\"")
same "$st" 200 "g2's instance unregistered"
call "$TEMP2"
same "$CODE" 480 "its temp-gruu: 480 once the instance is gone"
call "$PUB2"
same "$CODE" 480 "its pub-gruu: 480"

# restart: temp-gruus of the earlier run are gone (404), the pub-gruu works on
call "$TEMP1"
same "$CODE" 200 "g1's temp-gruu before the restart: 200"
stop_sipd
restart_sipd
call "$TEMP1"
same "$CODE" 404 "g1's temp-gruu after the restart: 404"
call "$PUB1"
same "$CODE" 200 "g1's pub-gruu after the restart: 200"
finish
