# console_lib.sh - sourced by the web console tests: lib.sh, a sipd with the console on a free
# port, an administrator, and curl helpers that keep a cookie jar.
#   CONSOLE_CONF: more config lines for sipd (auth, ...)
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not installed"
CPORT=$(free_port) || fail "no free port for the console"
start_sipd "console: { enable = 1; listen = \"127.0.0.1:$CPORT\"; rate = 1000; };" \
	${CONSOLE_CONF:+"$CONSOLE_CONF"}
wait_log "console: serving http://127.0.0.1:$CPORT/" || fail "the console does not listen"
SIPCTL="$(dirname "$SIPD")/sipctl"
CURL="curl -s -m 10"
B="http://127.0.0.1:$CPORT"
ADMIN_PW=console-secret-1
echo "$ADMIN_PW" | "$SIPCTL" -c "$TMP/sipd.conf" admin add root >/dev/null || fail "sipctl admin add"

# status METHOD PATH [curl args...]: the HTTP status of one request (cookie jar $TMP/jar)
status() {
	_m=$1; _p=$2; shift 2
	$CURL -o "$TMP/body" -w '%{http_code}' -X "$_m" -b "$TMP/jar" -c "$TMP/jar" "$@" "$B$_p"
}
# login NAME PASSWORD: prints the login's HTTP status; the jar then holds the session
login() {
	$CURL -c "$TMP/jar" -b "$TMP/jar" "$B/api/pre" >/dev/null
	_pre=$(awk '$6 == "sipd_pre" { print $7 }' "$TMP/jar")
	status POST /api/login -D "$TMP/login.h" -H "X-CSRF-Token: $_pre" --data-urlencode "name=$1" \
		--data-urlencode "password=$2"
}
# csrf: the session's CSRF token
csrf() {
	$CURL -b "$TMP/jar" "$B/api/session" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["csrf"])'
}
