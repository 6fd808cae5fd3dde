#!/bin/sh
# Phone provisioning from the console: an administrator makes a one-time link for alice; a
# real client (linphonec, Linphone's own remote-provisioning code: [misc] config-uri) fetches
# the XML, takes the account from it (HA1, never the password) and registers with it; the link
# then refuses a second fetch, and its use is logged.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
CONSOLE_CONF='auth: { register = 1; };'
. "$(dirname "$0")/console_lib.sh"
command -v linphonec >/dev/null 2>&1 || skip "linphonec (Debian linphone-cli) not installed"
CLIENTS=$(cd "$(dirname "$0")/../clients" && pwd)
. "$CLIENTS/linphone.sh"
export SIPCLIENTS_DIR="$TMP/clients"
trap 'x=$?; [ $x -eq 0 ] || tail -n 30 "$(lp_debuglog alice)" 2>/dev/null; lp_stop_all >/dev/null 2>&1; (exit $x); cleanup' EXIT

echo secret-alice | "$SIPCTL" -c "$TMP/sipd.conf" user add alice -e 1001 >/dev/null || fail "user add"
same "$(login root "$ADMIN_PW")" 200 "login"
TOKEN=$(csrf)
same "$(status POST /api/provision -H "X-CSRF-Token: $TOKEN" --data 'user=alice')" 200 "a link for alice"
URL=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$TMP/body")
need "link" "$URL" || finish
same "$(db "SELECT count(*) FROM provision_links WHERE used = 0 AND username = 'alice'")" 1 \
	"the link is stored (its hash)"
check "the table keeps no secret of the link" sh -c "! sqlite3 '$TMP/sipd.db' .dump | grep -q '${URL##*/}'"

lp=$(free_port) || fail "no free port for linphonec"
LP_CONFIG_URI=$URL lp_start alice provisioned none 127.0.0.1 "$PORT" "$lp" || fail "linphonec did not start"
check "linphonec fetched the provisioning link" wait_log "console: provisioning link for alice used from 127.0.0.1" 1 15
check "linphonec registers as alice with the provisioned account" lp_wait_registered alice 20
check "sipd has alice's binding" wait_until 5 sh -c "[ \"\$(sqlite3 -readonly '$TMP/sipd.db' \"SELECT count(*) FROM location WHERE aor = 'sip:alice@' || (SELECT domain FROM users WHERE username = 'alice')\")\" -ge 1 ]"
check "the REGISTER was authenticated (401 first, then 200)" sh -c "grep -q 'method=REGISTER.*status=401' '$TMP/sipd.log' && grep -q 'method=REGISTER.*status=200' '$TMP/sipd.log'"
same "$($CURL -o /dev/null -w '%{http_code}' "$URL")" 410 "a second fetch of the link"
check "the refusal is logged" log_has "console: provisioning link refused to 127.0.0.1"
lp_stop alice
check "linphonec kept the HA1 it was given, and no password" sh -c "grep -q '^ha1=' '$(_lp_dir alice)/linphonerc' && ! grep -q 'secret-alice' '$(_lp_dir alice)/linphonerc'"
finish
