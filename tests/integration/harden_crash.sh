#!/bin/sh
# Crash durability: crashload.py registers 2,000 AORs at 400 a second; when about 600 have been
# answered 200, sipd is killed with SIGKILL in the middle of the load.  A new sipd on the same
# database must hold every binding that got its 200 (the 200 goes out only once the binding is
# committed), load them, and route by them: a MESSAGE to each of those AORs through the new sipd
# reaches the phone's address (crashload.py sink answers it 200).
SIPD_DOMAINS='"example.test"'
SIPD_LOG_LEVEL=notice
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

LOAD="$PYTHON $TESTDIR/crashload.py"
N=2000
start_sipd 'auth: { register = 0; calls = 0; };' 'flood: { rate = 0; };'
SINK=$(free_port) || fail "no free port"
spawn $LOAD sink --port "$SINK" --out "$TMP/sink.out" --time 120
: >"$TMP/acked"
$LOAD load --port "$PORT" --count $N --rate 400 --contact-port "$SINK" --out "$TMP/acked" \
    >"$TMP/load.out" 2>&1 &
LOADPID=$!
BG_PIDS="$BG_PIDS $LOADPID"
acked_600() { [ "$(wc -l <"$TMP/acked" 2>/dev/null || echo 0)" -ge 600 ]; }
wait_until 10 acked_600
kill -KILL "$SIPD_PID"
wait "$SIPD_PID" 2>/dev/null
SIPD_PID=
acked=$(wc -l <"$TMP/acked")
say "sipd killed with SIGKILL after $acked REGISTERs were answered 200"
wait "$LOADPID"
cat "$TMP/load.out"
acked=$(sort -u "$TMP/acked" | wc -l)
sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$TMP/load.out")
check "the kill came in the middle of the load ($acked of $N acknowledged, $sent sent)" \
    [ "$acked" -ge 300 -a "$acked" -lt "$N" ]

# every acknowledged AOR has its row
sort -u "$TMP/acked" >"$TMP/acked.sorted"
db "SELECT aor FROM location WHERE aor LIKE 'sip:user%@example.test'" | sort -u >"$TMP/rows"
missing=$(comm -23 "$TMP/acked.sorted" "$TMP/rows" | wc -l)
check "every one of the $acked acknowledged bindings is in the database ($missing missing; $(wc -l <"$TMP/rows") rows)" \
    [ "$missing" -eq 0 ]
[ "$missing" -eq 0 ] || comm -23 "$TMP/acked.sorted" "$TMP/rows" | head -n 5 | sed 's/^/    | /'

restart_sipd
rows=$(wc -l <"$TMP/rows")
check "the new sipd loaded the $rows bindings" wait_log "registrar: $rows bindings loaded" 1 1
$LOAD route --port "$PORT" --aors "$TMP/acked.sorted" >"$TMP/route.out" 2>&1
st=$?
tail -n 3 "$TMP/route.out" | sed 's/^/    | /'
check "a MESSAGE to each of the $acked acknowledged AORs is routed to its phone ($(tail -n 1 "$TMP/route.out"))" \
    [ $st -eq 0 ]
got=$(sort -u "$TMP/sink.out" | wc -l)
check "the phone's address received $got distinct MESSAGEs (>= $acked)" [ "$got" -ge "$acked" ]
finish
