#!/bin/sh
# Real clients call through sipd: baresip (bob) and linphonec (carol) register with passwords,
# bob calls carol (both challenged with 407 and answering), the call is established on both
# sides and hung up; then each sends the other a MESSAGE.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/clientlib.sh"

bp=$(free_port) && lpp=$(free_port) || fail "no free ports for the clients"
bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$lpp"
check "baresip (bob) registered" bs_wait_registered bob 10
check "linphonec (carol) registered" lp_wait_registered carol 10

check "bob's baresip takes the dial command" bs_dial bob "sip:carol@127.0.0.1:$PORT"
check "carol's linphonec sees the incoming call" lp_wait_incoming carol 10
check "the call is established at bob" bs_wait_established bob 10
check "the call is established at carol" lp_wait_established carol 10
n=$(grep -c 'method=INVITE .*status=407' "$TMP/sipd.log")
check "bob's INVITE was challenged (407) first ($n)" test "$n" -ge 1
sleep 1		# pacing, not a wait: the call stays up a moment before bob hangs up
bs_hangup bob
check "carol sees the call end" lp_wait_closed carol 10
check "bob sees the call end" bs_wait_closed bob 10

lp_send_message carol "sip:bob@127.0.0.1:$PORT" "hello-from-carol"
check "bob receives carol's MESSAGE" bs_wait_message bob hello-from-carol 10
bs_send_message bob "sip:carol@127.0.0.1:$PORT" "hello-from-bob"
check "carol receives bob's MESSAGE" lp_wait_message carol hello-from-bob 10
stop_clients
finish
