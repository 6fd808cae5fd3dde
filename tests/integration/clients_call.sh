#!/bin/sh
# Real clients call through sipd: baresip (bob) and linphonec (carol) register with passwords,
# bob calls carol (both challenged with 407 and answering), the call is established on both
# sides and hung up; then each sends the other a MESSAGE.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
CLIENTS=$(cd "$(dirname "$0")/../clients" && pwd)
command -v baresip >/dev/null 2>&1 || skip "baresip (Debian baresip-core) not installed"
command -v linphonec >/dev/null 2>&1 || skip "linphonec (Debian linphone-cli) not installed"
. "$CLIENTS/baresip.sh"
. "$CLIENTS/linphone.sh"
export SIPCLIENTS_DIR="$TMP/clients"
stop_clients() { bs_stop_all >/dev/null 2>&1; lp_stop_all >/dev/null 2>&1; }
trap 'x=$?; stop_clients; (exit $x); cleanup' EXIT

start_sipd
SIPCTL="$(dirname "$SIPD")/sipctl"
echo secret-bob | "$SIPCTL" -c "$TMP/sipd.conf" user add bob >/dev/null || fail "sipctl user add bob"
echo secret-carol | "$SIPCTL" -c "$TMP/sipd.conf" user add carol >/dev/null || fail "sipctl user add carol"

bp=$(free_port) && lpp=$(free_port) || fail "no free ports for the clients"
bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$lpp"
check "baresip (bob) registered" bs_wait_registered bob 10
check "linphonec (carol) registered" lp_wait_registered carol 10

bs_dial bob "sip:carol@127.0.0.1:$PORT"
check "carol's linphonec sees the incoming call" lp_wait_incoming carol 10
check "the call is established at bob" bs_wait_established bob 10
check "the call is established at carol" lp_wait_established carol 10
n=$(grep -c 'method=INVITE .*status=407' "$TMP/sipd.log")
check "bob's INVITE was challenged (407) first ($n)" test "$n" -ge 1
sleep 1
bs_hangup bob
check "carol sees the call end" lp_wait_closed carol 10
check "bob sees the call end" bs_wait_closed bob 10

lp_send_message carol "sip:bob@127.0.0.1:$PORT" "hello-from-carol"
check "bob receives carol's MESSAGE" bs_wait_message bob hello-from-carol 10
bs_send_message bob "sip:carol@127.0.0.1:$PORT" "hello-from-bob"
check "carol receives bob's MESSAGE" lp_wait_message carol hello-from-bob 10
stop_clients
finish
