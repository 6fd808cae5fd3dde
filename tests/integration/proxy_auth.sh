#!/bin/sh
# Who may use the proxy (auth.calls = 1, the default; RFC 3261 22.3, 16.3, 26.3.2.4 no open relay):
#  1. INVITE From sip:alice@<local> to registered bob without credentials -> 407 with
#     Proxy-Authenticate challenges, MD5 and SHA-256 (RFC 8760); bob sees nothing.
#  2. the same answered with alice's right credentials in Proxy-Authorization (MD5, then
#     SHA-256) -> forwarded to bob (his 180 and 486 come back).
#  3. a wrong password -> 407 again.
#  4. carol's valid credentials on a request From alice -> 403.
#  5. From outside (sip:x@example.org) to bob -> forwarded, no challenge.
#  6. From outside to outside (Request-URI sip:y@example.org) -> 403: never an open relay.
#  7. auth.trusted = [ "127.0.0.1/32" ]: alice's INVITE is forwarded without a challenge; a
#     trusted peer calling a user with no phone gets 480.
#  8. auth.hide_users (default): a call to a user with no phone registered gets 480 when the
#     caller authenticated as one of ours, 404 (as for a user that does not exist) from outside.
# example.org only appears in headers; sipd must not send anything there: the test runs in a
# network namespace holding only loopback.
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
[ -x "$SIPCTL" ] || fail "no sipctl next to $SIPD"
start_sipd 'auth: { register = 0; calls = 1; };'
echo alice-pw | "$SIPCTL" -c "$TMP/sipd.conf" user add alice >/dev/null 2>&1 || fail "sipctl user add alice"
echo carol-pw | "$SIPCTL" -c "$TMP/sipd.conf" user add carol >/dev/null 2>&1 || fail "sipctl user add carol"

# pinvite.py: one INVITE (RURI, FROM), ACKing each non-2xx final; with USER/PASSWORD/ALGO,
# answers a 407 once with Proxy-Authorization.  Prints "challenge|answer CODE..." per step
# (every status code received) and "proxy-authenticate VALUE" lines.
cat >"$TMP/pinvite.py" <<'PY'
import os, select, socket, sys, time
sys.path.insert(0, os.environ["TESTDIR"])
from digest import authorization, parse_challenge
from sipsend import header_values, status_of
port, ruri, frm = int(sys.argv[1]), sys.argv[2], sys.argv[3]
user, pw, algo = (sys.argv[4:7] + [None, None, None])[:3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
lport = s.getsockname()[1]
dst = ("127.0.0.1", port)
callid = os.urandom(6).hex() + "@pinvite"
tag = os.urandom(4).hex()

def req(cseq, auth=None):
    br = "z9hG4bK-pi-" + os.urandom(4).hex()
    lines = ["INVITE %s SIP/2.0" % ruri, "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s" % (lport, br),
             "Max-Forwards: 70", "From: <%s>;tag=%s" % (frm, tag), "To: <%s>" % ruri,
             "Call-ID: " + callid, "CSeq: %d INVITE" % cseq,
             "Contact: <sip:pi@127.0.0.1:%d>" % lport]
    if auth:
        lines.append("Proxy-Authorization: " + auth)
    body = "v=0\r\n"
    return ("\r\n".join(lines) + "\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)).encode(), br

def transact(msg, br, cseq):
    codes, final, t_next, iv, end = [], None, 0, 0.5, time.monotonic() + 8
    while time.monotonic() < end and final is None:
        now = time.monotonic()
        if now >= t_next and not codes:
            s.sendto(msg, dst)
            t_next, iv = now + iv, iv * 2
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        d = s.recv(65535)
        if br.encode() not in d:
            continue
        c = status_of(d)
        codes.append(str(c))
        if c >= 200:
            final = d
            to = header_values(d, "To", "t")[0]
            ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
                   "From: <%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\n"
                   "Content-Length: 0\r\n\r\n") % (ruri, lport, br, frm, tag, to, callid, cseq)
            if c >= 300:
                s.sendto(ack.encode(), dst)
    return codes, final

msg, br = req(1)
codes, final = transact(msg, br, 1)
print("challenge " + " ".join(codes))
if final is None:
    sys.exit(0)
for v in header_values(final, "Proxy-Authenticate"):
    print("proxy-authenticate " + v)
if user and status_of(final) == 407:
    chals = [parse_challenge(v) for v in header_values(final, "Proxy-Authenticate")]
    chals = [c for c in chals if c and c.get("algorithm", "MD5").upper() == algo.upper()]
    if not chals:
        print("answer none: no %s challenge" % algo)
        sys.exit(0)
    auth = authorization(chals[0], algo, user, pw, "INVITE", ruri)
    msg, br = req(2, auth)
    codes, final = transact(msg, br, 2)
    print("answer " + " ".join(codes))
time.sleep(0.3)   # linger: answers retransmitted to us are absorbed, not sent back ICMP
PY
# pinv NAME RURI FROM [USER PASSWORD ALGO]
pinv() { _n=$1; shift; timeout -k 2 30 "$PYTHON" "$TMP/pinvite.py" "$PORT" "$@" >"$TMP/$_n.out" 2>&1; }
stepc() { sed -n "s/^$2 //p" "$TMP/$1.out" | head -n 1; }
ninv() { nmsgs bob in INVITE; }

callee bob "sip:bob@127.0.0.1:$PORT" --invite 180,486@0.2
BOB=sip:bob@127.0.0.1:$PORT
ALICE=sip:alice@127.0.0.1:$PORT

# ---- 1: no credentials ---------------------------------------------------------------------
pinv noauth "$BOB" "$ALICE"
same "$(stepc noauth challenge)" 407 "1: alice's INVITE without credentials: 407"
pa=$(grep '^proxy-authenticate ' "$TMP/noauth.out")
check "1: ... with a Proxy-Authenticate MD5 challenge" sh -c "printf '%s\n' \"\$1\" | grep -qi 'algorithm=MD5'" - "$pa"
check "1: ... and a SHA-256 one" sh -c "printf '%s\n' \"\$1\" | grep -qi 'algorithm=SHA-256'" - "$pa"
same "$(ninv)" 0 "1: bob saw nothing"

# ---- 2: right credentials --------------------------------------------------------------------
pinv md5 "$BOB" "$ALICE" alice alice-pw MD5
same "$(stepc md5 answer)" "100 180 486" "2: with alice's MD5 credentials: forwarded (100, bob's 180 and 486)"
pinv sha "$BOB" "$ALICE" alice alice-pw SHA-256
same "$(stepc sha answer)" "100 180 486" "2: with alice's SHA-256 credentials: forwarded"
same "$(ninv)" 2 "2: bob got both INVITEs"

# ---- 3: wrong password -----------------------------------------------------------------------
pinv wrong "$BOB" "$ALICE" alice not-the-pw MD5
same "$(stepc wrong answer)" 407 "3: a wrong password: 407 again"
# ---- 4: carol's credentials From alice -------------------------------------------------------
pinv carol "$BOB" "$ALICE" carol carol-pw MD5
same "$(stepc carol answer)" 403 "4: carol's valid credentials on a request From alice: 403"
same "$(ninv)" 2 "3-4: bob got neither"

# ---- 5: from outside to bob ------------------------------------------------------------------
pinv outside "$BOB" "sip:x@example.org"
same "$(stepc outside challenge)" "100 180 486" "5: From sip:x@example.org to bob: forwarded without a challenge"
same "$(ninv)" 3 "5: bob got it"
# ---- 6: outside to outside -------------------------------------------------------------------
pinv relay "sip:y@example.org" "sip:x@example.org"
same "$(stepc relay challenge | sed 's/^100 //')" 403 "6: From and Request-URI outside (sip:y@example.org): 403, no open relay"

# ---- 8: a user with no phone registered (auth.hide_users = 1, the default) -------------------
# carol exists but has no phone: alice, authenticated, hears the truth (480); a caller from
# outside gets what a user that does not exist gets (404), so a scanner learns nothing
pinv offline "sip:carol@127.0.0.1:$PORT" "$ALICE" alice alice-pw MD5
same "$(stepc offline answer)" 480 "8: alice (authenticated) calls carol, who has no phone: 480"
pinv offline_out "sip:carol@127.0.0.1:$PORT" "sip:x@example.org"
pinv nobody_out "sip:nobody@127.0.0.1:$PORT" "sip:x@example.org"
same "$(stepc offline_out challenge | sed 's/^100 //')" 404 "8: from outside to carol (no phone): 404"
same "$(stepc nobody_out challenge | sed 's/^100 //')" 404 "8: from outside to a user that does not exist: 404 too"

# ---- 7: trusted ------------------------------------------------------------------------------
stop_sipd
start_sipd 'auth: { register = 0; calls = 1; trusted = [ "127.0.0.1/32" ]; };'
callee erin "sip:erin@127.0.0.1:$PORT" --invite 180,486@0.2
pinv trusted "sip:erin@127.0.0.1:$PORT" "sip:alice@127.0.0.1:$PORT"
same "$(stepc trusted challenge)" "100 180 486" "7: auth.trusted 127.0.0.1/32: alice's INVITE forwarded without a challenge"
same "$(nmsgs erin in INVITE)" 1 "7: erin (a fresh AOR: the database keeps bob's first binding) got it"
pinv trusted_off "sip:carol@127.0.0.1:$PORT" "sip:x@example.org"
same "$(stepc trusted_off challenge | sed 's/^100 //')" 480 "7: a trusted peer calling carol (no phone): 480"

[ "$FAILS" -eq 0 ] || { for f in "$TMP"/*.out; do echo "    == $f"; sed 's/^/    | /' "$f"; done; show bob; }
finish
