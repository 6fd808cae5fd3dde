#!/bin/sh
# REGISTER with digest authentication (RFC 3261 10.3 steps 2-4, 22.4; RFC 7616, RFC 8760):
# the two challenges (MD5 first, SHA-256), a right password (SIPp and digest.py, both
# algorithms), wrong password / unknown user / disabled user refused alike, replayed
# credentials refused, another user's AOR (403) against the user's own extension (200), and a
# stale nonce (stale=true).  Users are added with sipctl; results checked on the wire and in
# the database.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

# nonce_lifetime 10 (its minimum) for the stale-nonce step; every other step answers at once.
start_sipd 'auth: { register = 1; nonce_lifetime = 10; };'
D=$REG_DOMAIN
DIGEST="$PYTHON $TESTDIR/digest.py -p $PORT"
rows() { db "SELECT count(*) FROM location WHERE aor = '$1'"; }

echo alice-secret | sipctl user add alice -e 1001 >/dev/null || fail "sipctl user add alice"
echo bob-secret | sipctl user add bob >/dev/null || fail "sipctl user add bob"
echo dave-secret | sipctl user add dave >/dev/null || fail "sipctl user add dave"
sipctl user disable dave >/dev/null || fail "sipctl user disable dave"

# digest NAME ARGS...: run digest.py, output in $TMP/NAME.out, answers in $TMP/NAME.STEP
digest() {
	_n=$1; shift
	$DIGEST -o "$TMP/$_n" "$@" >"$TMP/$_n.out" 2>&1
}
# step NAME STEP: "CODE REASON" of that step
step() { sed -n "s/^$2 \\([0-9][0-9][0-9] .*\\)/\\1/p" "$TMP/$1.out" | head -n 1; }
# chal NAME STEP N: the Nth WWW-Authenticate value of that step
chal() { grep "^$2 www-authenticate " "$TMP/$1.out" | sed -n "${3}s/^$2 www-authenticate //p"; }
nchal() { grep -c "^$2 www-authenticate " "$TMP/$1.out"; }
# expect_step NAME STEP CODE DESCRIPTION
expect_step() {
	_s=$(step "$1" "$2")
	case $_s in
	"$3 "*) ok "$4 ($_s)" ;;
	*) not_ok "$4: want $3, got '${_s:-nothing}'"; sed 's/^/    | /' "$TMP/$1.out" ;;
	esac
}
# matches STRING ERE
matches() { printf '%s\n' "$1" | grep -qE "$2"; }
not_matches() { ! matches "$@"; }

# ---- no credentials: 401 with an MD5 and a SHA-256 challenge ----------------------------------
digest nocred --aor "sip:alice@$D" --user alice --challenge-only
expect_step nocred challenge 401 "no credentials"
same "$(nchal nocred challenge)" 2 "401 carries two WWW-Authenticate challenges"
c1=$(chal nocred challenge 1) c2=$(chal nocred challenge 2)
check "first challenge: Digest, algorithm=MD5" matches "$c1" '^Digest .*algorithm=("?)MD5\1(,|$| )'
check "second challenge: Digest, algorithm=SHA-256" matches "$c2" '^Digest .*algorithm=("?)SHA-256\1(,|$| )'
i=0
for c in "$c1" "$c2"; do
	i=$((i + 1))
	check "challenge $i has qop=\"auth\"" matches "$c" 'qop="auth"'
	check "challenge $i has realm=\"$D\"" matches "$c" "realm=\"$D\""
	check "challenge $i has a nonce" matches "$c" 'nonce="[^"]+"'
	check "challenge $i is not stale" not_matches "$c" '[Ss][Tt][Aa][Ll][Ee]=("?)[Tt][Rr][Uu][Ee]\1'
done

# ---- right password: SIPp (MD5) and digest.py (MD5, SHA-256) ----------------------------------
if run_sipp reg_auth.xml 1 -s alice -au alice -ap alice-secret -key domain "$D"; then
	ok "sipp: alice with the right password: 401 then 200"
else
	not_ok "sipp: alice with the right password"
fi
same "$(db "SELECT user_agent FROM registrations WHERE aor = 'sip:alice@$D'")" sipp-reg-auth \
    "the binding SIPp registered is stored"
digest sha --aor "sip:bob@$D" --user bob --password bob-secret --algo SHA-256 \
    --contact "sip:bob@127.0.0.1:7201"
expect_step sha answer 200 "bob answers the SHA-256 challenge"
same "$(rows "sip:bob@$D")" 1 "bob's binding is stored"

# ---- replayed credentials: same nonce and nc, new branch --------------------------------------
digest replay --aor "sip:bob@$D" --user bob --password bob-secret --contact "sip:bob@127.0.0.1:7202" \
    --replay --replay-cseq
expect_step replay answer 200 "bob with the right password (MD5)"
expect_step replay replay 401 "the same authorized REGISTER again, new branch (replay)"
expect_step replay replay-cseq 401 "the same Authorization with a higher CSeq (replay)"

# ---- wrong password, unknown user, disabled user: refused alike --------------------------------
if run_sipp reg_auth_refused.xml 1 -s alice -au alice -ap wrong-password -key domain "$D"; then
	ok "sipp: alice with a wrong password: 401, then 401 again"
else
	not_ok "sipp: alice with a wrong password (answered other than 401)"
fi
digest wrong --aor "sip:alice@$D" --user alice --password wrong-password \
    --contact "sip:alice@127.0.0.1:7301"
expect_step wrong answer 401 "alice with a wrong password"
same "$(nchal wrong answer)" 2 "the 401 challenges again (both algorithms)"
digest unknown --aor "sip:zoe@$D" --user zoe --password whatever --contact "sip:zoe@127.0.0.1:7302"
expect_step unknown answer 401 "an unknown user"
same "$(step unknown answer)" "$(step wrong answer)" "unknown user: same status and reason as a wrong password"
same "$(nchal unknown answer)" "$(nchal wrong answer)" "unknown user: as many challenges as a wrong password"
digest disabled --aor "sip:dave@$D" --user dave --password dave-secret --contact "sip:dave@127.0.0.1:7303"
expect_step disabled answer 401 "a disabled user with the right password"
same "$(step disabled answer)" "$(step wrong answer)" "disabled user: same status and reason as a wrong password"
same "$(db "SELECT count(*) FROM location WHERE contact LIKE '%:730_'")" 0 "refused requests stored nothing"

# ---- whose AOR (10.3 step 3): another user's, the user's own extension -------------------------
digest other --aor "sip:alice@$D" --user bob --password bob-secret --contact "sip:bob@127.0.0.1:7401"
expect_step other answer 403 "bob's valid credentials for alice's AOR"
digest ext --aor "sip:1001@$D" --user alice --password alice-secret --contact "sip:alice@127.0.0.1:7402"
expect_step ext answer 200 "alice's credentials for her extension sip:1001@$D"
same "$(db "SELECT contact FROM registrations WHERE aor = 'sip:1001@$D'")" "sip:alice@127.0.0.1:7402" \
    "the extension AOR's binding is stored"
digest extother --aor "sip:1001@$D" --user bob --password bob-secret --contact "sip:bob@127.0.0.1:7403"
expect_step extother answer 403 "bob's credentials for alice's extension"
same "$(db "SELECT count(*) FROM location WHERE contact LIKE '%:7401' OR contact LIKE '%:7403'")" 0 \
    "403s stored nothing"

# ---- stale nonce: the right password after the nonce's lifetime --------------------------------
digest stale --aor "sip:alice@$D" --user alice --password alice-secret \
    --contact "sip:alice@127.0.0.1:7501" --sleep 11
expect_step stale answer 401 "the right password with a nonce older than nonce_lifetime (10 s)"
same "$(nchal stale answer)" 2 "the 401 challenges again (both algorithms)"
for i in 1 2; do
	check "challenge $i of that 401 has stale=true" matches "$(chal stale answer $i)" '[Ss][Tt][Aa][Ll][Ee]=("?)[Tt][Rr][Uu][Ee]\1'
done
same "$(db "SELECT count(*) FROM location WHERE contact LIKE '%:7501'")" 0 "the stale answer stored nothing"

finish
