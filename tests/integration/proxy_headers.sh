#!/bin/sh
# What the proxy may change in what it forwards, and nothing more (RFC 3261 16.6, 16.7).  A
# caller's INVITE with headers in odd case, odd spacing, compact forms, comma-joined values,
# an empty value, an Authorization for someone else (a proxy leaves it alone, 22.3), a header
# folded over three lines and a body with CRLFs and UTF-8 must reach the callee with every header
# field byte for byte and in order, save what 16.6 lets the proxy touch: its own Via on top
# (step 8), the Request-URI (step 6), Max-Forwards (step 3), its Record-Route (step 4), and a
# Route naming sipd that it takes off (16.4).  A second INVITE arrives as if from an upstream
# proxy: two Vias (one compact), an upstream Record-Route (sipd's must go above it) and a
# pre-loaded Route to sipd.  The callee's 180, 200 and 486, with odd headers of their own, must
# reach the caller byte for byte once sipd's Via is removed (16.7 step 3).  A callee that puts
# all Via values in one field (7.3.1) gets only sipd's value removed from it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH"
BOB=sip:bob@127.0.0.1:$PORT

# The callee's responses carry headers as odd as the caller's.
printf '%s\n' 'X-Resp-Odd  :  a ,b,  c' 'Warning: 399 callee.invalid "odd \"quoted\" text"' \
    'x-folded-resp: first part' '   second part' 'Server:callee/1.0 (test)' >"$TMP/resp-headers"
callee bob "$BOB" --invite 180,200@0.3 --resp-headers "$TMP/resp-headers"
BOBPORT=$CALLEE_PORT
callee bob486 "sip:bob486@127.0.0.1:$PORT" --invite 180,486@0.3 --resp-headers "$TMP/resp-headers"
B486PORT=$CALLEE_PORT

# crlf: stdin's LF line ends to CRLF on stdout, the last line left without one (so a body can end
# without CRLF; a message without a body ends with two empty lines)
crlf() { "$PYTHON" -c 'import sys; d = sys.stdin.buffer.read().replace(b"\n", b"\r\n"); sys.stdout.buffer.write(d[:-2] if d.endswith(b"\r\n") else d)'; }

# ---- 1: odd headers and a body, straight from the caller -------------------------------------------
crlf >"$TMP/invite1" <<EOF
INVITE $BOB SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch];x-odd=KeepMe
Max-Forwards:   17
fRoM: "Alice \\"the\\" Caller" <sip:alice@caller.invalid>;tag=hdr-[call_id]
t:<$BOB>
cAlL-iD: [call_id]@headers
CSeq  :   1   INVITE
Contact: <sip:alice@[local_ip]:[local_port]>;expires=60
X-Odd_Header.~!%:   spaced  ,  value  
Allow: INVITE,ACK ,  CANCEL,BYE
Accept: application/sdp, text/plain;q=0.5
Authorization: Digest username="alice", realm="elsewhere.invalid", nonce="abc", uri="$BOB", response="0123456789abcdef0123456789abcdef"
Subject: a folded
   header continued
	and again after a tab
X-Empty:
x-lower-case: lower
X-UPPER-CASE: UPPER
User-Agent: proxy-headers-test/1.0 (odd; comment)
c: application/sdp
Content-Length: [len]

v=0
o=alice 1 1 IN IP4 127.0.0.1
s=Grüße, ünïcödé — and	a tab
c=IN IP4 127.0.0.1
t=0 0
m=audio 5000 RTP/AVP 0
a=x-last-line-without-crlf
EOF
dial alice --request "$TMP/invite1" --bye

# ---- 2: as if from an upstream proxy: two Vias, a Record-Route below, a Route to sipd ---------------
crlf >"$TMP/invite2" <<EOF
INVITE sip:bob486@127.0.0.1:$PORT SIP/2.0
Route: <sip:127.0.0.1:$PORT;lr>
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
v:  SIP/2.0/UDP   192.0.2.7:5099 ;branch=z9hG4bK-upstream-[call_id] ;received=192.0.2.7
Record-Route: <sip:upstream.invalid;lr>
Max-Forwards: 70
From: <sip:carol@caller.invalid>;tag=up-[call_id]
To: <sip:bob486@127.0.0.1:$PORT>
Call-ID: [call_id]@upstream
CSeq: 4711 INVITE
Contact: <sip:carol@[local_ip]:[local_port]>
Content-Length: 0


EOF
dial carol --request "$TMP/invite2"

# compare_request SENT RECEIVED WANT-RURI: the header fields of RECEIVED, less sipd's top Via,
# its Record-Route and Max-Forwards, are SENT's less Max-Forwards and a Route naming sipd, byte
# for byte and in order; the bodies are the same; the Request-URI is WANT-RURI; Max-Forwards
# is one less; sipd's Record-Route sits above any other.  Prints what differs.
compare_request() {
	"$PYTHON" - "$@" "$PORT" <<'EOF'
import re, sys
sys.path.insert(0, __import__("os").environ["TMP"])
import peer
sent, recv, want_ruri, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
s_start, s_fields, s_body = peer.split(open(sent, "rb").read())
r_start, r_fields, r_body = peer.split(open(recv, "rb").read())
me = "127.0.0.1:%s" % port
bad = []
def names_me(f):
    return re.search(r"<sip:%s[;>]" % re.escape(me), peer.fvalue(f)) is not None
want_start = ("INVITE %s SIP/2.0" % want_ruri).encode()
if r_start != want_start:
    bad.append("start line %r, want %r" % (r_start, want_start))
vias = [i for i, f in enumerate(r_fields) if peer.fname(f) == "via"]
if not vias or not re.match(r"SIP/2\.0/UDP %s[;\s]" % re.escape(me), peer.fvalue(r_fields[vias[0]])):
    bad.append("top Via is not sipd's: %r" % (r_fields[vias[0]] if vias else None))
elif "branch=z9hG4bK" not in peer.fvalue(r_fields[vias[0]]):
    bad.append("sipd's Via has no z9hG4bK branch: %r" % r_fields[vias[0]])
rrs = [i for i, f in enumerate(r_fields) if peer.fname(f) == "record-route"]
mine = [i for i in rrs if names_me(r_fields[i])]
if len(mine) != 1:
    bad.append("%d Record-Route fields naming sipd, want 1: %r" % (len(mine), [r_fields[i] for i in rrs]))
else:
    if rrs[0] != mine[0]:
        bad.append("sipd's Record-Route is not the topmost: %r" % [r_fields[i] for i in rrs])
    v = peer.fvalue(r_fields[mine[0]])
    if "," in v or not re.fullmatch(r"<sip:%s(;[^>]*)?;lr(;[^>]*)?>" % re.escape(me), v):
        bad.append("sipd's Record-Route is %r, want <sip:%s;lr> alone in its field" % (v, me))
s_mf = [peer.fvalue(f) for f in s_fields if peer.fname(f) == "max-forwards"]
r_mf = [peer.fvalue(f) for f in r_fields if peer.fname(f) == "max-forwards"]
want_mf = [str(int(s_mf[0]) - 1)] if s_mf else ["70"]
if r_mf != want_mf:
    bad.append("Max-Forwards %r, want %r (sent %r)" % (r_mf, want_mf, s_mf))
drop = set(vias[:1] + mine) | {i for i, f in enumerate(r_fields) if peer.fname(f) == "max-forwards"}
got = [f for i, f in enumerate(r_fields) if i not in drop]
want = [f for f in s_fields if peer.fname(f) != "max-forwards"
        and not (peer.fname(f) == "route" and names_me(f))]
if got != want:
    import difflib
    bad.append("header fields differ (- sent, + received):\n" + "\n".join(
        "      " + l for l in difflib.unified_diff([repr(x)[2:-1] for x in want],
                                                  [repr(x)[2:-1] for x in got], lineterm="", n=1)))
if [f for f in r_fields if peer.fname(f) == "route"]:
    bad.append("Route fields left: %r" % [f for f in r_fields if peer.fname(f) == "route"])
if r_body != s_body:
    bad.append("body differs: sent %r, received %r" % (s_body, r_body))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}

export TMP

# check_pair WHAT SENT RECEIVED compare-function [args]
check_pair() {
	_what=$1 _fn=$2
	shift 2
	if [ -z "$1" ] || [ -z "$2" ]; then not_ok "$_what: message missing (sent '$1', received '$2')"; return; fi
	if $_fn "$@" >"$TMP/cmp.out"; then ok "$_what"; else not_ok "$_what:"; cat "$TMP/cmp.out"; fi
}

one() { msgs "$@" | head -n 1; }
check_pair "INVITE 1: header fields byte for byte, in order; body intact" compare_request \
    "$(one alice out INVITE)" "$(one bob in INVITE)" "sip:bob@127.0.0.1:$BOBPORT"
check_pair "INVITE 1: the 180 reaches the caller byte for byte less sipd's Via" respcmp \
    "$(one bob out 180/INVITE)" "$(one alice in 180/INVITE)"
check_pair "INVITE 1: the 200 (with SDP) reaches the caller byte for byte less sipd's Via" \
    respcmp "$(one bob out 200/INVITE)" "$(one alice in 200/INVITE)"
check_pair "INVITE 1: the 200 to the BYE reaches the caller byte for byte less sipd's Via" \
    respcmp "$(one bob out 200/BYE)" "$(one alice in 200/BYE)"
same "$(nmsgs bob in ACK) $(nmsgs bob in BYE)" "1 1" "INVITE 1: the callee got the ACK and the BYE"

check_pair "INVITE 2 (upstream proxy): header fields byte for byte, Route to sipd taken off, sipd's Record-Route on top" \
    compare_request "$(one carol out INVITE)" "$(one bob486 in INVITE)" "sip:bob486@127.0.0.1:$B486PORT"
check_pair "INVITE 2: the 180 reaches the caller byte for byte less sipd's Via" respcmp \
    "$(one bob486 out 180/INVITE)" "$(one carol in 180/INVITE)"
check_pair "INVITE 2: the 486 reaches the caller byte for byte less sipd's Via" respcmp \
    "$(one bob486 out 486/INVITE)" "$(one carol in 486/INVITE)"
# the 486 is ACKed hop by hop: sipd ACKs it towards the callee, and takes the caller's ACK itself
same "$(nmsgs bob486 in ACK)" 1 "INVITE 2: the callee got one ACK for its 486"
a=$(one bob486 in ACK) i=$(one bob486 in INVITE)
if need "INVITE 2: the callee's ACK and INVITE" "$a" "$i"; then
	same "$(hdr "$a" Via | sed -n 1p)" "$(hdr "$i" Via | sed -n 1p)" \
	    "INVITE 2: that ACK is sipd's own, with the INVITE's Via (17.1.1.3)"
fi
same "$(nmsgs carol in 486/INVITE)" 1 "INVITE 2: the caller got the 486 once (its ACK stopped retransmissions)"

# ---- 3: the callee puts every Via in one field (RFC 3261 7.3.1) ---------------------------------------
callee bobj "sip:bobj@127.0.0.1:$PORT" --invite 180,486@0.2 --join-vias --resp-headers "$TMP/resp-headers"
dial dave --to "sip:bobj@127.0.0.1:$PORT"
# joined_ok SENT RECEIVED: RECEIVED's Via values are SENT's less the first, every other field
# byte for byte
joined_ok() {
	"$PYTHON" - "$@" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["TMP"])
import peer
s_start, s_fields, s_body = peer.split(open(sys.argv[1], "rb").read())
r_start, r_fields, r_body = peer.split(open(sys.argv[2], "rb").read())
vals = lambda fields: [v for f in fields if peer.fname(f) == "via" for v in peer.split_commas(peer.fvalue(f))]
rest = lambda fields: [f for f in fields if peer.fname(f) != "via"]
bad = []
if vals(r_fields) != vals(s_fields)[1:]:
    bad.append("Via values %r, want %r" % (vals(r_fields), vals(s_fields)[1:]))
if (r_start, rest(r_fields), r_body) != (s_start, rest(s_fields), s_body):
    bad.append("the rest differs: sent %r, received %r" % ((s_start, rest(s_fields), s_body),
                                                           (r_start, rest(r_fields), r_body)))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}
check_pair "joined Vias: the 180 reaches the caller with only sipd's Via value removed" joined_ok \
    "$(one bobj out 180/INVITE)" "$(one dave in 180/INVITE)"
check_pair "joined Vias: the 486 reaches the caller with only sipd's Via value removed" joined_ok \
    "$(one bobj out 486/INVITE)" "$(one dave in 486/INVITE)"

[ "$FAILS" -eq 0 ] || { show alice; show bob; show carol; show bob486; show dave; show bobj; }
finish
