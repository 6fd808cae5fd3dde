#!/bin/sh
# Call detail records (issue 5): one row per call in the cdr table, written when the call
# ends, read with sqlite3 while sipd runs.  Calls through sipd between phones (peer.py):
#  1. answered, the callee hangs up after 1.5 s: status 200, reason "callee hangup", answer
#     time set, duration ~1.5 s, answered_by the callee's AOR; no row while the call is up.
#     (Rows reach the table within a second of the call's end: they are committed together.)
#  2. answered, the caller hangs up: reason "caller hangup".
#  3. busy (486): status 486, reason "busy", no answer time, duration 0.
#  4. the caller cancels while it rings: 487 "cancelled".
#  5. the callee has no phone registered: 480 "unavailable".
#  6. a ring group rings out: 408 "no answer"; a ring group answered: answered_by the member.
#  7. exactly one row per call; the media packet columns are 0 (these phones' media is not
#     relayed: relay.mode "nat" and nobody is behind NAT; pbx_cdr_media.sh has relayed media).
#  8. a call still up when sipd stops gets its row, reason "sipd stopped".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
SIPD_DOMAINS='"example.test"'
# auth.hide_users = 0: the offline callee's 480 is one of the outcomes recorded here
start_sipd 'auth: { register = 0; calls = 0; hide_users = 0; };'
D=example.test
for u in ben:3002 cat:3003 dan:3004 eve:3005 fay:3006 gus:3007; do
	echo pw | ctl user add "${u%%:*}" -e "${u#*:}"
done
# row NAME COLUMNS: the cdr columns of the call made by caller NAME
row() { db "SELECT $2 FROM cdr WHERE call_id LIKE '$1-%'"; }
# rowwait NAME: wait (up to 5 s) for the row of NAME's call: rows are handed to the database
# writer once a second
hasrow() { [ "$(row "$1" "count(*)")" != 0 ]; }
rowwait() { wait_until 5 hasrow "$1"; }

# ---- 1: answered, callee hangs up -----------------------------------------------------------------
callee b1 "sip:ben@$D" --invite 180,200@0.3 --hangup 1.5
mkdir -p "$TMP/c1"
spawn $PEER uac --server-port "$PORT" --name c1 --dir "$TMP/c1" --to "sip:3002@$D" --linger 3
wait_msgs b1 in ACK	# the call is up
# rows are written once a second: this sleep is the window a row written too early would show in
sleep 0.6
same "$(db "SELECT count(*) FROM cdr")" 0 "1: no row while the call is up"
wait "$BG_PID"
rowwait c1
same "$(row c1 "caller, callee, answered_by, status, reason")" \
    "sip:c1@127.0.0.1|sip:3002@$D|sip:ben@$D|200|callee hangup" \
    "1: answered call, callee hung up: caller, callee as dialled, answered_by, status, reason"
check "1: start <= answer <= end, all set" test "$(row c1 "start_time > 1e9 AND start_time <= answer_time AND answer_time <= end_time")" = 1
d=$(row c1 duration)
check "1: duration = end - answer, about the 1.5 s the callee waited ($d)" between "${d:-0}" 1.3 2.5
check "1: duration equals end_time - answer_time" test "$(row c1 "abs(duration - (end_time - answer_time)) < 0.001")" = 1

# ---- 2: answered, caller hangs up -----------------------------------------------------------------
dial c2 --to "sip:ben@$D" --bye
rowwait c2
same "$(row c2 "status, reason, answer_time IS NOT NULL")" "200|caller hangup|1" "2: the caller hung up"
d=$(row c2 duration)
check "2: duration about the caller's 0.2 s ($d)" between "${d:-0}" 0.1 1.0

# ---- 3: busy ------------------------------------------------------------------------------------
callee t1 "sip:cat@$D" --invite 486
dial c3 --to "sip:cat@$D"
rowwait c3
same "$(row c3 "status, reason, answer_time IS NULL, duration, answered_by")" "486|busy|1|0.0|" \
    "3: busy: 486, reason busy, no answer time, duration 0"

# ---- 4: cancelled ---------------------------------------------------------------------------------
callee e1 "sip:eve@$D" --invite 180
dial c4 --to "sip:eve@$D" --cancel-after 0.5
rowwait c4
same "$(row c4 "status, reason, answer_time IS NULL")" "487|cancelled|1" "4: cancelled by the caller: 487, reason cancelled"
check "4: end - start about the 0.5 s it rang" between "$(row c4 "end_time - start_time")" 0.3 1.5

# ---- 5: nobody registered -----------------------------------------------------------------------
dial c5 --to "sip:dan@$D"
rowwait c5
same "$(row c5 "status, reason")" "480|unavailable" "5: callee offline: 480, reason unavailable"

# ---- 6: ring groups -----------------------------------------------------------------------------
ctl group add 700 --timeout 1
ctl group member add 700 fay
callee f1 "sip:fay@$D" --invite 180
settle
dial c6 --to "sip:700@$D"
rowwait c6
same "$(row c6 "callee, status, reason")" "sip:700@$D|408|no answer" "6: a group that rang out: 408, reason no answer"
ctl group add 701
ctl group member add 701 gus
callee g1 "sip:gus@$D" --invite 180,200@0.3
settle
dial c7 --to "sip:701@$D" --bye
rowwait c7
same "$(row c7 "callee, answered_by, status")" "sip:701@$D|sip:gus@$D|200" "6: a group answered: answered_by the member who took it"

# ---- 7: one row per call -------------------------------------------------------------------------
same "$(db "SELECT count(*) FROM cdr")" 7 "7: seven calls, seven rows"
same "$(db "SELECT count(DISTINCT call_id) FROM cdr")" 7 "7: ... one per Call-ID"
same "$(db "SELECT count(*) FROM cdr WHERE packets_from_caller = 0 AND packets_from_callee = 0")" 7 \
    "7: no media relayed: 0 packets both ways"
check "7: sipctl cdr list shows them" sh -c "'$SIPCTL' -c '$TMP/sipd.conf' cdr list 100 2>/dev/null | grep -c 'sip:ben@$D' | grep -qx 2"
check "7: sipd logged one cdr line per call (debug)" test "$(grep -c ' cdr call-id=' "$TMP/sipd.log")" -eq 7

# ---- 8: a call still up when sipd stops -----------------------------------------------------------
dial c8 --to "sip:ben@$D" --linger 0.2
same "$(row c8 "count(*)")" 0 "8: answered, no BYE yet: no row"
stop_sipd
same "$(row c8 "status, reason, answer_time IS NOT NULL")" "200|sipd stopped|1" "8: sipd stopped: the open call got its row"

[ "$FAILS" -eq 0 ] || { for p in c1 b1 c2 c3 c4 c5 c6 c7 c8; do show "$p"; done; db "SELECT * FROM cdr"; }
finish
