#!/bin/sh
# Loop detection (RFC 3261 16.3 step 4, 16.6 step 8).  bob's phone P, when the INVITE sipd
# forwarded reaches it, sends that very request back to sipd as a new request, with its own
# Via on top and everything else kept:
#  1. a loop: P puts back the Request-URI the caller used (sip:bob@...) and keeps Max-Forwards
#     as received -> sipd answers the looped request 482 (Loop Detected), to P along P's Via,
#     and does not forward it again.
#  2. a spiral: P changes the Request-URI to carol (registered) -> not a loop: sipd forwards
#     it to carol, and carol's answer comes back to P.
# The caller is sipsend.py; P answers the caller's INVITE itself with 480 once it got its own
# final response, so every transaction ends.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH"

cat >"$TMP/looper.py" <<'PY'
import os, re, select, socket, sys, time
port, lport, ruri, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", lport))
srv = ("127.0.0.1", port)
log = open(os.path.join(d, "log"), "a")
n = 0
def rec(way, m):
    global n
    n += 1
    open(os.path.join(d, "%s.%03d" % (way, n)), "wb").write(m)
    log.write("%s %03d %s\n" % (way, n, m.split(b"\r\n", 1)[0].decode("latin-1")))
    log.flush()
def send(m, dst=srv):
    rec("out", m)
    s.sendto(m, dst)
def hdrs(m, name):
    return [l for l in m.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
            if l.split(b":", 1)[0].strip().lower() == name]
looped = None
first = None
end = time.monotonic() + 15
while time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    if not r:
        continue
    m, src = s.recvfrom(65535)
    rec("in", m)
    if m.startswith(b"INVITE ") and first is None:
        first = (m, src)
        head, body = m.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        parts[1] = ruri.encode()
        via = ("Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-loop-%s" %
               (lport, os.urandom(4).hex())).encode()
        looped = b"\r\n".join([b" ".join(parts), via] + lines[1:]) + b"\r\n\r\n" + body
        send(looped)
    elif m.startswith(b"SIP/2.0 ") and looped is not None and b"z9hG4bK-loop-" in m:
        code = int(m[8:11])
        if code >= 200:
            # ACK our own transaction's final (17.1.1.3), then answer the caller's INVITE
            via = hdrs(looped, b"via")[0]
            ack = b"\r\n".join([b"ACK " + ruri.encode() + b" SIP/2.0", via, b"Max-Forwards: 70"]
                               + hdrs(looped, b"from") + hdrs(m, b"to") + hdrs(looped, b"call-id")
                               + [hdrs(looped, b"cseq")[0].replace(b"INVITE", b"ACK"),
                                  b"Content-Length: 0"]) + b"\r\n\r\n"
            send(ack)
            if first is not None:
                inv, fsrc = first
                resp = b"\r\n".join([b"SIP/2.0 480 Temporarily Unavailable"] + hdrs(inv, b"via")
                                    + hdrs(inv, b"from")
                                    + [hdrs(inv, b"to")[0] + b";tag=p-1"] + hdrs(inv, b"call-id")
                                    + hdrs(inv, b"cseq") + [b"Content-Length: 0"]) + b"\r\n\r\n"
                send(resp, fsrc)
                first = (inv, None)
    elif m.startswith(b"INVITE ") and first is not None and first[1] is None:
        pass
PY

BOB=sip:bob@127.0.0.1:$PORT
CAROL=sip:carol@127.0.0.1:$PORT
callee carol "$CAROL" --invite 180,486@0.3

# run_case NAME RURI: P registered as bob loops with RURI; the caller INVITEs bob
run_case() {
	mkdir -p "$TMP/$1"
	LP=$(free_port) || fail "no free port"
	RP=$(free_port) || fail "no free port"
	spawn timeout -k 2 20 "$PYTHON" "$TMP/looper.py" "$PORT" "$LP" "$2" "$TMP/$1"
	same "$(register "$1reg" "$RP" "$BOB" "sip:bob@127.0.0.1:$LP")" 200 "$1: P registers as bob"
	$SIPSEND -p "$PORT" -m INVITE -u "$BOB" --body 'v=0' --ack -n 1 -w 10 --linger 1 -v \
	    >"$TMP/$1.caller" 2>&1
	wait_until 5 grep -q '^in .* SIP/2.0 [2-6]' "$TMP/$1/log"	# P has its final response
	# unregister so that the next case's P is bob's only contact
	register "$1unreg" "$RP" "$BOB" "sip:bob@127.0.0.1:$LP" 0 >/dev/null
}
# pcodes NAME: status codes P received for its looped INVITE
pcodes() { grep '^in .* SIP/2.0 ' "$TMP/$1/log" | awk '{print $4}' | tr '\n' ' ' | sed 's/ $//'; }

# ---- 1: a loop -----------------------------------------------------------------------------
run_case loop "$BOB"
same "$(grep -c '^in .* INVITE ' "$TMP/loop/log")" 1 "1: P received the INVITE once (the looped copy was not forwarded)"
f=$(ls "$TMP"/loop/out.* 2>/dev/null | head -n 1)
same "$(startline "$f")" "INVITE $BOB SIP/2.0" "1: P sent it back with the caller's Request-URI"
same "$(pcodes loop)" "482" "1: sipd answered the looped request 482 Loop Detected (16.3 step 4)"
r=$(grep -l '^SIP/2.0 482' "$TMP"/loop/in.* 2>/dev/null | head -n 1)
need "1: P's 482" "$r" && same "$(hdr "$r" Via | head -n 1 | sed 's/;.*//')" "SIP/2.0/UDP 127.0.0.1:$LP" \
    "1: ... along P's Via"
same "$(sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/loop.caller" | tr '\n' ' ' | sed 's/ $//')" \
    "100 480" "1: the caller got 100 and P's 480"

# ---- 2: a spiral ---------------------------------------------------------------------------
run_case spiral "$CAROL"
same "$(nmsgs carol in INVITE)" 1 "2: the spiralled request (Request-URI carol) reached carol (no 482)"
i=$(msgs carol in INVITE | head -n 1)
same "$(startline "$i" | cut -d' ' -f2 | sed 's/@.*//')" sip:carol \
    "2: ... with carol's contact as Request-URI"
need "2: carol's INVITE" "$i" && same "$(hdr "$i" Via | grep -c 'branch=z9hG4bK-sd')" 2 \
    "2: ... carrying two Vias of sipd's (the spiral passed through it twice)"
same "$(pcodes spiral)" "100 180 486" "2: P got 100, carol's 180 and 486 for its spiralled INVITE"
same "$(sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/spiral.caller" | tr '\n' ' ' | sed 's/ $//')" \
    "100 480" "2: the caller got 100 and P's 480"

[ "$FAILS" -eq 0 ] || { sed 's/^/    loop| /' "$TMP/loop/log"; sed 's/^/    spiral| /' "$TMP/spiral/log"; show carol; cat "$TMP/loop.caller" "$TMP/spiral.caller"; }
finish
