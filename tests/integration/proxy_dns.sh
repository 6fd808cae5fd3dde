#!/bin/sh
# Requests of local users to other domains, located with DNS (RFC 3263), against a dnsmasq
# serving the zone .test on 127.0.0.1 (dns.servers); auth.calls = 1, timers t1 = 50 ms
# (Timer F = 64*T1 = 3.2 s).  The zone:
#   remote.test            NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.remote.test
#   _sip._udp.remote.test  SRV 10 10 PORTA a.remote.test,  SRV 20 10 PORTB b.remote.test
#   a.remote.test, b.remote.test, only.test   A 127.0.0.1 (no AAAA, no NAPTR/SRV for only.test)
#   anything else under .test: NXDOMAIN
# Phones A (PORTA), B (PORTB) and C (PORTC) listen on 127.0.0.1.  alice is a user of sipd
# (sipctl), From sip:alice@127.0.0.1; each of her requests is answered 407 first, then sent
# again with Proxy-Authorization.
#  6. (run first, while no lookup of remote.test was made) From outside (sip:eve@example.org,
#     no credentials) to sip:bob@remote.test -> 403, no phone gets anything, and dnsmasq sees no
#     query about remote.test: no open relay, and no lookup for a request that is refused.
#  1. alice's MESSAGE to sip:bob@remote.test: NAPTR remote.test -> SRV _sip._udp.remote.test ->
#     phone A (priority 10), Request-URI unchanged; A's 200 reaches alice.
#  2. phone A answers 503 (RFC 3263 4.3): the MESSAGE goes to phone B (priority 20) in a new
#     client transaction; B's 200 reaches alice, never the 503.
#  3. phone A stays silent: after Timer F (3.2 s) the MESSAGE goes to phone B; its 200 reaches
#     alice.
#  4. alice's INVITE to sip:carol@only.test:PORTC: an explicit port means no NAPTR nor SRV
#     (RFC 3263 4.1, 4.2), only A/AAAA of only.test; phone C gets the INVITE, sipd ACKs C's 486
#     (17.1.1.3) and the 486 reaches alice (who ACKs it).
#  5. alice's MESSAGE to sip:x@nowhere.test (NXDOMAIN for everything): sipd does look it up,
#     and alice gets an error final response (4xx-6xx) within a few seconds, not a hang.
# The test runs in a network namespace holding only loopback: nothing may leave the machine.
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"

DNSMASQ=$(command -v dnsmasq 2>/dev/null || true)
[ -n "$DNSMASQ" ] || { [ -x /usr/sbin/dnsmasq ] && DNSMASQ=/usr/sbin/dnsmasq; }
[ -n "$DNSMASQ" ] || skip "dnsmasq not installed (Debian: dnsmasq-base)"

. "$(dirname "$0")/proxy_lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
[ -x "$SIPCTL" ] || fail "no sipctl next to $SIPD"

# ---- the phones ----------------------------------------------------------------------------
# dnsphone.py PORT NAME PLAN: a phone on 127.0.0.1:PORT recording like peer.py (in $TMP/NAME:
# in.NNN, out.NNN, log).  PLAN: comma-separated USER=CODE, the final response to a request whose
# Request-URI user is USER (- = no answer at all); 200 for any other user.  A retransmitted
# request gets the same answer again; a non-2xx final to an INVITE is sent again (T1 doubling)
# until its ACK.  Creates $TMP/NAME/ready once listening.
cat >"$TMP/dnsphone.py" <<'PY'
import os, re, sys
sys.path.insert(0, os.environ["PHONE_LIB"])
import peer  # noqa: E402  ($TMP/peer.py from proxy_lib.sh)

REASONS = {200: "OK", 486: "Busy Here", 503: "Service Unavailable", 404: "Not Found"}


class Args:
    pass


class Phone(peer.Peer):
    def __init__(self, a, plan):
        super().__init__(a)
        self.plan = plan
        self.answered = {}    # branch -> response bytes (None: silent)
        self.acked = set()

    def respond(self, req, code):
        start, fields, _ = peer.split(req)
        keep = [f for f in fields if peer.fname(f) in ("via", "from", "call-id", "cseq",
                                                        "record-route")]
        out = [("SIP/2.0 %d %s" % (code, REASONS.get(code, "Whatever"))).encode()]
        for f in keep:
            out.append(f)
            if peer.fname(f) == "from":
                to = peer.first(req, "to")
                if not peer.tag_of(to):
                    to += ";tag=%s-%d" % (self.a.name, len(self.answered))
                out.append(("To: " + to).encode("latin-1"))
        out.append(b"X-Peer: " + self.a.name.encode())
        return b"\r\n".join(out) + b"\r\nContent-Length: 0\r\n\r\n"

    def on_message(self, data, src):
        if peer.status(data):
            return
        meth, b = peer.method(data), peer.branch(data)
        if meth == "ACK":
            self.acked.add(b)
            return
        if b in self.answered:                      # a retransmission
            if self.answered[b] is not None:
                self.send(self.answered[b], src)
            return
        ruri = data.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
        m = re.match(r"sips?:([^@;]+)@", ruri)
        code = self.plan.get(m.group(1) if m else "", "200")
        if code == "-":
            self.answered[b] = None
            return
        r = self.respond(data, int(code))
        self.answered[b] = r
        self.send(r, src)
        if meth == "INVITE" and int(code) >= 300:
            self.retransmit(r, src, lambda: b in self.acked)


a = Args()
a.port, a.name = int(sys.argv[1]), sys.argv[2]
a.dir = os.path.join(os.environ["TMP"], a.name)
a.server_port, a.time, a.bind = 9, 120.0, "127.0.0.1"
os.makedirs(a.dir, exist_ok=True)
plan = dict(p.split("=", 1) for p in sys.argv[3].split(",") if p) if len(sys.argv) > 3 else {}
ph = Phone(a, plan)
open(os.path.join(a.dir, "ready"), "w").close()
ph.run(lambda: False)
PY
PHONE_LIB=$TMP
export PHONE_LIB TMP

# phone_ready NAME: phone NAME is listening, or it has exited
phone_ready() { [ -e "$TMP/$1/ready" ] || gone "$BG_PID"; }
# phone NAME PLAN: start a phone on a free port (in $PHONE_PORT); returns once it listens
phone() {
	PHONE_PORT=$(free_port) || fail "no free port for phone $1"
	spawn "$PYTHON" "$TMP/dnsphone.py" "$PHONE_PORT" "$1" "$2"
	wait_until 10 phone_ready "$1" || fail "phone $1 did not start within 10 s"
	[ -e "$TMP/$1/ready" ] || fail "phone $1 did not start"
	say "phone $1 listens on 127.0.0.1:$PHONE_PORT"
}

phone A 'busy=503,mute=-'
PORTA=$PHONE_PORT
phone B ''
PORTB=$PHONE_PORT
phone C 'carol=486'
PORTC=$PHONE_PORT

# ---- dnsmasq -----------------------------------------------------------------------------
# In the foreground (-d: no pid file, no change of user), logging every query to its stderr
# only (not to syslog); --local=/test/: names of .test it does not hold are NXDOMAIN.
DNSLOG=$TMP/dnsmasq.log
start_dnsmasq() {
	DNSPORT=$(free_port) || fail "no free port for dnsmasq"
	spawn "$DNSMASQ" --no-daemon --port="$DNSPORT" --listen-address=127.0.0.1 --bind-interfaces \
		--no-resolv --no-hosts --conf-file=/dev/null --log-queries --log-facility=- \
		--local=/test/ \
		--naptr-record=remote.test,10,10,S,SIP+D2U,,_sip._udp.remote.test \
		--srv-host=_sip._udp.remote.test,a.remote.test,"$PORTA",10,10 \
		--srv-host=_sip._udp.remote.test,b.remote.test,"$PORTB",20,10 \
		--host-record=a.remote.test,127.0.0.1 \
		--host-record=b.remote.test,127.0.0.1 \
		--host-record=only.test,127.0.0.1 \
		2>>"$DNSLOG"
	DNSMASQ_PID=$BG_PID
}
# dnsq NAME QTYPE: one query to dnsmasq; prints "RCODE ANSWERS" (nothing when no answer)
dnsq() {
	"$PYTHON" - "$DNSPORT" "$1" "$2" <<'EOF'
import os, socket, struct, sys
port, name, qtype = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
q = os.urandom(2) + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"
q += struct.pack(">HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
s.sendto(q, ("127.0.0.1", port))
try:
    d = s.recv(4096)
except OSError:
    sys.exit(1)
print(struct.unpack(">H", d[2:4])[0] & 15, struct.unpack(">H", d[6:8])[0])
EOF
}
# dnsmasq_up: it answers the SRV query (or it has exited)
dnsmasq_up() { [ "$(dnsq _sip._udp.remote.test 33)" = "0 2" ] || gone "$DNSMASQ_PID"; }
_try=0
while :; do
	start_dnsmasq
	wait_until 3 dnsmasq_up
	[ "$(dnsq _sip._udp.remote.test 33)" = "0 2" ] && break
	stop_pid "$DNSMASQ_PID"
	_try=$((_try + 1))
	[ $_try -lt 3 ] || { sed 's/^/    | /' "$DNSLOG"; fail "dnsmasq does not answer (see its log above)"; }
done
say "dnsmasq (pid $DNSMASQ_PID) serves .test on 127.0.0.1:$DNSPORT"
check "dnsmasq: remote.test has its NAPTR" test "$(dnsq remote.test 35)" = "0 1"
check "dnsmasq: only.test has its A record" test "$(dnsq only.test 1)" = "0 1"
check "dnsmasq: nowhere.test is NXDOMAIN" test "$(dnsq nowhere.test 1)" = "3 0"

# The queries above are the test's own: only what dnsmasq logs after them counts from here on.
wait_until 3 grep -q 'query\[A\] nowhere\.test from' "$DNSLOG"
DNSBASE=$(wc -l <"$DNSLOG")
# dnslog: dnsmasq's log since then (the queries sipd made)
dnslog() { tail -n +$((DNSBASE + 1)) "$DNSLOG"; }
# dnscount REGEX: how many queries of sipd's dnsmasq logged whose "query[TYPE] NAME" matches
# REGEX (ERE)
dnscount() { dnslog | grep -cE "query\[[A-Z0-9]+\] ($1) from "; }
# dnswait REGEX MIN: wait (up to 3 s) until dnscount REGEX >= MIN
dnsatleast() { [ "$(dnscount "$1")" -ge "$2" ]; }
dnswait() { wait_until 3 dnsatleast "$1" "$2"; }

# ---- sipd ----------------------------------------------------------------------------------
start_sipd "dns: { servers = [ \"127.0.0.1:$DNSPORT\" ]; };" 'auth: { register = 0; };' \
	'timers: { t1 = 50; t2 = 400; t4 = 500; };'
echo alice-pw | "$SIPCTL" -c "$TMP/sipd.conf" user add alice >/dev/null 2>&1 || fail "sipctl user add alice"

# ua.py PORT METHOD RURI FROM [USER PASSWORD]: one request (MESSAGE or INVITE) over UDP with
# RFC 3261 timers (T1 = 500 ms; a MESSAGE is sent again until its final response, an INVITE
# until any response), ACKing a non-2xx final to an INVITE; with USER/PASSWORD a 407 is
# answered once with Proxy-Authorization (MD5).  Prints per step "challenge|answer CODE..."
# (every status code received, in order), then "STEP-final CODE SECONDS" (the final and how
# long after the first send it came; "none" after 12 s without one).
cat >"$TMP/ua.py" <<'PY'
import os, select, socket, sys, time
sys.path.insert(0, os.environ["TESTDIR"])
from digest import authorization, parse_challenge
from sipsend import header_values, status_of
port, meth, ruri, frm = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
user, pw = (sys.argv[5:7] + [None, None])[:2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
lport = s.getsockname()[1]
dst = ("127.0.0.1", port)
callid = os.urandom(6).hex() + "@dnsua"
tag = os.urandom(4).hex()

def req(cseq, auth=None):
    br = "z9hG4bK-dns-" + os.urandom(4).hex()
    lines = ["%s %s SIP/2.0" % (meth, ruri), "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s" % (lport, br),
             "Max-Forwards: 70", "From: <%s>;tag=%s" % (frm, tag), "To: <%s>" % ruri,
             "Call-ID: " + callid, "CSeq: %d %s" % (cseq, meth)]
    if meth == "INVITE":
        lines.append("Contact: <sip:ua@127.0.0.1:%d>" % lport)
    if auth:
        lines.append("Proxy-Authorization: " + auth)
    body, ctype = ("v=0\r\n", "application/sdp") if meth == "INVITE" else ("hello", "text/plain")
    return ("\r\n".join(lines) + "\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (ctype, len(body), body)).encode(), br

def transact(msg, br, cseq):
    codes, final, iv = [], None, 0.5
    t0 = time.monotonic()
    t_next, end = t0, t0 + 12
    while time.monotonic() < end and final is None:
        now = time.monotonic()
        if now >= t_next and (meth != "INVITE" or not codes):
            s.sendto(msg, dst)
            t_next, iv = now + iv, min(iv * 2, 4.0)
        r, _, _ = select.select([s], [], [], 0.05)
        if not r:
            continue
        d = s.recv(65535)
        if br.encode() not in d:
            continue
        c = status_of(d)
        if c is None:
            continue
        codes.append(str(c))
        if c >= 200:
            final = d
            if meth == "INVITE" and c >= 300:
                to = header_values(d, "To", "t")[0]
                ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\n"
                       "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n"
                       "CSeq: %d ACK\r\nContent-Length: 0\r\n\r\n") % (
                    ruri, lport, br, frm, tag, to, callid, cseq)
                s.sendto(ack.encode(), dst)
    return codes, final, time.monotonic() - t0

def step(name, codes, final, took):
    print("%s %s" % (name, " ".join(codes)))
    print("%s-final %s %.2f" % (name, status_of(final) if final else "none", took))

msg, br = req(1)
codes, final, took = transact(msg, br, 1)
step("challenge", codes, final, took)
if final is not None and user and status_of(final) == 407:
    chals = [parse_challenge(v) for v in header_values(final, "Proxy-Authenticate")]
    chals = [c for c in chals if c and c.get("algorithm", "MD5").upper() == "MD5"]
    if not chals:
        print("answer-final none: no MD5 challenge in the 407")
        sys.exit(0)
    msg, br = req(2, authorization(chals[0], "MD5", user, pw, meth, ruri))
    codes, final, took = transact(msg, br, 2)
    step("answer", codes, final, took)
time.sleep(0.2)   # the ACK of a retransmitted final, strays
PY
ALICE=sip:alice@127.0.0.1
# ua NAME METHOD RURI FROM [USER PASSWORD]: output in $TMP/NAME.out
ua() { _n=$1; shift; timeout -k 2 40 "$PYTHON" "$TMP/ua.py" "$PORT" "$@" >"$TMP/$_n.out" 2>&1; }
# stepv NAME KEY: the value after "KEY " in NAME's output
stepv() { sed -n "s/^$2 //p" "$TMP/$1.out" | head -n 1; }
finalc() { stepv "$1" "$2-final" | cut -d' ' -f1; }
took() { stepv "$1" "$2-final" | cut -d' ' -f2; }
# got PHONE METHOD USER: PHONE's received requests METHOD whose Request-URI user is USER
got() {
	for _f in $(msgs "$1" in "$2"); do
		head -n 1 "$_f" | grep -q "^$2 sips\{0,1\}:$3@" && echo "$_f"
	done
	return 0
}
ngot() { got "$@" | grep -c .; }
# branches PHONE METHOD USER: the distinct top Via branches of those requests
branches() { for _f in $(got "$@"); do hdr "$_f" via | head -n 1 | sed -n 's/.*;branch=\([^;, ]*\).*/\1/p'; done | sort -u; }
nbranches() { branches "$@" | grep -c .; }
# ge A B: A >= B, decimal
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# ---- 6: outside to outside (first: no lookup of remote.test has been made yet) ---------------
ua eve MESSAGE sip:bob@remote.test sip:eve@example.org
same "$(finalc eve challenge)" 403 "6: From sip:eve@example.org to sip:bob@remote.test: 403"
# An absence has no event to wait for: this sleep is the window in which a lookup started
# anyway would have reached dnsmasq's log.
sleep 1
same "$(dnscount '[^ ]*remote\.test')" 0 "6: dnsmasq saw no query about remote.test"
same "$(ngot A MESSAGE bob)$(ngot B MESSAGE bob)" 00 "6: phones A and B got nothing"

# ---- 1: alice to bob@remote.test: NAPTR -> SRV -> phone A ---------------------------------
ua m1 MESSAGE sip:bob@remote.test "$ALICE" alice alice-pw
same "$(finalc m1 challenge)" 407 "1: alice's MESSAGE to sip:bob@remote.test without credentials: 407"
same "$(finalc m1 answer)" 200 "1: with credentials: phone A's 200 reaches alice"
same "$(nbranches A MESSAGE bob)" 1 "1: phone A (SRV priority 10) got the MESSAGE"
f=$(got A MESSAGE bob | head -n 1)
same "$(startline "$f")" "MESSAGE sip:bob@remote.test SIP/2.0" "1: ... its Request-URI unchanged"
same "$(ngot B MESSAGE bob)" 0 "1: phone B (priority 20) got nothing"
dnswait 'remote\.test' 1
check "1: sipd asked dnsmasq for the NAPTR of remote.test" test "$(dnscount 'remote\.test')" -ge 1
check "1: ... and the SRV records _sip._udp.remote.test" test "$(dnscount '_sip\._udp\.remote\.test')" -ge 1
_q=$(dnslog | grep -oE 'query\[(NAPTR|SRV)\] [^ ]*remote\.test' | head -n 1)
same "$_q" "query[NAPTR] remote.test" "1: ... NAPTR first (RFC 3263 4.1)"

# ---- 2: phone A answers 503: on to phone B ------------------------------------------------
ua m2 MESSAGE sip:busy@remote.test "$ALICE" alice alice-pw
same "$(finalc m2 answer)" 200 "2: phone A's 503, then phone B's 200: alice gets 200"
same "$(stepv m2 answer | grep -c 503)" 0 "2: alice never saw the 503"
same "$(codes A out MESSAGE | tr ' ' '\n' | grep -c 503)" 1 "2: phone A answered 503"
same "$(nbranches B MESSAGE busy)" 1 "2: phone B (priority 20) got the MESSAGE"
fa=$(got A MESSAGE busy | head -n 1)
fb=$(got B MESSAGE busy | head -n 1)
if need "2: the MESSAGEs phones A and B got" "$fa" "$fb"; then
	check "2: ... after A's 503" ge "$(mtime "$fb")" "$(mtime "$fa")"
	same "$(startline "$fb")" "MESSAGE sip:busy@remote.test SIP/2.0" "2: ... its Request-URI unchanged"
	check "2: ... in a new client transaction (another branch than A's)" \
		test "$(branches A MESSAGE busy)" != "$(branches B MESSAGE busy)"
fi

# ---- 3: phone A silent: Timer F, then phone B ---------------------------------------------
ua m3 MESSAGE sip:mute@remote.test "$ALICE" alice alice-pw
same "$(finalc m3 answer)" 200 "3: phone A silent, phone B's 200 reaches alice"
same "$(nbranches A MESSAGE mute)" 1 "3: phone A got the MESSAGE (one transaction)"
same "$(nbranches B MESSAGE mute)" 1 "3: phone B got it too"
fa=$(got A MESSAGE mute | head -n 1)
fb=$(got B MESSAGE mute | head -n 1)
if need "3: the MESSAGEs phones A and B got" "$fa" "$fb"; then
	dt=$(awk -v a="$(mtime "$fa")" -v b="$(mtime "$fb")" 'BEGIN { printf "%.2f", b - a }')
	check "3: ... B about Timer F (64*T1 = 3.2 s) after A (${dt} s)" between "$dt" 3.0 6.0
fi
check "3: alice's 200 came after Timer F ($(took m3 answer) s)" between "$(took m3 answer)" 3.0 8.0

# ---- 4: explicit port: A records only -----------------------------------------------------
nq=$(dnscount '[^ ]*only\.test')
ua i4 INVITE "sip:carol@only.test:$PORTC" "$ALICE" alice alice-pw
same "$(finalc i4 challenge)" 407 "4: alice's INVITE to sip:carol@only.test:$PORTC without credentials: 407"
same "$(finalc i4 answer)" 486 "4: with credentials: phone C's 486 reaches alice"
same "$(nbranches C INVITE carol)" 1 "4: phone C got the INVITE"
f=$(got C INVITE carol | head -n 1)
same "$(startline "$f")" "INVITE sip:carol@only.test:$PORTC SIP/2.0" "4: ... its Request-URI unchanged"
wait_msgs C in ACK 1 2
check "4: sipd ACKed phone C's 486 (17.1.1.3)" test "$(nmsgs C in ACK)" -ge 1
same "$(ngot A INVITE carol)$(ngot B INVITE carol)" 00 "4: phones A and B got nothing"
dnswait 'only\.test' $((nq + 1))
check "4: sipd asked for the address (A/AAAA) of only.test" \
	test "$(dnslog | grep -cE 'query\[(A|AAAA)\] only\.test ')" -ge 1
same "$(dnslog | grep -cE 'query\[(NAPTR|SRV)\] [^ ]*only\.test ')" 0 \
	"4: ... and no NAPTR nor SRV (an explicit port, RFC 3263 4.2)"

# ---- 5: a domain nobody knows ---------------------------------------------------------------
ua m5 MESSAGE sip:x@nowhere.test "$ALICE" alice alice-pw
c5=$(finalc m5 answer)
case $c5 in
[456][0-9][0-9]) if [ "$c5" = 407 ] || [ "$c5" = 403 ]; then
		not_ok "5: sip:x@nowhere.test: $c5 is about the caller, not about the lookup"
	else ok "5: sip:x@nowhere.test (NXDOMAIN): an error final response ($c5)"; fi ;;
*) not_ok "5: sip:x@nowhere.test: got '$c5', want a 4xx/5xx/6xx final response" ;;
esac
check "5: ... within a few seconds ($(took m5 answer) s)" between "$(took m5 answer)" 0 5
check "5: sipd did look nowhere.test up" test "$(dnscount '[^ ]*nowhere\.test')" -ge 1

# ---- sipd still up -------------------------------------------------------
check "sipd still answers OPTIONS" probe_ok

if [ "$FAILS" -ne 0 ]; then
	for f in "$TMP"/*.out; do echo "    == $f"; sed 's/^/    | /' "$f"; done
	show A; show B; show C
	echo "    ---- dnsmasq queries ----"
	dnslog | grep -E 'query\[' | sed 's/^/    | /'
fi
finish
