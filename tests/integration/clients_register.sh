#!/bin/sh
# Real clients register with a password: baresip and linphonec (headless, tests/clients/) get
# 401, answer the digest challenge and report themselves registered; the registrations view
# then shows both bindings with their User-Agent.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/clientlib.sh"

bp=$(free_port) && lpp=$(free_port) || fail "no free ports for the clients"
bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$lpp"
check "baresip reports bob registered" bs_wait_registered bob 10
check "linphonec reports carol registered" lp_wait_registered carol 10

check "registrations view lists bob with baresip's User-Agent" \
    sh -c "sqlite3 -readonly '$TMP/sipd.db' \"SELECT user_agent FROM registrations WHERE aor LIKE 'sip:bob@%'\" | grep -qi baresip"
check "registrations view lists carol with linphone's User-Agent" \
    sh -c "sqlite3 -readonly '$TMP/sipd.db' \"SELECT user_agent FROM registrations WHERE aor LIKE 'sip:carol@%'\" | grep -qi linphone"
n=$(grep -c 'status=401' "$TMP/sipd.log")
check "both were challenged first (401 seen $n times)" test "$n" -ge 2

# A wrong password is never registered.
add_user dave secret-dave
dp=$(free_port)
bs_start dave dave wrong-password 127.0.0.1 "$PORT" "$dp"
check "baresip with a wrong password is refused" bs_wait_reg_failed dave 10
check "no binding for dave" test "$(db "SELECT count(*) FROM location WHERE aor LIKE 'sip:dave@%'")" = 0
stop_clients
finish
