#!/bin/sh
# Target determination and route processing details: an extension number reaches its user
# (16.5), a Path stored with a binding becomes the Route set of requests to it (RFC 3327), and
# a request from a strict-routing previous hop (our Record-Route URI as Request-URI, the
# remote target last in Route) is turned back into a loose-routed one (16.4).
# The contact behind the Path names 192.0.2.77: run with only loopback (lib.sh re-executes us).
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"
start_sipd 'auth: { register = 0; calls = 0; };'
echo pw | "$(dirname "$SIPD")/sipctl" -c "$TMP/sipd.conf" user add dave -e 1004 >/dev/null ||
	fail "sipctl user add dave"
python3 - "$PORT" >"$TMP/out" 2>&1 <<'PY'
import socket, sys
P = int(sys.argv[1])
def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); s.settimeout(3); return s
def send(s, text): s.sendto(text.replace('\n', '\r\n').encode(), ('127.0.0.1', P))
def recv(s):
    try: return s.recv(65535).decode()
    except socket.timeout: return ""
dave, edge, caller = sock(), sock(), sock()
dp, ep, cp = dave.getsockname()[1], edge.getsockname()[1], caller.getsockname()[1]
send(dave, f"""REGISTER sip:127.0.0.1:{P} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{dp};branch=z9hG4bKrt1;rport
From: <sip:dave@127.0.0.1>;tag=d
To: <sip:dave@127.0.0.1>
Call-ID: rt-reg1
CSeq: 1 REGISTER
Contact: <sip:dave@127.0.0.1:{dp}>
Content-Length: 0

""")
print("register", recv(dave).split('\r\n')[0])
# 1: the extension number reaches dave
send(caller, f"""MESSAGE sip:1004@127.0.0.1:{P} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{cp};branch=z9hG4bKrt2;rport
Max-Forwards: 70
From: <sip:x@example.org>;tag=c
To: <sip:1004@127.0.0.1>
Call-ID: rt-ext
CSeq: 1 MESSAGE
Content-Length: 0

""")
r = recv(dave)
print("extension", r.split('\r\n')[0])
# 2: erin registers through an edge proxy that adds a Path; requests to her go via that Path
send(edge, f"""REGISTER sip:127.0.0.1:{P} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{ep};branch=z9hG4bKrt3;rport
Path: <sip:edge@127.0.0.1:{ep};lr>
From: <sip:erin@127.0.0.1>;tag=e
To: <sip:erin@127.0.0.1>
Call-ID: rt-reg2
CSeq: 1 REGISTER
Supported: path
Contact: <sip:erin@192.0.2.77:5060>
Content-Length: 0

""")
reg = recv(edge)
print("path-register", reg.split('\r\n')[0], "echo" if "Path: <sip:edge@" in reg else "no-echo")
send(caller, f"""MESSAGE sip:erin@127.0.0.1:{P} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{cp};branch=z9hG4bKrt4;rport
Max-Forwards: 70
From: <sip:x@example.org>;tag=c
To: <sip:erin@127.0.0.1>
Call-ID: rt-path
CSeq: 1 MESSAGE
Content-Length: 0

""")
r = recv(edge)
lines = r.split('\r\n')
print("path-first-hop", lines[0])
print("path-route", "yes" if any(l.startswith('Route:') and 'edge@' in l for l in lines) else "no")
# 3: strict routing: R-URI is our own (Record-Route) URI, the remote target is the last Route
send(caller, f"""BYE sip:127.0.0.1:{P};lr SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{cp};branch=z9hG4bKrt5;rport
Max-Forwards: 70
Route: <sip:dave@127.0.0.1:{dp}>
From: <sip:x@example.org>;tag=c
To: <sip:dave@127.0.0.1>;tag=dd
Call-ID: rt-strict
CSeq: 2 BYE
Content-Length: 0

""")
r = recv(dave)
while r.startswith("MESSAGE"):		# the unanswered MESSAGE's retransmissions
    r = recv(dave)
lines = r.split('\r\n')
print("strict", lines[0])
print("strict-routes", sum(1 for l in lines if l.startswith('Route:')))
PY
cat "$TMP/out"
check "dave registered" grep -q '^register SIP/2.0 200' "$TMP/out"
check "MESSAGE to extension 1004 reaches dave" grep -q "^extension MESSAGE sip:dave@127.0.0.1:" "$TMP/out"
check "a REGISTER with Path gets 200 echoing the Path (RFC 3327 5.3)" grep -q '^path-register SIP/2.0 200 .* echo$' "$TMP/out"
check "a request to erin goes to the Path's first hop" grep -q '^path-first-hop MESSAGE sip:erin@192.0.2.77:5060 ' "$TMP/out"
check "... carrying the Path as its Route" grep -q '^path-route yes$' "$TMP/out"
check "strict-routed BYE: the last Route became the Request-URI" grep -q "^strict BYE sip:dave@127.0.0.1:[0-9]* SIP/2.0" "$TMP/out"
check "... and left the Route set" grep -q '^strict-routes 0$' "$TMP/out"
finish
