#!/bin/sh
# Group commit of one binding written several times: with database.commit_interval = 1000,
# five REGISTERs refreshing the same binding (five Call-IDs, five lifetimes) sent at once share
# one commit, in which sipd writes the binding once (the last write wins); the row in the
# database is the binding sipd answers with, each 200 comes after the commit, and a sipd killed
# with SIGKILL then restarted lists the same binding.  Then a refresh and a removal (Expires: 0)
# in one group leave no row.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

start_sipd 'auth: { register = 0; };'
# lib.sh writes the database group: the interval goes into it
stop_sipd
sed -i 's|^database: {|database: { commit_interval = 1000;|' "$TMP/sipd.conf"
restart_sipd
D=$REG_DOMAIN
A=sip:gina@$D
C=sip:gina@127.0.0.1:5071

# the first write starts a commit at once: the next ones gather behind it
reg first "$A" g-0 1 "Contact: <$C>" "Expires: 100"
expect first 200 "first REGISTER"
pids=
for i in 1 2 3 4 5; do
	reg "r$i" "$A" "g-$i" 1 "Contact: <$C>" "Expires: $((100 + 100 * i))" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
n=0
for i in 1 2 3 4 5; do [ "$(st "r$i")" = 200 ] && n=$((n + 1)); done
same "$n" 5 "five concurrent refreshes of one binding answered 200"
reg q1 "$A" g-q 1
expect q1 200 "query"
same "$(contacts q1 | grep -c .)" 1 "one binding"
left=$(contact_expires q1 "$C")
stored=$(db "SELECT expires - strftime('%s','now') FROM location WHERE aor = '$A'")
check "the database row ($stored s left) is the binding sipd lists ($left s left)" \
    test "${stored:-0}" -ge $((${left:-0} - 2)) -a "${stored:-0}" -le $((${left:-0} + 2))
cid=$(db "SELECT call_id FROM location WHERE aor = '$A'")
check "the stored Call-ID ($cid) is one of the five" expr "$cid" : 'g-[1-5]$'

kill -KILL "$SIPD_PID" 2>/dev/null
wait "$SIPD_PID" 2>/dev/null
SIPD_PID=
restart_sipd
reg q2 "$A" g-q2 1
expect q2 200 "query after SIGKILL and restart"
after=$(contact_expires q2 "$C")
check "after the restart the binding has the same lifetime ($after s left, was $left)" \
    test "${after:-0}" -ge $((${left:-0} - 4)) -a "${after:-0}" -le "${left:-0}"

# a refresh and a removal of one binding in one group: the removal wins
reg first2 "$A" h-0 1 "Contact: <$C>" "Expires: 100"
reg r6 "$A" h-1 1 "Contact: <$C>" "Expires: 300" &
p1=$!
sleep 0.2
reg r7 "$A" h-1 2 "Contact: <$C>" "Expires: 0" &
p2=$!
wait "$p1"; wait "$p2"
same "$(st r6) $(st r7)" "200 200" "a refresh and a removal sent within one commit interval"
same "$(db "SELECT count(*) FROM location WHERE aor = '$A'")" 0 "the removal wins in the database"
reg q3 "$A" h-q 1
same "$(contacts q3 | grep -c .)" 0 "and in sipd"

finish
