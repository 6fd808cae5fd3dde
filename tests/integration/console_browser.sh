#!/bin/sh
# The web console in a real headless browser (Chromium driven by python3-selenium,
# console_browser.py): log in; add a user; the user's phone (linphonec) registers and the
# dashboard shows it without a reload; a call between two phones shows as live, then in the
# call history; the CSV export matches the cdr table; a ring group and a forward set in the
# browser reach the database; a user disabled in the browser has its next REGISTER refused.  A screenshot of the dashboard during the call is kept as
# tests/integration/console_dashboard.png (of the build directory).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
CPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CLIENTS_SIPD_CONF="console: { enable = 1; listen = \"127.0.0.1:$CPORT\"; rate = 1000; }; relay: { mode = \"never\"; };"
. "$(dirname "$0")/clientlib.sh"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
	skip "chromium and chromium-driver not installed"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || skip "python3-selenium not installed"
wait_log "console: serving http://127.0.0.1:$CPORT/" || fail "the console does not listen"
echo console-secret-1 | "$SIPCTL" -c "$TMP/sipd.conf" admin add root >/dev/null || fail "admin add"
SHOT=${CONSOLE_SHOT:-$(pwd)/tests/integration/console_dashboard.png}
mkdir -p "$(dirname "$SHOT")" && rm -f "$SHOT"

# The browser runs in its own session (setsid): the clean-up ends chromedriver and every
# Chromium process with it, by process group.
coproc BR { exec setsid /usr/bin/python3 "$TESTDIR/console_browser.py" "http://127.0.0.1:$CPORT" \
	"$TMP/chrome" 2>"$TMP/browser.err"; }
BR_GROUP=$BR_PID
stop_browser() {
	[ -n "$BR_GROUP" ] || return 0
	{ echo quit >&"${BR[1]}"; } 2>/dev/null
	for _i in $(seq 50); do kill -0 "$BR_GROUP" 2>/dev/null || break; sleep 0.1; done
	kill -TERM -- "-$BR_GROUP" 2>/dev/null
	sleep 0.3
	kill -KILL -- "-$BR_GROUP" 2>/dev/null
	BR_GROUP=
}
trap 'x=$?; [ $x -eq 0 ] || { show_clients; tail -n 20 "$TMP/browser.err"; }; stop_browser; stop_clients; (exit $x); cleanup' EXIT
# br COMMAND...: one browser step; its answer is logged, 0 when it starts with "ok"
br() {
	echo "$*" >&"${BR[1]}" || return 1
	IFS= read -r -t 90 ans <&"${BR[0]}" || ans="fail no answer from the browser"
	say "browser: $* -> $ans"
	case $ans in ok*) return 0 ;; *) return 1 ;; esac
}

check "log in (a page without a session goes to /login first)" br login root console-secret-1
check "add the user dave (extension 2001) in the browser" br adduser dave 2001 secret-dave
same "$(db "SELECT username || ' ' || extension FROM users WHERE username = 'dave'")" \
	"dave 2001" "dave is in the users table"

dp=$(free_port) && bp=$(free_port) && d2p=$(free_port) || fail "no free ports for the phones"
lp_start dave dave secret-dave 127.0.0.1 "$PORT" "$dp"
check "dave's linphonec registers with the password set in the browser" lp_wait_registered dave 15
check "the dashboard shows dave's phone" br waitreg "sip:dave@" 15
check "... without a page reload" br noreload
lp_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
check "bob registers" lp_wait_registered bob 15

lp_dial dave "sip:bob@127.0.0.1:$PORT"
check "the call is established" lp_wait_established dave 15
check "the dashboard shows the call as live" br waitcall "sip:bob@127.0.0.1:$PORT" 15
check "screenshot of the dashboard" br shot "$SHOT"
lp_hangup dave
check "the call ends" lp_wait_closed dave 15
check "the call leaves the dashboard" br waitnocall "sip:bob@127.0.0.1:$PORT" 15
check "the call is in the history" br history "sip:bob@127.0.0.1:$PORT" 15
check "still the same page" br noreload

sqlite3 "$TMP/sipd.db" "INSERT INTO cdr (call_id, caller, callee, answered_by, start_time, end_time, status, reason) VALUES ('x1', '<script>window.__xss=1</script>', 'sip:bob@x', '<img src=x onerror=window.__xss=2>', strftime('%s','now'), strftime('%s','now'), 486, 'busy')"
check "markup in a call record is shown as text and never runs" br xss
check "CSV export through the browser" br csv "$TMP/cdr.csv"
"$PYTHON" - "$TMP/cdr.csv" "$TMP/sipd.db" <<'PYEOF'
import csv, sqlite3, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
db = sqlite3.connect(sys.argv[2])
cur = db.execute("SELECT * FROM cdr ORDER BY id")
names = [c[0] for c in cur.description]
want = cur.fetchall()
assert rows[0] == names, (rows[0], names)
assert len(rows) - 1 == len(want) >= 1, (len(rows), len(want))
for got, w in zip(rows[1:], want):
    for g, v in zip(got, w):
        if v is None:
            assert g == "", (g, v)
        elif isinstance(v, float):
            assert abs(float(g) - v) < 1e-6, (g, v)
        else:
            assert g == str(v), (g, v)
print("csv matches %d row(s)" % len(want))
PYEOF
check "the CSV matches the cdr table" [ $? -eq 0 ]

check "a ring group with bob, set in the browser" br group 700 bob
same "$(db "SELECT number || ' ' || member FROM ring_group_members")" "700 bob" "... in the database"
check "a forward of dave to the group, set in the browser" br forward dave busy 700
same "$(db "SELECT kind || ' ' || target FROM forwards WHERE username = 'dave'")" "busy 700" "... in the database"
check "disable dave in the browser" br disable dave
same "$(db "SELECT enabled FROM users WHERE username = 'dave'")" 0 "dave is disabled in the database"
lp_start dave2 dave secret-dave 127.0.0.1 "$PORT" "$d2p"
check "dave's next REGISTER is refused" lp_wait_reg_failed dave2 15
check "the screenshot was kept ($SHOT)" test -s "$SHOT"
stop_browser
finish
