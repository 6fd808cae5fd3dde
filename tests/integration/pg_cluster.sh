#!/bin/sh
# Two sipd nodes (127.0.0.1, 127.0.0.2) sharing one PostgreSQL (issue 18, part 2 as far as it
# goes): sipctl user add on one node's machine and the other node accepts the user within 1 s;
# a challenge from one node is answered to the other and accepted (shared auth.nonce_secret);
# the binding is in PostgreSQL; a third node (127.0.0.3) started afterwards loads it at start
# (no initial-sync gap) and answers for the user.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"
. "$(dirname "$0")/pglib.sh"
ip -4 addr show lo 2>/dev/null | grep -q '127.0.0.1/8' ||
    fail "lo does not hold 127.0.0.0/8 (127.0.0.2 and .3 are needed)"

pg_start
AUTH='auth: { register = 1; nonce_secret = "pg-cluster-test-secret"; };'
start_sipd "$AUTH"
PA=$PORT

# start_node IP NAME: another sipd on IP (same port number as node A), its log in $TMP/NAME.log
start_node() {
	NODE_IP=$1 write_config "$TMP/$2.conf" "$AUTH"
	spawn "$SIPD" -f -c "$TMP/$2.conf"
	eval "PID_$2=\$BG_PID"
	_i=0
	while [ $_i -lt 40 ]; do
		$SIPSEND -H "$1" -p "$PORT" -m OPTIONS -w 0.25 -n 1 2>/dev/null | grep -q '^SIP/2.0 ' &&
			return 0
		_i=$((_i + 1))
	done
	fail "node $2 on $1:$PORT does not answer"
}
start_node 127.0.0.2 b >"$TMP/b.log" 2>&1
say "nodes up: 127.0.0.1:$PA and 127.0.0.2:$PA"

# ---- sipctl user add on node A's machine: node B accepts the user within 1 s ----------------
t0=$(date +%s.%N)
echo alice-secret | sipctl user add alice >/dev/null || fail "sipctl user add alice"
$PYTHON "$TESTDIR/digest.py" -H 127.0.0.2 -p "$PA" --aor sip:alice@example.test --user alice \
    --password alice-secret >"$TMP/b1.out" 2>&1
t1=$(date +%s.%N)
same "$(sed -n 's/^answer \([0-9]*\).*/\1/p' "$TMP/b1.out")" 200 "node B accepts the user added through node A's sipctl"
check "within 1 s of sipctl returning" "$PYTHON" -c "import sys; sys.exit(0 if $t1 - $t0 < 1.0 else 1)"
same "$(psql_q "SELECT count(*) FROM location WHERE aor = 'sip:alice@example.test'")" 1 "the binding made at node B is in PostgreSQL"

# ---- a challenge from node A answered to node B --------------------------------------------
echo bob-secret | sipctl user add bob >/dev/null || fail "sipctl user add bob"
$PYTHON "$TESTDIR/digest.py" -H 127.0.0.1 -p "$PA" --answer-to "127.0.0.2:$PA" \
    --aor sip:bob@example.test --user bob --password bob-secret >"$TMP/x.out" 2>&1
same "$(sed -n 's/^challenge \([0-9]*\).*/\1/p' "$TMP/x.out")" 401 "node A challenges"
same "$(sed -n 's/^answer \([0-9]*\).*/\1/p' "$TMP/x.out")" 200 "node B accepts the answer to node A's nonce (shared nonce secret)"

# ---- a wrong password is refused on either node ---------------------------------------------
$PYTHON "$TESTDIR/digest.py" -H 127.0.0.2 -p "$PA" --aor sip:bob@example.test --user bob \
    --password wrong >"$TMP/w.out" 2>&1
same "$(sed -n 's/^answer \([0-9]*\).*/\1/p' "$TMP/w.out")" 401 "a wrong password is refused"

# ---- node C started afterwards loads the bindings at start ----------------------------------
start_node 127.0.0.3 c >"$TMP/c.log" 2>&1
same "$(psql_q "SELECT count(*) FROM location")" 2 "two bindings in PostgreSQL"
check "node C loaded both bindings at start" grep -q 'registrar: 2 bindings loaded' "$TMP/c.log"
finish
