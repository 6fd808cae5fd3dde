#!/bin/sh
# database.url = "postgresql://...": sipd on its own PostgreSQL (issue 18, part 1).  The schema
# is created (version 6); a REGISTER is answered 200 only once its row is committed in
# PostgreSQL; a restarted sipd loads the bindings; kill -9 under REGISTER load loses no
# acknowledged binding; PostgreSQL stopped for 10 s under load: 503 + Retry-After (never a 200
# that is not in PostgreSQL), one log line per state change, and service resumes by itself.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"
. "$(dirname "$0")/pglib.sh"

pg_start
start_sipd 'auth: { register = 0; };'
D=$REG_DOMAIN

same "$(psql_q 'SELECT version FROM sipd_schema')" 6 "schema version 6 created in PostgreSQL"
check "the log names PostgreSQL, not the URL" log_has "database PostgreSQL (database.url)"

# ---- a REGISTER: 200 after the commit, the row is in PostgreSQL --------------------------------
A=sip:alice@$D
reg add "$A" pg-1 1 "Contact: <sip:alice@127.0.0.1:5070>" "Expires: 300"
same "$(st add)" 200 "REGISTER answered 200"
same "$(psql_q "SELECT contact || ' ' || CASE WHEN expires - extract(epoch FROM now())::bigint > 250 THEN 'ok' END FROM location WHERE aor = '$A'")" \
    "sip:alice@127.0.0.1:5070 ok" "the binding is in PostgreSQL with its expiry"

# ---- restart: the binding is loaded from PostgreSQL ---------------------------------------------
stop_sipd
restart_sipd
reg query "$A" pg-2 1
same "$(contacts query | grep -c 'sip:alice@127.0.0.1:5070')" 1 "after a restart the binding came back from PostgreSQL"

# ---- kill -9 under REGISTER load: every 200 is in PostgreSQL ------------------------------------
spawn "$PYTHON" "$TESTDIR/pgload.py" "127.0.0.1:$PORT" "$D" 20 k9 "$TMP/k9.txt"
LOAD=$BG_PID
wait_until 10 sh -c "[ \$(grep -c ' 200\$' '$TMP/k9.txt' 2>/dev/null || echo 0) -ge 100 ]" ||
    not_ok "no REGISTER load reached sipd"
kill -9 "$SIPD_PID"; wait "$SIPD_PID" 2>/dev/null; SIPD_PID=
stop_pid "$LOAD"
acked=$(grep -c ' 200$' "$TMP/k9.txt")
grep ' 200$' "$TMP/k9.txt" | cut -d' ' -f1 | sort >"$TMP/k9.acked"
psql_q "SELECT aor FROM location WHERE aor LIKE 'sip:k9-%'" | sort >"$TMP/k9.rows"
say "kill -9 after $acked acknowledged REGISTERs; $(wc -l <"$TMP/k9.rows") rows in PostgreSQL"
same "$(comm -23 "$TMP/k9.acked" "$TMP/k9.rows" | wc -l)" 0 "kill -9: every acknowledged binding is in PostgreSQL"
restart_sipd

# ---- PostgreSQL stopped 10 s under load ---------------------------------------------------------
spawn "$PYTHON" "$TESTDIR/pgload.py" "127.0.0.1:$PORT" "$D" 22 down "$TMP/down.txt"
LOAD=$BG_PID
sleep 2
pg_down
say "PostgreSQL stopped"
sleep 10
reg outage "sip:bob@$D" pg-3 1 "Contact: <sip:bob@127.0.0.1:5071>"
same "$(st outage)" 503 "REGISTER while PostgreSQL is down: 503"
same "$(hdrs outage Retry-After)" 5 "the 503 carries Retry-After"
pg_up
say "PostgreSQL started again"
wait "$LOAD" 2>/dev/null
n200=$(grep -c ' 200$' "$TMP/down.txt"); n503=$(grep -c ' 503$' "$TMP/down.txt")
say "load during the outage: $n200 x 200, $n503 x 503, $(grep -vc ' 200$\| 503$' "$TMP/down.txt") other"
[ "$n503" -gt 0 ] || not_ok "no 503 while PostgreSQL was down"
same "$(grep -vc ' 200$\| 503$' "$TMP/down.txt")" 0 "every REGISTER got 200 or 503 (none unanswered)"
grep ' 200$' "$TMP/down.txt" | cut -d' ' -f1 | sort >"$TMP/down.acked"
psql_q "SELECT aor FROM location WHERE aor LIKE 'sip:down-%'" | sort >"$TMP/down.rows"
same "$(comm -23 "$TMP/down.acked" "$TMP/down.rows" | wc -l)" 0 "outage: every acknowledged binding is in PostgreSQL"
[ "$(tail -n 20 "$TMP/down.txt" | grep -c ' 200$')" -gt 0 ] || not_ok "200s did not resume after PostgreSQL came back"
same "$(log_count 'write connection to PostgreSQL lost')" 1 "one log line when the write connection was lost"
same "$(log_count 'write connection to PostgreSQL up')" 1 "one log line when it came back"
reg after "sip:bob@$D" pg-4 1 "Contact: <sip:bob@127.0.0.1:5071>"
same "$(st after)" 200 "REGISTER after PostgreSQL is back: 200"
finish
