#!/bin/sh
# sipctl group / forward / cdr (issue 5): the rows they write, their output and exit codes,
# errors for bad input (nothing written then); and the schema upgrade of a version-1 database
# (data/schema_v1.sql, as sipd 1 created it, with a user and a binding in it) in place.
. "$(dirname "$0")/lib.sh"
SIPD_DOMAINS='"example.test"'
D=example.test
SIPCTL=$(dirname "$SIPD")/sipctl
# run NAME ARGS...: sipctl ARGS; stdout/stderr in $TMP/NAME.out/.err, status in $TMP/NAME.rc
run() { _n=$1; shift; "$SIPCTL" -c "$TMP/sipd.conf" "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err" </dev/null; echo $? >"$TMP/$_n.rc"; }
rc() { cat "$TMP/$1.rc"; }
# fails NAME MESSAGE DESCRIPTION ARGS...: sipctl ARGS exits 1 saying MESSAGE, and changes no row
fails() {
	_n=$1 _m=$2 _d=$3; shift 3
	_before=$(db "SELECT (SELECT count(*) FROM ring_groups) || (SELECT count(*) FROM ring_group_members) || (SELECT group_concat(kind || target || after) FROM forwards)")
	run "$_n" "$@"
	_after=$(db "SELECT (SELECT count(*) FROM ring_groups) || (SELECT count(*) FROM ring_group_members) || (SELECT group_concat(kind || target || after) FROM forwards)")
	if [ "$(rc "$_n")" = 1 ] && grep -qF -- "$_m" "$TMP/$_n.err" && [ "$_before" = "$_after" ]; then
		ok "$_d: exit 1, '$_m', nothing changed"
	else
		not_ok "$_d: exit $(rc "$_n"), stderr '$(cat "$TMP/$_n.err")', rows before '$_before' after '$_after'"
	fi
}

# ---- upgrade of a version-1 database ------------------------------------------------------------
sqlite3 "$TMP/sipd.db" <"$TESTDIR/data/schema_v1.sql" || fail "creating the version-1 database"
sqlite3 "$TMP/sipd.db" "INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) VALUES ('old', '$D', '$D', 'x', 'y', '4000');
INSERT INTO location (aor, binding_key, contact, received_proto, received_ip, received_port, expires, call_id, cseq, updated) VALUES ('sip:old@$D', 'k', 'sip:old@127.0.0.1:7', 'udp', '127.0.0.1', 7, strftime('%s','now') + 600, 'c', 1, 0);"
same "$(db "PRAGMA user_version")" 1 "a version-1 database to start from"
start_sipd 'auth: { register = 0; calls = 0; };'
same "$(db "PRAGMA user_version")" 6 "sipd upgraded it to version 6"
check "... saying so in its log" grep -q "upgraded from schema version 1 to 6" "$TMP/sipd.log"
same "$(db "SELECT username || ' ' || extension FROM users")" "old 4000" "the user of version 1 is kept"
same "$(db "SELECT contact FROM location")" "sip:old@127.0.0.1:7" "the binding of version 1 is kept"
same "$(db "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE name IN ('ring_groups', 'ring_group_members', 'forwards', 'cdr', 'calls') ORDER BY name)")" \
    "calls cdr forwards ring_group_members ring_groups" "the new tables and the calls view exist"
same "$(db "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE name IN ('messages', 'offline_messages') ORDER BY name)")" \
    "messages offline_messages" "version 3's messages table and view exist"
same "$(db "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE name IN ('console_admins', 'provision_links') ORDER BY name)")" \
    "console_admins provision_links" "version 5's console tables exist"
# a version-2 database (sipd 2026-12) is upgraded in place as well, its rows kept
sqlite3 "$TMP/v2.db" <"$TESTDIR/data/schema_v2.sql" || fail "creating the version-2 database"
sqlite3 "$TMP/v2.db" "INSERT INTO cdr (call_id, caller, callee, start_time, end_time, status, reason) VALUES ('c2', 'sip:a@x', 'sip:b@x', 1, 2, 200, 'callee hangup')"
same "$(sqlite3 "$TMP/v2.db" "PRAGMA user_version")" 2 "a version-2 database to start from"
"$SIPCTL" -c "$TMP/sipd.conf" -d "$TMP/v2.db" msg list >/dev/null 2>&1 || not_ok "sipctl msg list on the version-2 database"
same "$(sqlite3 "$TMP/v2.db" "PRAGMA user_version")" 6 "sipctl upgraded the version-2 database to version 6"
same "$(sqlite3 "$TMP/v2.db" "SELECT call_id FROM cdr") $(sqlite3 "$TMP/v2.db" "SELECT count(*) FROM messages")" \
    "c2 0" "... its call record kept, an empty messages table added"
check "admin_queue ids are AUTOINCREMENT now (never reused)" sh -c "sqlite3 -readonly '$TMP/sipd.db' \"SELECT sql FROM sqlite_master WHERE name = 'admin_queue'\" | grep -q AUTOINCREMENT"
for u in ann:1001 bob:1002 cyd:1003; do
	printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add "${u%%:*}" -e "${u#*:}" >/dev/null 2>&1 ||
		fail "sipctl user add ${u%%:*}"
done

# ---- group ------------------------------------------------------------------------------------
run g1 group add 600
same "$(rc g1) $(cat "$TMP/g1.out")" "0 added ring group 600@$D (parallel, timeout 0 s)" "group add 600"
run g2 group add 601 --order serial --timeout 15
same "$(db "SELECT number, domain, strategy, timeout FROM ring_groups ORDER BY number")" \
    "$(printf '600|%s|parallel|0\n601|%s|serial|15' $D $D)" "the ring_groups rows"
run m1 group member add 601 ann --q 0.9 --timeout 5
run m2 group member add 601 1002
run m3 group member add 600 cyd
same "$(rc m1)$(rc m2)$(rc m3)" 000 "group member add (by name and by extension)"
same "$(db "SELECT number, member, q, timeout FROM ring_group_members ORDER BY number, member")" \
    "$(printf '600|cyd|1.0|0\n601|ann|0.9|5\n601|bob|1.0|0')" "the ring_group_members rows (extension 1002 stored as bob)"
run m4 group member add 601 ann --q 0.2
same "$(db "SELECT q FROM ring_group_members WHERE member = 'ann'")" 0.2 "member add again updates q"
run l1 group list
same "$(head -n 1 "$TMP/l1.out")" "$(printf 'number\tdomain\tstrategy\ttimeout\tmember\tq\tmember_timeout')" "group list header"
same "$(grep -c '^60[01]' "$TMP/l1.out")" 3 "group list: a line per member"
fails e1 "is a user or an extension already" "group add of a user's extension" group add 1001
fails e2 "is a user or an extension already" "group add of a user's name" group add ann
fails e3 "exists" "group add of an existing group" group add 600
fails e4 "parallel or serial" "group add --order bogus" group add 602 --order bogus
fails e5 "--timeout must be a whole number" "group add --timeout -1" group add 602 --timeout -1
fails e6 "a group number is" "group add 'a b'" group add "a b"
fails e7 "no user or extension nobody" "member add of an unknown user" group member add 600 nobody
fails e8 "no ring group 699" "member add to an unknown group" group member add 699 ann
fails e9 "--q is a number from 0 to 1" "member add --q 2" group member add 600 ann --q 2
run u1 group frobnicate
same "$(rc u1)" 2 "group with an unknown subcommand: usage, exit 2"
run d1 group member del 601 1002
same "$(rc d1) $(db "SELECT group_concat(member) FROM ring_group_members WHERE number = '601'")" "0 ann" "group member del (by extension)"
fails d2 "is no member" "member del of a non-member" group member del 601 cyd
run d3 group del 601
same "$(rc d3) $(db "SELECT count(*) FROM ring_groups WHERE number = '601'") $(db "SELECT count(*) FROM ring_group_members WHERE number = '601'")" \
    "0 0 0" "group del removes the group and its members"
fails d4 "no ring group 601" "group del of an unknown group" group del 601

# ---- forward ----------------------------------------------------------------------------------
run f1 forward set ann noanswer bob --after 12
same "$(rc f1) $(cat "$TMP/f1.out")" "0 ann@$D: noanswer -> bob after 12 s" "forward set ann noanswer bob --after 12"
run f2 forward set 1001 busy sip:voicemail@192.0.2.1
run f3 forward set bob always 600
same "$(db "SELECT username, kind, target, after FROM forwards ORDER BY username, kind")" \
    "$(printf 'ann|busy|sip:voicemail@192.0.2.1|20\nann|noanswer|bob|12\nbob|always|600|20')" \
    "the forwards rows (extension 1001 stored as ann; a URI and a group as targets)"
run f4 forward set ann noanswer cyd --after 7
same "$(db "SELECT target || ' ' || after FROM forwards WHERE username = 'ann' AND kind = 'noanswer'")" "cyd 7" "forward set again replaces the target"
fails fe1 "no user or extension nobody" "forward set for an unknown user" forward set nobody always bob
fails fe2 "always, busy or noanswer" "forward set of an unknown kind" forward set ann sometimes bob
fails fe3 "would forward to itself" "forward set to oneself" forward set ann always 1001
fails fe4 "no user or extension zed" "forward set to an unknown user" forward set ann always zed
fails fe5 "is not a SIP URI" "forward set to a malformed URI" forward set ann always "sip:@"
fails fe7 "by its IP address" "forward set to another server by name" forward set ann always sip:x@pbx.example.org
fails fe6 "--after must be a whole number from 1" "forward set --after 0" forward set ann noanswer bob --after 0
run fl forward list ann
same "$(grep -c '^ann' "$TMP/fl.out")" 2 "forward list ann: two lines"
run fc1 forward clear ann busy
same "$(rc fc1) $(cat "$TMP/fc1.out") $(db "SELECT group_concat(kind) FROM forwards WHERE username = 'ann'")" \
    "0 cleared 1 forward(s) of ann@$D noanswer" "forward clear ann busy"
run fc2 forward clear bob
same "$(rc fc2) $(db "SELECT count(*) FROM forwards WHERE username = 'bob'")" "0 0" "forward clear bob (all kinds)"

# ---- cdr --------------------------------------------------------------------------------------
run c1 cdr list
same "$(rc c1) $(head -n 1 "$TMP/c1.out" | cut -f1-3)" "$(printf '0 started\tcaller\tcallee')" "cdr list on an empty table"
fails c2 "N must be a whole number" "cdr list with a bad count" cdr list x

finish
