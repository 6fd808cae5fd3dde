#!/usr/bin/env python3
"""presua.py - a presence user agent for sipd's presence tests (UDP, loopback).

publish: one PUBLISH of --body-file (or none) to --to with --expires, --etag (SIP-If-Match),
  --ctype, --event; answers a 407 with digest credentials (--user, --password; MD5).  Prints
  "CODE ETAG" (ETag "-" when none) and, with --show HEADER, that header's value on a line.
watch: SUBSCRIBE from --aor to --to (--event, --expires; digest on 407), then answers every
  NOTIFY with --notify-code (200), keeping each as DIR/notify.N and writing DIR/log lines
  "sub CODE" (the SUBSCRIBE's final answer, with "expires=V min=V" when given) and
  "notify N STATE" (its Subscription-State).  --refresh-at T sends an in-dialog refresh at T
  seconds, --end-at T one with Expires: 0.  --body-file: a resource list (RFC 5367) sent with
  the SUBSCRIBE, with Supported: eventlist (RFC 4662).  Runs --time seconds."""
import argparse
import hashlib
import os
import random
import re
import socket
import string
import sys
import time


def token(n=10):
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(n))


def hdr(msg, name):
    head = msg.split("\r\n\r\n", 1)[0]
    for line in head.split("\r\n")[1:]:
        n, _, v = line.partition(":")
        if n.strip().lower() == name.lower():
            return v.strip()
    return None


def auth_header(a, method, uri, data):
    ch = None
    for m in re.finditer(r"(?im)^Proxy-Authenticate:\s*Digest\s+([^\r\n]*)", data):
        kv = dict(re.findall(r'(\w+)="?([^",]*)"?', m.group(1)))
        if kv.get("algorithm", "MD5").upper() == "MD5":
            ch = kv
    if ch is None:
        return ""
    h = lambda s: hashlib.md5(s.encode()).hexdigest()
    ha1 = h("%s:%s:%s" % (a.user, ch.get("realm", ""), a.password))
    cn = token(8)
    resp = h("%s:%s:00000001:%s:auth:%s" % (ha1, ch.get("nonce", ""), cn, h("%s:%s" % (method, uri))))
    return ('Proxy-Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
            'response="%s", algorithm=MD5, qop=auth, nc=00000001, cnonce="%s"%s\r\n') % (
        a.user, ch.get("realm", ""), ch.get("nonce", ""), uri, resp, cn,
        ', opaque="%s"' % ch["opaque"] if "opaque" in ch else "")


class UA:
    def __init__(self, a):
        self.a = a
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = ("127.0.0.1", a.server_port)
        self.on_request = None

    def respond(self, req, code, addr):
        lines = ["SIP/2.0 %d %s" % (code, "OK" if code == 200 else "Whatever")]
        for line in req.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
            n = line.split(":", 1)[0].strip().lower()
            if n in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"):
                lines.append(line)
        lines.append("Content-Length: 0")
        self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), addr)

    def transact(self, build):
        """Send build(cseq_offset, auth) until a final answer; a 407 is answered once."""
        auth = ""
        for n in (0, 1):
            msg, method, uri = build(n, auth)
            branch = re.search(r"branch=([^;\r\n]+)", msg).group(1)
            data = self.wait(msg, branch)
            if data is None:
                return None
            if int(data.split()[1]) != 407 or n == 1 or not self.a.user:
                return data
            auth = auth_header(self.a, method, uri, data)
        return data

    def wait(self, msg, branch, limit=8.0):
        end = time.time() + limit
        resend = time.time()
        while time.time() < end:
            if time.time() >= resend:
                self.sock.sendto(msg.encode(), self.server)
                resend = time.time() + 0.5
            data = self.recv(0.1)
            if data is None:
                continue
            if data.startswith("SIP/2.0 ") and branch in (hdr(data, "Via") or ""):
                if int(data.split()[1]) >= 200:
                    return data
                resend = end
        return None

    def recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            raw, addr = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        data = raw.decode("utf-8", "replace")
        if not data.startswith("SIP/2.0 "):
            if self.on_request:
                self.on_request(data, addr)
            return None
        return data


def publish(a):
    ua = UA(a)
    body = open(a.body_file, "rb").read().decode() if a.body_file else ""
    cid = token(16) + "@presua"

    def build(n, auth):
        extra = ""
        if a.etag:
            extra += "SIP-If-Match: %s\r\n" % a.etag
        if a.expires is not None:
            extra += "Expires: %d\r\n" % a.expires
        if a.event:
            extra += "Event: %s\r\n" % a.event
        if body:
            extra += "Content-Type: %s\r\n" % a.ctype
        msg = ("PUBLISH %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
               "Max-Forwards: 70\r\nFrom: <%s>;tag=p%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
               "CSeq: %d PUBLISH\r\n%s%sContent-Length: %d\r\n\r\n%s") % (
            a.to, ua.port, token(), a.aor, cid[:6], a.to, cid, 1 + n, auth, extra,
            len(body.encode()), body)
        return msg, "PUBLISH", a.to
    data = ua.transact(build)
    if data is None:
        print("0 -")
        return 0
    print("%s %s" % (data.split()[1], hdr(data, "SIP-ETag") or "-"))
    if a.show:
        print(hdr(data, a.show) or "")
    return 0


def watch(a):
    ua = UA(a)
    os.makedirs(a.dir, exist_ok=True)
    log = open(os.path.join(a.dir, "log"), "a", buffering=1)
    st = {"n": 0, "cseq": 1, "totag": None, "target": None}
    cid = token(16) + "@presua"
    ftag = token(8)

    def on_request(data, addr):
        method = data.split(" ", 1)[0]
        if method == "NOTIFY":
            st["n"] += 1
            with open(os.path.join(a.dir, "notify.%d" % st["n"]), "w") as f:
                f.write(data)
            log.write("notify %d %s\n" % (st["n"], hdr(data, "Subscription-State")))
            ua.respond(data, a.notify_code, addr)
        elif method != "ACK":
            ua.respond(data, 200, addr)
    ua.on_request = on_request

    lbody = open(a.body_file).read() if a.body_file else ""

    def subscribe(expires, refresh):
        uri = st["target"] if refresh and st["target"] else a.to
        body = "" if refresh else lbody
        extra = ("Supported: eventlist\r\nContent-Type: application/resource-lists+xml\r\n"
                 if body else "")

        def build(n, auth):
            st["cseq"] += 1
            to = "<%s>%s" % (a.to, ";tag=" + st["totag"] if refresh else "")
            msg = ("SUBSCRIBE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
                   "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n"
                   "CSeq: %d SUBSCRIBE\r\nContact: <sip:w@127.0.0.1:%d>\r\nEvent: %s\r\n"
                   "Accept: %s\r\n%s%sExpires: %d\r\nContent-Length: %d\r\n\r\n%s") % (
                uri, ua.port, token(), a.aor, ftag, to, cid, st["cseq"], ua.port, a.event,
                "application/dialog-info+xml" if a.event == "dialog" else
                "application/pidf+xml, application/rlmi+xml, multipart/related",
                auth, extra, expires, len(body.encode()), body)
            return msg, "SUBSCRIBE", uri
        data = ua.transact(build)
        if data is None:
            log.write("sub 0\n")
            return
        code = int(data.split()[1])
        line = "sub %d" % code
        for h in ("Expires", "Min-Expires"):
            if hdr(data, h) is not None:
                line += " %s=%s" % (h.lower(), hdr(data, h))
        log.write(line + "\n")
        if code < 300 and not refresh:
            m = re.search(r";tag=([^;>\s]+)", hdr(data, "To") or "")
            st["totag"] = m.group(1) if m else ""
            c = re.search(r"<([^>]+)>", hdr(data, "Contact") or "")
            st["target"] = c.group(1) if c else None
    subscribe(a.expires, False)
    start = time.time()
    todo = sorted([(t, e) for t, e in ((a.refresh_at, a.expires), (a.end_at, 0)) if t is not None])
    while time.time() - start < a.time:
        if todo and time.time() - start >= todo[0][0] and st["totag"] is not None:
            subscribe(todo.pop(0)[1], True)
        ua.recv(0.1)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("publish", "watch"))
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--aor", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    ap.add_argument("--event", default="presence")
    ap.add_argument("--expires", type=int, default=None)
    ap.add_argument("--etag", default="")
    ap.add_argument("--ctype", default="application/pidf+xml")
    ap.add_argument("--body-file", default="")
    ap.add_argument("--show", default="")
    ap.add_argument("--dir", default=".")
    ap.add_argument("--notify-code", type=int, default=200)
    ap.add_argument("--time", type=float, default=10.0)
    ap.add_argument("--refresh-at", type=float, default=None)
    ap.add_argument("--end-at", type=float, default=None)
    a = ap.parse_args()
    if a.mode == "watch" and a.expires is None:
        a.expires = 600
    return publish(a) if a.mode == "publish" else watch(a)


if __name__ == "__main__":
    sys.exit(main())
