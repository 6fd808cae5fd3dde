#!/bin/sh
# The web console over HTTPS (console.tls = 1 with the tls.* certificate): pages and the login
# work over TLS, the session cookie is Secure, HSTS is sent, and plain HTTP gets no page.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null 2>&1 || skip "curl not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl (the CLI) not installed"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=localhost" -keyout "$TMP/c.key" -out "$TMP/c.pem" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$TMP/openssl.log" 2>&1 ||
	fail "openssl could not make a test certificate"
CPORT=$(free_port) || fail "no free port"
start_sipd "tls: { certificate = \"$TMP/c.pem\"; private_key = \"$TMP/c.key\"; };" \
	"console: { enable = 1; tls = 1; listen = \"127.0.0.1:$CPORT\"; };"
wait_log "console: serving https://127.0.0.1:$CPORT/" || fail "the console does not listen"
echo console-secret-1 | "$(dirname "$SIPD")/sipctl" -c "$TMP/sipd.conf" admin add root >/dev/null ||
	fail "admin add"
C="curl -s -m 10 --cacert $TMP/c.pem"
B="https://127.0.0.1:$CPORT"
same "$($C -o "$TMP/page" -w '%{http_code}' "$B/login")" 200 "the login page over HTTPS"
check "... is the login page" grep -q 'id="login-form"' "$TMP/page"
$C -c "$TMP/jar" -D "$TMP/pre.h" "$B/api/pre" >/dev/null
pre=$(awk '$6 == "sipd_pre" { print $7 }' "$TMP/jar")
same "$($C -o /dev/null -w '%{http_code}' -D "$TMP/login.h" -b "$TMP/jar" -c "$TMP/jar" \
	-H "X-CSRF-Token: $pre" --data 'name=root&password=console-secret-1' "$B/api/login")" 200 \
	"login over HTTPS"
check "the session cookie is Secure" grep -q '^Set-Cookie: sipd_session=.*HttpOnly; SameSite=Strict; Secure' "$TMP/login.h"
check "HSTS" grep -q '^Strict-Transport-Security: max-age=' "$TMP/login.h"
same "$($C -o /dev/null -w '%{http_code}' -b "$TMP/jar" "$B/api/users")" 200 "the session works"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CPORT/login")
check "plain HTTP gets no page ($code)" [ "$code" != 200 ]
check "sipd still answers SIP" probe_ok
finish
