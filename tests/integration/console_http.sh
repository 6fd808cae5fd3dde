#!/bin/sh
# The web console's HTTP security: no session, a stale session, a missing or wrong CSRF token,
# a cross-origin form, an action by GET, an oversized body, login brute force, the rate limit
# each get their refusal and change nothing; a <script> in a user agent reaches the page only
# escaped; cookies and headers; provisioning links work once and expire; sipd -t refuses a
# console off loopback without TLS.
CONSOLE_CONF='auth: { register = 0; max_failures = 4; failure_window = 60; ban_time = 60; };'
. "$(dirname "$0")/console_lib.sh"

users() { db "SELECT count(*) FROM users"; }

# no session: the page redirects to the login, the data is refused
same "$(status GET /)" 303 "GET / without a session"
check "... to /login" grep -q '^Location: /login' "$($CURL -D - -o /dev/null "$B/" > "$TMP/h"; echo "$TMP/h")"
same "$(status GET /api/users)" 401 "GET /api/users without a session"
check "... gives no data" sh -c "! grep -q users '$TMP/body'"
same "$(status GET /api/dashboard -H 'Cookie: sipd_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')" 401 \
	"a made-up session"

# the login wants its pre-login token (double submit), and the right password
$CURL -c "$TMP/jar" "$B/api/pre" >/dev/null
same "$(status POST /api/login --data 'name=root&password=console-secret-1')" 403 \
	"a login without its CSRF token"
same "$(status POST /api/login -H 'X-CSRF-Token: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' \
	--data 'name=root&password=console-secret-1')" 403 "a login with a wrong CSRF token"
same "$(login root "$ADMIN_PW")" 200 "login"
check "the session cookie is HttpOnly and SameSite=Strict" \
	grep -q '^Set-Cookie: sipd_session=[A-Za-z0-9]\{32\}; Path=/; HttpOnly; SameSite=Strict' "$TMP/login.h"
$CURL -D "$TMP/h" -o /dev/null "$B/login"
check "CSP without inline script" grep -q "^Content-Security-Policy: default-src 'none'; script-src 'self';" "$TMP/h"
check "... no unsafe-inline anywhere" sh -c "! grep -q unsafe-inline '$TMP/h'"
check "nosniff, no framing" sh -c "grep -q '^X-Content-Type-Options: nosniff' '$TMP/h' && grep -q '^X-Frame-Options: DENY' '$TMP/h'"
$CURL -D "$TMP/h" -o /dev/null -c "$TMP/jar2" "$B/api/pre"
check "cookies are SameSite=Strict, HttpOnly, not Secure on plain HTTP" \
	sh -c "grep -q '^Set-Cookie: sipd_pre=.*; Path=/; HttpOnly; SameSite=Strict' '$TMP/h' && ! grep -q Secure '$TMP/h'"
TOKEN=$(csrf)
need "CSRF token" "$TOKEN" || finish

# writes: CSRF token, POST only, same origin, size
n0=$(users)
same "$(status POST /api/user/add --data 'name=mallory&password=secret-m1')" 403 "add without a CSRF token"
same "$(status POST /api/user/add -H 'X-CSRF-Token: wrongwrongwrongwrongwrongwrong12' \
	--data 'name=mallory&password=secret-m1')" 403 "add with a wrong CSRF token"
same "$(status GET '/api/user/add?name=mallory&password=secret-m1')" 405 "add by GET"
same "$(status POST /api/user/add -H "X-CSRF-Token: $TOKEN" -H 'Origin: http://evil.example' \
	--data 'name=mallory&password=secret-m1')" 403 "add from another origin"
"$PYTHON" -c 'print("name=mallory&password=secret-m1&pad=" + "x" * 20000)' > "$TMP/big"
same "$(status POST /api/user/add -H "X-CSRF-Token: $TOKEN" --data-binary "@$TMP/big" \
	-H 'Content-Type: application/x-www-form-urlencoded')" 413 "an oversized body"
same "$(users)" "$n0" "none of those added a user"
same "$(status POST /api/user/add -H "X-CSRF-Token: $TOKEN" \
	--data 'name=alice&password=secret-a1&extension=1001')" 200 "add with the token"
same "$(db "SELECT username || ' ' || extension || ' ' || enabled FROM users")" "alice 1001 1" \
	"alice is in the database at once"
same "$(status POST /api/user/add -H "X-CSRF-Token: $TOKEN" \
	--data 'name=alice2&password=secret-a1&extension=1001')" 409 "an extension taken twice"
same "$(status POST /api/user/add -H "X-CSRF-Token: $TOKEN" \
	--data 'name=a%20b&password=secret-a1')" 400 "a name that cannot be a SIP user"
same "$(status POST /api/user/disable -H "X-CSRF-Token: $TOKEN" --data 'name=alice')" 200 "disable"
same "$(db "SELECT enabled FROM users WHERE username = 'alice'")" 0 "... alice is disabled"

# a user agent with a script: the JSON carries it escaped (\u003c), never raw
printf '%s\r\n' "REGISTER sip:127.0.0.1:$PORT SIP/2.0" \
	'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]' 'Max-Forwards: 70' \
	'From: <sip:carol@127.0.0.1>;tag=x1' 'To: <sip:carol@127.0.0.1>' 'Call-ID: [call_id]@ua' \
	'CSeq: 1 REGISTER' 'Contact: <sip:carol@127.0.0.1:5999>;expires=60' \
	'User-Agent: <script>alert(1)</script> "x" &amp;' 'Content-Length: 0' '' |
	$SIPSEND -p "$PORT" --subst -w 2 -n 1 - > "$TMP/reg.out" 2>&1
check "the REGISTER was accepted" grep -q '^SIP/2.0 200' "$TMP/reg.out"
same "$(status GET /api/dashboard)" 200 "dashboard"
check "the user agent is in the dashboard, escaped" grep -qF '\u003cscript\u003ealert(1)\u003c/script\u003e \"x\" \u0026amp;' "$TMP/body"
check "... never raw" sh -c "! grep -qF '<script>' '$TMP/body'"
"$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["registrations"][0]["user_agent"].startswith("<script>")' "$TMP/body"
check "... and decodes to the text the phone sent" [ $? -eq 0 ]

# provisioning: once, and not after it expired
same "$(status POST /api/provision -H "X-CSRF-Token: $TOKEN" --data 'user=alice')" 200 "a provisioning link"
URL=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$TMP/body")
check "its QR code is an SVG" grep -q '"svg":"\\u003csvg xmlns' "$TMP/body"
same "$($CURL -o "$TMP/xml" -w '%{http_code}' "$URL")" 200 "the link gives the XML"
check "... with the HA1, never the password" sh -c "grep -q '<entry name=\"ha1\" overwrite=\"true\">[0-9a-f]\{32\}</entry>' '$TMP/xml' && ! grep -q secret-a1 '$TMP/xml'"
same "$($CURL -o /dev/null -w '%{http_code}' "$URL")" 410 "the link works once"
check "the use is logged" log_has "console: provisioning link for alice used from 127.0.0.1"
status POST /api/provision -H "X-CSRF-Token: $TOKEN" --data 'user=alice' >/dev/null
URL=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$TMP/body")
sqlite3 "$TMP/sipd.db" "UPDATE provision_links SET expires = 1 WHERE used = 0"
same "$($CURL -o /dev/null -w '%{http_code}' "$URL")" 410 "an expired link"

# ring groups and forwards, as sipctl keeps them
same "$(status POST /api/group/add -H "X-CSRF-Token: $TOKEN" --data 'number=600&order=serial&timeout=15')" 200 "add a ring group"
same "$(status POST /api/group/add -H "X-CSRF-Token: $TOKEN" --data 'number=1001')" 409 "a group number that is an extension"
same "$(status POST /api/group/member/add -H "X-CSRF-Token: $TOKEN" --data 'number=600&member=1001&q=0.5')" 200 "add alice by extension"
same "$(db "SELECT number || ' ' || strategy || ' ' || timeout FROM ring_groups")" "600 serial 15" "the group row"
same "$(db "SELECT member || ' ' || q FROM ring_group_members")" "alice 0.5" "the member row (the user's name)"
same "$(status POST /api/forward/set -H "X-CSRF-Token: $TOKEN" --data 'user=alice&kind=noanswer&target=600&after=10')" 200 "a forward"
same "$(db "SELECT kind || ' ' || target || ' ' || after FROM forwards")" "noanswer 600 10" "the forward row"
same "$(status POST /api/forward/set -H "X-CSRF-Token: $TOKEN" --data 'user=alice&kind=sometimes&target=600')" 400 "a forward of no known kind"
same "$(status GET '/api/forwards?user=alice')" 200 "the forwards of alice"
check "... listed" grep -q '"kind":"noanswer","target":"600","after":"10"' "$TMP/body"
same "$(status POST /api/forward/clear -H "X-CSRF-Token: $TOKEN" --data 'user=alice&kind=noanswer')" 200 "clear it"
same "$(status POST /api/group/delete -H "X-CSRF-Token: $TOKEN" --data 'number=600')" 200 "delete the group"
same "$(db "SELECT (SELECT count(*) FROM forwards) + (SELECT count(*) FROM ring_group_members)")" 0 "forward and members gone"

# the CSV export of a long history comes in chunks (1000 rows a turn of the loop), whole
sqlite3 "$TMP/sipd.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) INSERT INTO cdr (call_id, caller, callee, answered_by, start_time, answer_time, end_time, duration, status, reason) SELECT 'c' || i, 'sip:a' || i || '@x', 'sip:b@x', '', 1700000000 + i, CASE WHEN i % 2 THEN 1700000001.5 + i END, 1700000010 + i, CASE WHEN i % 2 THEN 8.5 ELSE 0 END, CASE WHEN i % 2 THEN 200 ELSE 486 END, 'x, \"quoted\"' FROM n"
same "$(status GET /api/cdr.csv)" 200 "the CSV export"
"$PYTHON" - "$TMP/body" "$TMP/sipd.db" <<'PYEOF2'
import csv, sqlite3, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
cur = sqlite3.connect(sys.argv[2]).execute("SELECT * FROM cdr ORDER BY id")
assert rows[0] == [c[0] for c in cur.description]
want = cur.fetchall()
assert len(rows) - 1 == len(want) == 2500, len(rows)
for g, w in zip(rows[1:], want):
    for x, v in zip(g, w):
        assert (v is None and x == "") or (isinstance(v, float) and abs(float(x) - v) < 1e-6) \
            or x == str(v), (x, v)
PYEOF2
check "... holds every row of the cdr table, field for field (2500, 3 chunks)" [ $? -eq 0 ]
status GET '/api/cdr.csv?outcome=answered' >/dev/null
same "$(grep -c '^[0-9]' "$TMP/body")" 1250 "the CSV of the answered ones only"
same "$(status GET '/api/cdr?outcome=failed&page=2')" 200 "a page of the failed calls"
check "... 50 rows of 1250" "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total"] == 1250 and len(d["rows"]) == 50 and d["page"] == 2' "$TMP/body"
same "$(status GET '/api/cdr?from=2023-13-01')" 400 "a bad date"
$CURL -b "$TMP/jar" "$B/api/cdr.csv" | head -c 100 >/dev/null	# a reader that goes away
check "sipd serves on after an export cut short" sh -c "[ \"\$($CURL -o /dev/null -w '%{http_code}' -b '$TMP/jar' '$B/api/session')\" = 200 ]"
sqlite3 "$TMP/sipd.db" "DELETE FROM cdr"

# messages waiting for offline users: listed (escaped), deleted by POST
sqlite3 "$TMP/sipd.db" "INSERT INTO messages (aor, sender, recipient, call_id, content_type, body, received, expires) VALUES ('sip:alice@x', '<sip:b@x>', '<sip:alice@x>', 'm1', 'text/plain', CAST('<b>hi</b>' AS BLOB), strftime('%s','now'), strftime('%s','now') + 600)"
same "$(status GET /api/messages)" 200 "the waiting messages"
check "... with the text escaped" grep -qF '"text":"\u003cb\u003ehi\u003c/b\u003e"' "$TMP/body"
id=$(db "SELECT id FROM messages")
same "$(status GET "/api/message/delete?id=$id")" 405 "no delete by GET"
same "$(status POST /api/message/delete -H "X-CSRF-Token: $TOKEN" --data "id=$id")" 200 "delete it"
same "$(db "SELECT count(*) FROM messages")" 0 "the message is gone"

# stale session: logged out, the old cookie is refused
cp "$TMP/jar" "$TMP/jar.old"
same "$(status POST /api/logout -H "X-CSRF-Token: $TOKEN")" 200 "logout"
same "$($CURL -o /dev/null -w '%{http_code}' -b "$TMP/jar.old" "$B/api/users")" 401 "the stale session"
same "$($CURL -o /dev/null -w '%{http_code}' -b "$TMP/jar.old" -H "X-CSRF-Token: $TOKEN" \
	--data 'name=mallory&password=secret-m1' "$B/api/user/add")" 401 "a write with the stale session"
same "$(users)" 1 "nothing was added"

# a browser that leaves while its login is checked (scrypt on a worker) or its write commits
$CURL -c "$TMP/jar3" "$B/api/pre" >/dev/null
pre3=$(awk '$6 == "sipd_pre" { print $7 }' "$TMP/jar3")
n0=$(log_count "console: root logged in")
"$PYTHON" - "$CPORT" "$pre3" "$ADMIN_PW" <<'PYEOF2'
import socket, sys
body = "name=root&password=" + sys.argv[3]
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("POST /api/login HTTP/1.1\r\nHost: x\r\nCookie: sipd_pre=%s\r\nX-CSRF-Token: %s\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
           % (sys.argv[2], sys.argv[2], len(body), body)).encode())
s.close()
PYEOF2
wait_until 5 sh -c "grep -q 'console: login of root: the browser left before the answer' '$TMP/sipd.log' || [ \$(grep -c 'console: root logged in' '$TMP/sipd.log') -gt $n0 ]" ||
	not_ok "the login left half way was not finished"
say "sipd: $(grep -E 'left before the answer|root logged in' "$TMP/sipd.log" | tail -n 1)"
same "$($CURL -o /dev/null -w '%{http_code}' "$B/login")" 200 "the console serves on after a login left half way"

# brute force: max_failures wrong passwords, then even the right one is refused
for i in 1 2 3 4; do login root wrong-password >/dev/null; done
same "$(login root "$ADMIN_PW")" 403 "the right password after 4 failures (banned)"
check "the ban is logged" log_has "ban user=console:root"

# the rate limit (console.rate, reloaded)
sed -i 's/rate = 1000;/rate = 1;/' "$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
wait_log "reloaded" || not_ok "reload"
codes=$(for i in 1 2 3 4 5 6 7 8 9 10; do $CURL -o /dev/null -w '%{http_code} ' "$B/login"; done)
check "a burst beyond console.rate gets 429 ($codes)" sh -c "echo '$codes' | grep -q 429"

# sipctl admin: listed, no password in the table, removed
check "sipctl admin list shows root" sh -c "'$SIPCTL' -c '$TMP/sipd.conf' admin list 2>/dev/null | grep -q '^root'"
check "the table holds an scrypt hash, not the password" sh -c "[ \"\$(sqlite3 -readonly '$TMP/sipd.db' \"SELECT substr(pwhash, 1, 17) FROM console_admins\")\" = 'scrypt\$16384\$8\$1\$' ] && ! sqlite3 -readonly '$TMP/sipd.db' .dump | grep -q '$ADMIN_PW'"
check "a short password is refused" sh -c "! echo short | '$SIPCTL' -c '$TMP/sipd.conf' admin add eve 2>/dev/null"
check "sipctl admin del" "$SIPCTL" -c "$TMP/sipd.conf" admin del root

# a reload that turns the console off closes it
sed -i 's/enable = 1;/enable = 0;/' "$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
wait_log "console: closed" || not_ok "reload off"
check "the console is closed" sh -c "[ \"\$(curl -s -m 3 -o /dev/null -w '%{http_code}' '$B/login')\" = 000 ]"

# sipd -t: a console off loopback needs TLS or an explicit allow_insecure
sed 's/enable = 0;/enable = 1;/' "$TMP/sipd.conf" > "$TMP/lan.conf"
echo "console: { enable = 1; listen = \"0.0.0.0:$CPORT\"; };" > "$TMP/c1"
sed -i '/^console:/d' "$TMP/lan.conf"
cat "$TMP/lan.conf" "$TMP/c1" > "$TMP/lan1.conf"
"$SIPD" -t -c "$TMP/lan1.conf" > "$TMP/t1" 2>&1
check "sipd -t refuses a LAN console without TLS" sh -c "[ $? -ne 0 ] && grep -q 'not a loopback address' '$TMP/t1'"
sed 's/enable = 1;/enable = 1; allow_insecure = 1;/' "$TMP/lan1.conf" > "$TMP/lan2.conf"
check "... and accepts it with allow_insecure" "$SIPD" -t -c "$TMP/lan2.conf"
sed 's/enable = 1;/enable = 1; tls = 1;/' "$TMP/lan1.conf" > "$TMP/lan3.conf"
"$SIPD" -t -c "$TMP/lan3.conf" > "$TMP/t3" 2>&1
check "... and with tls = 1 wants a certificate" sh -c "[ $? -ne 0 ] && grep -q 'needs tls.certificate' '$TMP/t3'"
finish
