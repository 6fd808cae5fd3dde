#!/bin/sh
# sipctl against a running sipd: user add/list/passwd/del/enable/disable (output, exit codes,
# the database, and the effect on digest authentication), passwords only from stdin (no
# option, no operand takes one), and reg list / reg del (the running sipd drops the deleted
# bindings: a REGISTER query lists none within 2 s).  Then with the sample's domains (none: the
# server's own addresses, filed under its host name): user add NAME@ADDRESS and -D ADDRESS store
# the user where sipd looks for it (a digest REGISTER to that address succeeds), and a domain
# sipd does not serve or a name no SIP URI can carry is refused with a message, nothing stored.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

D=$REG_DOMAIN
start_sipd 'auth: { register = 1; };'
DIGEST="$PYTHON $TESTDIR/digest.py -p $PORT"

# run NAME [stdin-text] -- ARGS...: sipctl ARGS with stdin-text (or nothing) on stdin;
# stdout in $TMP/NAME.out, stderr in $TMP/NAME.err, exit status in $TMP/NAME.rc
run() {
	_n=$1 _in=$2; shift 3
	if [ -n "$_in" ]; then
		printf '%s\n' "$_in" | sipctl "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
	else
		sipctl "$@" </dev/null >"$TMP/$_n.out" 2>"$TMP/$_n.err"
	fi
	echo $? >"$TMP/$_n.rc"
}
rc() { cat "$TMP/$1.rc"; }
out() { cat "$TMP/$1.out"; }
err_has() { grep -qF -- "$2" "$TMP/$1.err"; }
# sipd caches user records and drops them when it reads sipctl's note from the admin queue
# (polled every second): wait (at most 3 s) until it has read every note
synced() {
	_i=0
	while [ "$(db 'SELECT count(*) FROM admin_queue')" != 0 ] && [ $_i -lt 30 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	same "$(db 'SELECT count(*) FROM admin_queue')" 0 "sipd read sipctl's note ($1)"
}
ha1() { "$PYTHON" -c 'import hashlib, sys; print(hashlib.new(sys.argv[1], ":".join(sys.argv[2:]).encode()).hexdigest())' "$@"; }
user_row() { db "SELECT username, domain, ifnull(extension, '-'), enabled, realm FROM users WHERE username = '$1'"; }
# login NAME USER PASSWORD: the status code digest.py's answer got for USER's own AOR (an
# authenticated un-REGISTER, Expires: 0, so that it leaves no binding behind)
login() {
	$DIGEST --aor "sip:$2@$D" --user "$2" --password "$3" --contact "sip:$2@127.0.0.1:7999" --expires 0 \
	    >"$TMP/$1.login" 2>&1
	sed -n 's/^answer \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/$1.login"
}

# ---- user add ----------------------------------------------------------------------------------
run add1 pw-alice-1 -- user add alice -e 1001
same "$(rc add1) $(out add1)" "0 added alice@$D (realm $D)" "user add alice -e 1001"
same "$(user_row alice)" "alice|$D|1001|1|$D" "alice's row"
same "$(db "SELECT ha1_md5 || ' ' || ha1_sha256 FROM users WHERE username = 'alice'")" \
    "$(ha1 md5 alice "$D" pw-alice-1) $(ha1 sha256 alice "$D" pw-alice-1)" \
    "alice's MD5 and SHA-256 HA1 are of the password given on stdin"
check "no column holds the password itself" sh -c "! sqlite3 -readonly '$TMP/sipd.db' .dump | grep -q pw-alice-1"
run add2 pw-bob -- user add bob
same "$(rc add2) $(user_row bob)" "0 bob|$D|-|1|$D" "user add bob (no extension)"
run dup pw-x -- user add alice
same "$(rc dup)" 1 "user add of an existing user fails with 1"
check "... saying so on stderr" test -s "$TMP/dup.err"
run dupext pw-x -- user add carol -e 1001
same "$(rc dupext) $(db "SELECT count(*) FROM users WHERE username = 'carol'")" "1 0" \
    "user add with an extension already taken fails with 1 and adds nothing"
run empty "" -- user add dave
same "$(rc empty) $(db "SELECT count(*) FROM users WHERE username = 'dave'")" "1 0" \
    "user add with nothing on stdin fails with 1 and adds nothing"
check "... 'no password given'" err_has empty "no password given"
printf '\n' | sipctl user add dave >/dev/null 2>&1
same "$? $(db "SELECT count(*) FROM users WHERE username = 'dave'")" "1 0" \
    "user add with an empty password fails with 1 and adds nothing"

# ---- no password on the command line -------------------------------------------------------------
for opt in -p --password -P --pass -w; do
	run opt pw-stdin -- user add erin "$opt" pw-argv
	same "$(rc opt) $(db "SELECT count(*) FROM users WHERE username = 'erin'")" "2 0" \
	    "user add erin $opt pw-argv: usage error (2), no user added"
done
run argvonly "" -- user add erin pw-argv
same "$(rc argvonly) $(db "SELECT count(*) FROM users WHERE username = 'erin'")" "2 0" \
    "user add erin pw-argv: a stray operand is a usage error (2), no user added"
run argvpw pw-stdin -- user add erin pw-argv
if [ "$(rc argvpw)" = 0 ]; then
	same "$(db "SELECT ha1_md5 FROM users WHERE username = 'erin'")" "$(ha1 md5 erin "$D" pw-stdin)" \
	    "user add erin pw-argv (stdin pw-stdin): the password is stdin's, not the operand"
	run del-erin "" -- user del erin
else
	ok "user add erin pw-argv: refused ($(rc argvpw))"
fi
run passwdargv "" -- user passwd alice pw-argv
same "$(rc passwdargv)" 2 "user passwd alice pw-argv: a stray operand is a usage error (2)"
same "$(db "SELECT ha1_md5 FROM users WHERE username = 'alice'")" "$(ha1 md5 alice "$D" pw-alice-1)" \
    "... and alice's password is unchanged"

# ---- user list -----------------------------------------------------------------------------------
run list1 "" -- user list
same "$(rc list1)" 0 "user list"
same "$(out list1 | head -n 1)" "$(printf 'username\tdomain\textension\tenabled\trealm\tcreated')" \
    "user list: header line"
same "$(out list1 | sed 1d | cut -f 1-5 | tr '\t' ' ' | tr '\n' ';')" \
    "alice $D 1001 yes $D;bob $D  yes $D;" "user list: one line per user"

# ---- passwd, disable, enable: each takes effect in the running sipd (within a second) -----------
same "$(login l1 alice pw-alice-1)" 200 "alice logs in with her password"
run pw1 pw-alice-2 -- user passwd alice
same "$(rc pw1) $(out pw1)" "0 password set for alice@$D (realm $D)" "user passwd alice"
same "$(db "SELECT ha1_md5 || ' ' || ha1_sha256 FROM users WHERE username = 'alice'")" \
    "$(ha1 md5 alice "$D" pw-alice-2) $(ha1 sha256 alice "$D" pw-alice-2)" "alice's HA1 follow the new password"
synced passwd
same "$(login l2 alice pw-alice-1)" 401 "the old password is refused"
same "$(login l3 alice pw-alice-2)" 200 "the new password is accepted"
run pwnone pw-x -- user passwd nobody
same "$(rc pwnone)" 1 "user passwd of an unknown user fails with 1"
check "... 'no user nobody@$D'" err_has pwnone "no user nobody@$D"
run dis "" -- user disable alice
same "$(rc dis) $(out dis)" "0 disabled alice@$D" "user disable alice"
same "$(db "SELECT enabled FROM users WHERE username = 'alice'")" 0 "alice's row: enabled = 0"
run list2 "" -- user list
same "$(out list2 | awk -F '\t' '$1 == "alice" { print $4 }')" no "user list shows alice disabled"
synced disable
same "$(login l4 alice pw-alice-2)" 401 "a disabled user is refused"
run en "" -- user enable alice
same "$(rc en) $(out en)" "0 enabled alice@$D" "user enable alice"
synced enable
same "$(login l5 alice pw-alice-2)" 200 "enabled again, alice logs in"
run disnone "" -- user disable nobody
same "$(rc disnone)" 1 "user disable of an unknown user fails with 1"
run ennone "" -- user enable nobody
same "$(rc ennone)" 1 "user enable of an unknown user fails with 1"

# ---- user del ------------------------------------------------------------------------------------
same "$(login l6 bob pw-bob)" 200 "bob logs in"
run del1 "" -- user del bob
same "$(rc del1) $(out del1)" "0 removed bob@$D" "user del bob"
same "$(db "SELECT count(*) FROM users WHERE username = 'bob'")" 0 "bob's row is gone"
synced del
same "$(login l7 bob pw-bob)" 401 "a deleted user is refused"
run del2 "" -- user del bob
same "$(rc del2)" 1 "user del of an unknown user fails with 1"

# ---- usage errors ----------------------------------------------------------------------------------
for args in "" "user" "user add" "user frob alice" "reg" "reg frob" "reg del" "frob"; do
	run usage "" -- $args
	same "$(rc usage)" 2 "sipctl $args: usage error (2)"
	check "... usage on stderr" err_has usage "usage: sipctl"
done

# ---- reg list, reg del against the running sipd (no authentication needed here) ------------------
stop_sipd
start_sipd 'auth: { register = 0; };'
A=sip:alice@$D B=sip:bob@$D
reg ra "$A" ra-1 1 "Contact: <sip:alice@127.0.0.1:5061>, <sip:alice@127.0.0.1:5062>" "Expires: 600"
reg rb "$B" rb-1 1 "Contact: <sip:bob@127.0.0.1:5071>" "Expires: 600"
expect ra 200 "alice registers two contacts"
expect rb 200 "bob registers one"
run rl "" -- reg list
same "$(rc rl)" 0 "reg list"
same "$(out rl | head -n 1 | cut -f 1-9)" "$(printf 'aor\tcontact\treceived\texpires_at\tseconds_left\tq\tuser_agent\tinstance\treg_id')" \
    "reg list: header line (the registrations view)"
same "$(out rl | sed 1d | cut -f 1,2 | sort | tr '\t' ' ' | tr '\n' ';')" \
    "$A sip:alice@127.0.0.1:5061;$A sip:alice@127.0.0.1:5062;$B sip:bob@127.0.0.1:5071;" \
    "reg list: one line per binding"
run rla "" -- reg list "$A"
same "$(out rla | sed 1d | cut -f 1 | sort -u)" "$A" "reg list AOR: only that AOR's bindings"
same "$(out rla | sed 1d | grep -c .)" 2 "reg list AOR: both of them"

run rd "" -- reg del "$A"
same "$(rc rd) $(out rd)" "0 removed 2 bindings of $A" "reg del $A"
same "$(db "SELECT count(*) FROM location WHERE aor = '$A'")" 0 "the rows are gone at once"
# sipd polls its admin queue every second: within 2 s it must have dropped them too.
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms) i=0
while :; do
	reg rq "$A" "rq-$i" 1
	n=$(contacts rq | grep -c .)
	el=$(($(ms) - t0))
	[ "$n" = 0 ] && [ "$(st rq)" = 200 ] && break
	[ $el -gt 2000 ] && break
	sleep 0.1; i=$((i + 1))
done
same "$(st rq) $n" "200 0" "a REGISTER query for $A lists no binding (after $el ms)"
check "... within 2 s of reg del (took $el ms)" test $el -le 2000
reg rq2 "$B" rq-b 1
same "$(contacts rq2 | grep -c .)" 1 "bob's binding stays"
same "$(db "SELECT count(*) FROM location WHERE aor = '$A'")" 0 "nothing brought alice's rows back"
i=0
while [ "$(db 'SELECT count(*) FROM admin_queue')" != 0 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
same "$(db 'SELECT count(*) FROM admin_queue')" 0 "sipd emptied the admin queue"
check "sipd logged the removal" wait_log "sipctl: removed 2 bindings of $A" 1 1
reg again "$A" ra-1 2 "Contact: <sip:alice@127.0.0.1:5063>" "Expires: 600"
same "$(st again) $(contacts again | grep -c .)" "200 1" "alice registers again: one binding, the new one"
run rd2 "" -- reg del sip:nobody@$D
same "$(rc rd2) $(out rd2)" "0 removed 0 bindings of sip:nobody@$D" "reg del of an AOR without bindings"

# ---- the sample's domains: user@address is filed as sipd files it ---------------------------------
stop_sipd
SIPD_DOMAINS=		# as etc/sipd.conf: domains = [ ], the server's own addresses only
start_sipd 'auth: { register = 1; };'
DIGEST="$PYTHON $TESTDIR/digest.py -p $PORT"
H=$(hostname)		# the primary domain then: sipd folds its own addresses into it
# digest_reg NAME AOR USER PASSWORD: status of a digest-authenticated REGISTER for AOR (a binding
# for 60 s), from 127.0.0.1
digest_reg() {
	$DIGEST --aor "$2" --user "$3" --password "$4" --contact "sip:$3@127.0.0.1:7998" --expires 60 \
	    >"$TMP/$1.login" 2>&1
	sed -n 's/^answer \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/$1.login"
}
run sam pw-sam -- user add sam@127.0.0.1
same "$(rc sam) $(out sam)" "0 added sam@$H (realm $H)" "user add sam@127.0.0.1: filed under the host name, as sipd does"
same "$(user_row sam)" "sam|$H|-|1|$H" "sam's row"
same "$(db "SELECT count(*) FROM users WHERE username LIKE '%@%'")" 0 "no user named with an @"
same "$(digest_reg r-sam sip:sam@127.0.0.1 sam pw-sam)" 200 "sam registers as sip:sam@127.0.0.1 with digest"
same "$(db "SELECT aor FROM location WHERE contact = 'sip:sam@127.0.0.1:7998'")" "sip:sam@$H" \
    "... its binding is sam's AOR"
run tom pw-tom -- user add tom -D 127.0.0.1
same "$(rc tom) $(user_row tom)" "0 tom|$H|-|1|$H" "user add tom -D 127.0.0.1: filed under the host name"
same "$(digest_reg r-tom sip:tom@127.0.0.1 tom pw-tom)" 200 "tom registers as sip:tom@127.0.0.1 with digest"
run esc pw-ann -- user add %61nn@localhost
same "$(rc esc) $(user_row ann)" "0 ann|$H|-|1|$H" "user add %61nn@localhost: the user part unescaped as sipd compares it"
run samdel "" -- user del sam@127.0.0.1
same "$(rc samdel) $(out samdel) $(db "SELECT count(*) FROM users WHERE username = 'sam'")" \
    "0 removed sam@$H 0" "user del sam@127.0.0.1"
# a row an earlier sipctl stored as written (never matched by sipd) is removed as written
sqlite3 "$TMP/sipd.db" "INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256) VALUES
    ('old@127.0.0.1', '$H', '$H', 'x', 'y'), ('old', '127.0.0.1', '127.0.0.1', 'x', 'y')"
run olddel "" -- user del old@127.0.0.1
run olddel2 "" -- user del old -D 127.0.0.1
same "$(rc olddel) $(out olddel) $(rc olddel2) $(out olddel2) $(db "SELECT count(*) FROM users WHERE username LIKE 'old%'")" \
    "0 removed old@127.0.0.1@$H 0 removed old@127.0.0.1 0" "user del removes rows an earlier sipctl stored as written"
# refused: exit 1, a message naming the problem, no row
refused() {
	_n=$1 _msg=$2; shift 2
	_before=$(db "SELECT count(*) FROM users")
	run "$_n" pw-x -- "$@"
	if [ "$(rc "$_n")" = 1 ] && err_has "$_n" "$_msg" && [ "$(db "SELECT count(*) FROM users")" = "$_before" ]; then
		ok "sipctl $*: refused ('$_msg'), nothing stored"
	else
		not_ok "sipctl $*: exit $(rc "$_n"), stderr '$(cat "$TMP/$_n.err")', users $_before -> $(db "SELECT count(*) FROM users")"
	fi
}
refused other "example.org is not a domain of this server" user add zed@example.org
refused otherd "example.org is not a domain of this server" user add zed -D example.org
refused port "127.0.0.1:1 is not a domain of this server" user add zed@127.0.0.1:1
refused space "cannot be the user part of a SIP address" user add "zed smith"
refused pct "cannot be the user part of a SIP address" user add "zed%zz@127.0.0.1"
refused empty "cannot be the user part of a SIP address" user add @127.0.0.1
refused twoat "is not a domain name or address" user add zed@x@127.0.0.1
refused ext "cannot be the user part of a SIP address" user add zed -e "10 01"

finish
