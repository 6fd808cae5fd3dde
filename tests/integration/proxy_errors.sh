#!/bin/sh
# Requests the proxy answers itself (RFC 3261 16): INVITE to a user nobody knows -> 404; to a
# user added with sipctl but not registered (or no longer) -> 480 (with auth.hide_users = 0; the
# default hides that difference, see harden_scan.sh); Max-Forwards: 0 -> 483
# (16.3 step 3), for a registered user too, whose phone must then see nothing; Proxy-Require
# with an unknown option tag -> 420 with Unsupported (16.3 step 5), while Require is passed on.  An INVITE
# answered at once may get 100 Trying first or not (17.2.1: the 100 is optional when the final
# response goes out within 200 ms); the caller ACKs the error (sipsend.py --ack) and sipd's
# INVITE server transaction takes the ACK: the error is not retransmitted (17.2.1).
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
[ -x "$SIPCTL" ] || fail "no sipctl next to $SIPD"
start_sipd 'auth: { register = 0; calls = 0; hide_users = 0; };'
adduser() { printf 'pw-%s\n' "$1" | "$SIPCTL" -c "$TMP/sipd.conf" user add "$1" >/dev/null 2>&1; }
adduser carol || fail "sipctl user add carol"
adduser dave || fail "sipctl user add dave"

# A registered user whose phone must never see the refused requests.
callee bob "sip:bob@127.0.0.1:$PORT" --invite 180,200@0.2

# invite NAME URI [sipsend options...]: an INVITE to URI, ACKing the final response, waiting
# 1.5 s more for retransmissions; the answers in $TMP/NAME.resp (sipsend -v)
invite() {
	_n=$1 _u=$2
	shift 2
	$SIPSEND -p "$PORT" -m INVITE -u "$_u" --body 'v=0' --ack -n 1 -w 5 --linger 1.5 -v "$@" \
	    >"$TMP/$_n.resp" 2>&1
}
statuses() { sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/$1.resp" | tr '\n' ' ' | sed 's/ $//'; }
# expect_err NAME CODE WHAT: perhaps 100, then exactly one CODE (with a To tag), then our ACK
expect_err() {
	_got=$(statuses "$1")
	case $_got in
	"100 $2") ok "$3: 100 Trying, then one $2 (the ACK stops retransmissions)" ;;
	"$2") ok "$3: one $2 (no 100 Trying: allowed, 17.2.1; the ACK stops retransmissions)" ;;
	*) not_ok "$3: want [100] $2 and nothing more, got '$_got'" ;;
	esac
	if grep -q "^SIP/2.0 $2 " "$TMP/$1.resp"; then
		_to=$(awk -v c="$2" '$0 ~ "^SIP/2.0 " c " " {k=1} k && tolower($0) ~ /^to *:/ {print; exit}' "$TMP/$1.resp")
		check "$3: the $2 has a To tag (8.2.6.2): $_to" sh -c "printf '%s' '$_to' | grep -q ';tag='"
	else
		not_ok "$3: no $2 whose To tag could be checked"
	fi
	check "$3: sipsend ACKed the $2" grep -qx ACK "$TMP/$1.resp"
	[ "$_got" = "100 $2" ] || [ "$_got" = "$2" ] || sed 's/^/    | /' "$TMP/$1.resp"
}

invite unknown "sip:nobody@127.0.0.1:$PORT"
expect_err unknown 404 "INVITE to an unknown user"
invite unknown_dom "sip:nobody@example.test"
expect_err unknown_dom 404 "INVITE to an unknown user of the configured domain"
invite notreg "sip:carol@127.0.0.1:$PORT"
expect_err notreg 480 "INVITE to a user (sipctl) who never registered"
invite notreg_dom "sip:carol@example.test"
expect_err notreg_dom 480 "INVITE to sip:carol@example.test (configured domain, not registered)"

# dave registers, then takes his binding away again
LP=$(free_port) || fail "no free port"
same "$(register dreg "$LP" "sip:dave@127.0.0.1:$PORT" "sip:dave@127.0.0.1:$LP")" 200 "dave registers"
same "$(register dunreg "$LP" "sip:dave@127.0.0.1:$PORT" "sip:dave@127.0.0.1:$LP" 0)" 200 "dave unregisters (Expires: 0)"
invite unreg "sip:dave@127.0.0.1:$PORT"
expect_err unreg 480 "INVITE to a user whose only binding was removed"

invite mf0 "sip:bob@127.0.0.1:$PORT" -x "Max-Forwards: 0"
expect_err mf0 483 "INVITE with Max-Forwards: 0 to a registered user"
invite mf0u "sip:nobody@127.0.0.1:$PORT" -x "Max-Forwards: 0"
expect_err mf0u 483 "INVITE with Max-Forwards: 0 to an unknown user (16.3 comes before the lookup)"

invite preq "sip:bob@127.0.0.1:$PORT" -x "Proxy-Require: x-no-such-ext"
expect_err preq 420 "INVITE with Proxy-Require: x-no-such-ext (16.3 step 5)"
same "$(sed -n 's/^Unsupported: *//p' "$TMP/preq.resp")" x-no-such-ext "... the 420 names it in Unsupported"

same "$(nmsgs bob in INVITE)" 0 "bob's phone received no INVITE"
# the proxy still works for bob: Max-Forwards: 1 goes through (and reaches him with 0)
$SIPSEND -p "$PORT" -m INVITE -u "sip:bob@127.0.0.1:$PORT" -x "Max-Forwards: 1" --body 'v=0' \
    -n 1 -w 5 >"$TMP/mf1.resp" 2>&1
same "$(sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/mf1.resp" | tr '\n' ' ' | sed 's/ $//')" \
    "100 180 200" "INVITE with Max-Forwards: 1 to bob: 100, 180, 200"
f=$(msgs bob in INVITE | head -n 1)
same "$([ -n "$f" ] && hdr "$f" Max-Forwards)" 0 "bob received that INVITE with Max-Forwards: 0"
# Require is for the UAS (8.2.2.3): a proxy passes it on
$SIPSEND -p "$PORT" -m INVITE -u "sip:bob@127.0.0.1:$PORT" -x "Require: x-no-such-ext" --body 'v=0' \
    -n 1 -w 5 >"$TMP/req.resp" 2>&1
same "$(sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/req.resp" | tr '\n' ' ' | sed 's/ $//')" \
    "100 180 200" "INVITE with Require: x-no-such-ext to bob: forwarded (a proxy ignores Require)"
f=$(msgs bob in INVITE | sed -n 2p)
same "$([ -n "$f" ] && hdr "$f" Require)" x-no-such-ext "bob received it with the Require header"

# erin's phone answers 503: the caller gets 500 from sipd, never the 503 (16.7 step 6: a 503
# would tell the caller that sipd itself is out of service)
callee erin "sip:erin@127.0.0.1:$PORT" --invite 503
invite svc "sip:erin@127.0.0.1:$PORT"
expect_err svc 500 "INVITE answered 503 by the only phone"
same "$(codes erin out INVITE)" 503 "... erin's phone did answer 503"

[ "$FAILS" -eq 0 ] || show bob
finish
