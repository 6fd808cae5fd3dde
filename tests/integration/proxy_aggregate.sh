#!/bin/sh
# RFC 3261 16.7 step 7: when the best response is a 401/407, the challenges of every other
# branch's 401/407 are added to it.  Two contacts for bob: one answers 401 (realm one), the
# other 407 (realm two); the caller gets one final response carrying both challenges.
. "$(dirname "$0")/lib.sh"
start_sipd 'auth: { register = 0; calls = 0; };'
python3 - "$PORT" >"$TMP/out" 2>&1 <<'PY'
import socket, sys
P = int(sys.argv[1])
def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); s.settimeout(3); return s
def send(s, text): s.sendto(text.replace('\n', '\r\n').encode(), ('127.0.0.1', P))
b1, b2, a = sock(), sock(), sock()
for i, b in enumerate((b1, b2)):
    port = b.getsockname()[1]
    send(b, f"""REGISTER sip:127.0.0.1:{P} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKreg{i};rport
From: <sip:bob@127.0.0.1>;tag=r{i}
To: <sip:bob@127.0.0.1>
Call-ID: agg-reg-{i}
CSeq: 1 REGISTER
Contact: <sip:bob@127.0.0.1:{port}>
Content-Length: 0

""")
    assert b.recv(9999).startswith(b"SIP/2.0 200"), "register"
ap = a.getsockname()[1]
send(a, f"""INVITE sip:bob@127.0.0.1:{P} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:{ap};branch=z9hG4bKagg1;rport
Max-Forwards: 70
From: <sip:alice@example.org>;tag=a1
To: <sip:bob@127.0.0.1>
Call-ID: agg-call
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:{ap}>
Content-Length: 0

""")
def answer(b, code, hdr):
    req = b.recv(9999).decode().split('\r\n')
    keep = [l for l in req if l.startswith(('Via', 'From', 'Call-ID', 'CSeq'))]
    to = [l for l in req if l.startswith('To')][0] + ';tag=x%d' % code
    resp = [f"SIP/2.0 {code} Auth"] + keep + [to, hdr, "Content-Length: 0", "", ""]
    b.sendto('\r\n'.join(resp).encode(), ('127.0.0.1', P))
answer(b1, 401, 'WWW-Authenticate: Digest realm="one", nonce="n1"')
answer(b2, 407, 'Proxy-Authenticate: Digest realm="two", nonce="n2"')
finals = []
while True:
    try:
        r = a.recv(9999).decode()
    except socket.timeout:
        break
    if not r.startswith("SIP/2.0 1"):
        finals.append(r)
# sipd retransmits its final until ACKed (Timer G): the copies must be identical
print("finals", len(set(finals)))
for f in sorted(set(finals)):
    print(f.split('\r\n')[0])
    print("realm-one" if 'realm="one"' in f else "no-one", "realm-two" if 'realm="two"' in f else "no-two")
PY
cat "$TMP/out"
check "exactly one final response" grep -q '^finals 1$' "$TMP/out"
check "it is the 401 or the 407" grep -qE '^SIP/2.0 40[17] ' "$TMP/out"
check "it carries both branches' challenges" grep -q '^realm-one realm-two$' "$TMP/out"
finish
