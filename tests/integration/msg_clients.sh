#!/bin/sh
# Real clients get the messages sent while they were off (store and forward, msgstore.c):
# baresip (bob) sends carol a MESSAGE while her linphonec is not running (sipd answers 202 and
# stores it); carol's linphonec starts, registers, and shows the message.  Then the other way:
# linphonec (carol) writes to bob while his baresip is stopped; bob's baresip starts and shows it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/clientlib.sh"

rows() { db "SELECT count(*) FROM messages WHERE aor LIKE 'sip:$1@%'"; }
rows_are() { [ "$(rows "$1")" = "$2" ]; }

bp=$(free_port) && lpp=$(free_port) || fail "no free ports for the clients"
# ---- to carol (linphonec), off ----------------------------------------------------------------
bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
check "baresip (bob) registered" bs_wait_registered bob 10
bs_send_message bob "sip:carol@127.0.0.1:$PORT" "while-you-were-off-from-bob"
check "sipd stored bob's MESSAGE for carol (her linphonec is not running)" wait_until 10 rows_are carol 1
check "... and answered it 202 once stored" grep -q 'msgstore: stored .* aor=sip:carol@.* status=202' "$TMP/sipd.log"
check "... after challenging bob, a local user (407 first)" grep -q 'method=MESSAGE .*status=407' "$TMP/sipd.log"
lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$lpp"
check "linphonec (carol) registered" lp_wait_registered carol 15
check "carol's linphonec shows the message sent while it was off" lp_wait_message carol while-you-were-off-from-bob 15
check "... and its row is gone (deleted on linphonec's 200)" wait_until 10 rows_are carol 0

# ---- to bob (baresip), off ---------------------------------------------------------------------
bs_stop bob
# baresip unregisters when it stops; wait until sipd has no binding for bob
check "bob's baresip is off (no binding left)" wait_until 10 sh -c "[ \"\$(sqlite3 -readonly '$TMP/sipd.db' \"SELECT count(*) FROM location WHERE aor LIKE 'sip:bob@%' AND expires > strftime('%s','now')\")\" = 0 ]"
lp_send_message carol "sip:bob@127.0.0.1:$PORT" "while-you-were-off-from-carol"
check "sipd stored carol's MESSAGE for bob" wait_until 10 rows_are bob 1
bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
check "baresip (bob) registered again" bs_wait_registered bob 10
check "bob's baresip shows the message sent while it was off" bs_wait_message bob while-you-were-off-from-carol 15
check "... and its row is gone" wait_until 10 rows_are bob 0
stop_clients
finish
