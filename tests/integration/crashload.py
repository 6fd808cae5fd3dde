#!/usr/bin/env python3
"""crashload.py - REGISTER load and routing checks for harden_crash.sh.

  crashload.py load --port P --count N --rate R --contact-port C --out FILE [--domain D]
      REGISTERs sip:userI@D (I = 1..N) at R a second from one UDP socket, each with Contact
      <sip:userI@127.0.0.1:C>, retransmitted every 0.5 s until a final answer or 4 s.  The AOR
      of every REGISTER answered 200 is appended to FILE at once (one line, flushed), so the
      file holds what sipd acknowledged even when sipd is killed in the middle.  Prints
      "sent S ok K unanswered U" at the end.
  crashload.py sink --port C --out FILE --time S
      answers every request on 127.0.0.1:C with 200 and appends its Request-URI to FILE.
  crashload.py route --port P --aors FILE [--domain D]
      sends a MESSAGE to each AOR in FILE through sipd and prints "routed K of N" (200 back).
"""

import argparse
import os
import re
import select
import socket
import sys
import time


def status_of(m):
    mo = re.match(rb"SIP/2\.0 (\d{3}) ", m)
    return int(mo.group(1)) if mo else None


def hval(m, name):
    mo = re.search(rb"(?im)^" + name.encode() + rb"[ \t]*:[ \t]*(.*?)\r$", m)
    return mo.group(1).decode("latin-1") if mo else ""


def load(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    dst = ("127.0.0.1", a.port)
    pending = {}    # call-id -> [msg, first sent, next resend, aor]
    out = open(a.out, "a")
    sent = ok = 0
    start = time.monotonic()
    i = 0
    while i < a.count or pending:
        now = time.monotonic()
        while i < a.count and i < (now - start) * a.rate:
            i += 1
            aor = "sip:user%d@%s" % (i, a.domain)
            cid = "crash-%d-%s" % (i, os.urandom(3).hex())
            msg = ("REGISTER sip:%s SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n"
                   "Max-Forwards: 70\r\nFrom: <%s>;tag=%d\r\nTo: <%s>\r\n"
                   "Call-ID: %s\r\nCSeq: 1 REGISTER\r\n"
                   "Contact: <sip:user%d@127.0.0.1:%d>\r\nExpires: 3600\r\n"
                   "Content-Length: 0\r\n\r\n" % (a.domain, lport, cid, aor, i, aor, cid, i,
                                                 a.contact_port)).encode()
            s.sendto(msg, dst)
            sent += 1
            pending[cid] = [msg, now, now + 0.5, aor]
        for cid, p in list(pending.items()):
            if now - p[1] > 4:
                del pending[cid]
            elif now >= p[2]:
                s.sendto(p[0], dst)
                p[2] = now + 0.5
        r, _, _ = select.select([s], [], [], 0.002)
        if not r:
            continue
        try:
            m = s.recv(65535)
        except ConnectionRefusedError:
            continue
        code = status_of(m)
        cid = hval(m, "Call-ID")
        if code is None or code < 200 or cid not in pending:
            continue
        if code == 200:
            out.write(pending[cid][3] + "\n")
            out.flush()
            ok += 1
        del pending[cid]
    print("sent %d ok %d unanswered %d" % (sent, ok, sent - ok))
    return 0


def sink(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", a.port))
    out = open(a.out, "a")
    end = time.monotonic() + a.time
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            continue
        m, src = s.recvfrom(65535)
        if status_of(m) is not None or m.startswith(b"ACK "):
            continue
        head = m.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        out.write(head[0].decode("latin-1").split(" ")[1] + "\n")
        out.flush()
        keep = [h for h in head[1:] if re.match(rb"(?i)(via|v|from|f|to|t|call-id|i|cseq)\s*:", h)]
        keep = [h + b";tag=sink" if re.match(rb"(?i)(to|t)\s*:", h) and b";tag=" not in h else h
                for h in keep]
        s.sendto(b"SIP/2.0 200 OK\r\n" + b"\r\n".join(keep) + b"\r\nContent-Length: 0\r\n\r\n",
                 src)
    return 0


def route(a):
    aors = [l.strip() for l in open(a.aors) if l.strip()]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    dst = ("127.0.0.1", a.port)
    routed = 0
    for k, aor in enumerate(aors):
        cid = "route-%d-%s" % (k, os.urandom(3).hex())
        body = b"hello"
        msg = ("MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n"
               "Max-Forwards: 70\r\nFrom: <sip:checker@outside.example>;tag=c%d\r\nTo: <%s>\r\n"
               "Call-ID: %s\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
               "Content-Length: %d\r\n\r\n" % (aor, lport, cid, k, aor, cid, len(body))
               ).encode() + body
        end, nxt, got = time.monotonic() + 4, 0, None
        while time.monotonic() < end and got is None:
            if time.monotonic() >= nxt:
                s.sendto(msg, dst)
                nxt = time.monotonic() + 0.5
            r, _, _ = select.select([s], [], [], 0.1)
            if r:
                m = s.recv(65535)
                c = status_of(m)
                if c is not None and c >= 200 and hval(m, "Call-ID") == cid:
                    got = c
        if got == 200:
            routed += 1
        else:
            print("not routed: %s (%s)" % (aor, got))
    print("routed %d of %d" % (routed, len(aors)))
    return 0 if routed == len(aors) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("load", "sink", "route"))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--contact-port", type=int, default=9)
    ap.add_argument("--domain", default="example.test")
    ap.add_argument("--out")
    ap.add_argument("--aors")
    ap.add_argument("--time", type=float, default=60)
    a = ap.parse_args()
    return {"load": load, "sink": sink, "route": route}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
