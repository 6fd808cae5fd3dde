#!/bin/sh
# Brute force (auth.max_failures / failure_window / ban_time): svcrack (sipvicious) guesses the
# password of user 1001 with a word list whose 7th word is right; after 5 failures its address
# and the name 1001 are refused (403 without a look at the credentials), so it finds nothing.  The same happens for a user name
# that does not exist (no difference on the wire), a banned name gets 403 from another address
# even with the right password, other users are not affected, and fail2ban-regex with
# etc/fail2ban/filter.d/sipd.conf finds every failure and ban in the real sipd log.
SIPD_DOMAINS='"example.test"'
SIPD_LOG_LEVEL=info
. "$(dirname "$0")/lib.sh"

command -v svcrack >/dev/null 2>&1 || skip "svcrack (Debian sipvicious) not installed"
SIPCTL=$(dirname "$SIPD")/sipctl
PHONE="$PYTHON $TESTDIR/phone.py"
# the interpreter sipvicious was installed for (its #! line), to run it through svbind.py
SVPY=$(sed -n '1s/^#! *//p' "$(command -v svcrack)")

start_sipd 'auth: { max_failures = 5; failure_window = 60; ban_time = 30; };'
adduser() { printf '%s\n' "$2" | "$SIPCTL" -c "$TMP/sipd.conf" user add "$1" >/dev/null 2>&1 || fail "sipctl user add $1"; }
adduser 1001 'Secret-1001'
adduser carol 'pw-carol'
printf '%s\n' 1234 password 1001 secret admin 0000 Secret-1001 letmein >"$TMP/words"

# crack USER ADDR: svcrack against USER from ADDR; output in $TMP/crack-USER.out
crack() {
	_lp=$(free_port) || fail "no free port"
	timeout -k 5 60 $SVPY "$TESTDIR/svbind.py" "$2" svcrack -u "$1" -d "$TMP/words" \
	    -P "$_lp" -p "$PORT" 127.0.0.1 \
	    >"$TMP/crack-$1.out" 2>&1
	sed 's/^/    | /' "$TMP/crack-$1.out" | tail -n 4
}
# reg USER PASSWORD ADDR: one authenticated REGISTER; prints the final status (none: no answer)
reg() {
	$PHONE reg --server-port "$PORT" --bind "$3" --user "$1" --password "$2" \
	    --domain example.test --timeout 3 | sed -n 's/^final //p'
}

crack 1001 127.0.0.6
check "svcrack did not find the password of 1001" sh -c "! grep -q 'Secret-1001' '$TMP/crack-1001.out'"
check "svcrack found nothing" grep -q "found nothing" "$TMP/crack-1001.out"
check "exactly 5 passwords of 127.0.0.6 checked (then the ban)" \
    [ "$(grep -c 'auth failed src=127.0.0.6 user=1001 .*reason=credentials' "$TMP/sipd.log")" -eq 5 ]
check "its address was banned (logged once)" [ "$(log_count 'ban src=127.0.0.6 for 30 s')" -eq 1 ]
check "the name 1001 was banned" [ "$(log_count 'ban user=1001 for 30 s')" -eq 1 ]
check "a banned address gets 403 even for another user's right password" \
    [ "$(reg carol pw-carol 127.0.0.6)" = 403 ]
check "1001 with the right password from 127.0.0.7: 403 while the name is banned" \
    [ "$(reg 1001 Secret-1001 127.0.0.7)" = 403 ]
check "carol (not banned) registers from 127.0.0.8" [ "$(reg carol pw-carol 127.0.0.8)" = 200 ]

# A name that does not exist: the very same treatment.
crack 1000 127.0.0.9
check "svcrack on the unknown 1000 found nothing" grep -q "found nothing" "$TMP/crack-1000.out"
check "svcrack was told nothing different for 1000: 5 failures, then the ban" \
    [ "$(grep -c 'auth failed src=127.0.0.9 user=1000 .*reason=credentials' "$TMP/sipd.log")" -eq 5 ]
check "127.0.0.9 was banned" [ "$(log_count 'ban src=127.0.0.9 for 30 s')" -eq 1 ]
check "the name 1000 was banned" [ "$(log_count 'ban user=1000 for 30 s')" -eq 1 ]
check "1000 from 127.0.0.7: 403 like the real 1001" [ "$(reg 1000 whatever 127.0.0.7)" = 403 ]

# fail2ban reads the same lines
if command -v fail2ban-regex >/dev/null 2>&1 && [ -f /etc/fail2ban/filter.d/common.conf ]; then
	mkdir -p "$TMP/f2b/filter.d"
	cp /etc/fail2ban/filter.d/common.conf "$SRCDIR/etc/fail2ban/filter.d/sipd.conf" "$TMP/f2b/filter.d/"
	fail2ban-regex "$TMP/sipd.log" "$TMP/f2b/filter.d/sipd.conf" >"$TMP/f2b.out" 2>&1
	want=$(grep -cE 'notice: (auth failed src=|ban src=)' "$TMP/sipd.log")
	got=$(sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p' "$TMP/f2b.out")
	check "fail2ban-regex matched all $want failure/ban lines (got ${got:-?})" [ "${got:-0}" -eq "$want" ]
	check "fail2ban-regex saw only the attackers' addresses" \
	    sh -c "! fail2ban-regex --print-all-matched '$TMP/sipd.log' '$TMP/f2b/filter.d/sipd.conf' | grep -E '^\|  [0-9].* src=' | grep -vE 'src=127\.0\.0\.(6|7|9) '"
	[ "${got:-0}" -eq "$want" ] || tail -n 30 "$TMP/f2b.out"
else
	not_ok "fail2ban-regex not installed (Debian fail2ban, scripts/deps.sh TEST_DEPS)"
fi
finish
