#!/bin/sh
# RFC 5626 outbound: a phone registering with +sip.instance, reg-id and Supported: outbound gets
# Require: outbound and a Flow-Timer in the 200; two flows of one instance (reg-id 1 and 2, over
# TCP) make two bindings, but a call goes down one flow only; when that flow dies the call takes
# the other; with both gone the caller gets 430 Flow Failed at once.  Without Supported: outbound
# the registrar does not claim outbound.  A flow that dies with an INVITE waiting on it gives 430
# at once too.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

start_sipd "$PROXY_NOAUTH" 'nat: { flow_timer = 45; };'
INST=00000000-0000-4000-8000-00000000a1ce

phone ob1 sip:alice@127.0.0.1 --proto tcp --instance "$INST" --reg-id 1 --outbound
phone ob2 sip:alice@127.0.0.1 --proto tcp --instance "$INST" --reg-id 2 --outbound
same "$(hdr "$TMP/ob1/reg.resp" Require)" outbound "the 200 to an outbound REGISTER has Require: outbound"
same "$(hdr "$TMP/ob1/reg.resp" Flow-Timer)" 45 "... and Flow-Timer: 45 (nat.flow_timer)"
same "$(bindings alice | wc -l)" 2 "two flows of one instance: two bindings"

call "sip:alice@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "a call to alice is answered"
n1=$(received ob1 INVITE) n2=$(received ob2 INVITE)
same "$((n1 + n2))" 1 "only one of the instance's flows got the INVITE (ob1 $n1, ob2 $n2)"
if [ "$n1" = 1 ]; then first=ob1 second=ob2; else first=ob2 second=ob1; fi

phone_dies $first
call "sip:alice@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "after $first's flow died, the call is answered"
same "$(received $second INVITE)" 1 "... down the other flow ($second)"

phone_dies $second
call "sip:alice@127.0.0.1:$PORT"
code=$CODE
same "$code" 430 "with both flows gone: 430 Flow Failed"
check "... at once ($SECS s)" test $SECS -le 5

# A flow that dies while the INVITE waits for its first answer: 430 at once, not Timer B.
phone ob5 sip:dora@127.0.0.1 --proto tcp --instance "$INST-d" --reg-id 1 --outbound --die-on-invite
call "sip:dora@127.0.0.1:$PORT"
code=$CODE
same "$code" 430 "the phone closed its flow on receiving the INVITE: 430 Flow Failed"
check "... at once ($SECS s)" test $SECS -le 5

# Over UDP too; and no outbound claimed without Supported: outbound.
phone ob3 sip:bob@127.0.0.1 --instance "$INST-b" --reg-id 1 --outbound
same "$(hdr "$TMP/ob3/reg.resp" Require)" outbound "UDP outbound REGISTER: Require: outbound"
phone plain sip:carol@127.0.0.1 --instance "$INST-c" --reg-id 1
same "$(hdr "$TMP/plain/reg.resp" Require)" "" "instance and reg-id without Supported: outbound: no Require"
call "sip:bob@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "a call to the UDP outbound phone is answered"
finish
