#!/usr/bin/env python3
"""msgphone.py - a phone for the offline-message tests: registers over UDP (no credentials),
then answers every MESSAGE with --code (200) and any other request with 200, keeping each
MESSAGE it received byte for byte as DIR/msg.N (N from 1) and one line per message in DIR/log:
"in METHOD CSeq" / "out CODE".  DIR/registered appears once the 200 to its REGISTER came.
Runs --time seconds (or until --count MESSAGEs arrived, then --linger more).

--send URI: instead, send one MESSAGE (body --body) from --aor to URI, answering a 407 with
digest credentials (--user, --password; MD5, qop=auth), and print the final status."""
import hashlib
import re
import argparse
import os
import random
import socket
import string
import sys
import time


def token(n=10):
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(n))


def header_lines(msg):
    head = msg.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    return head.split("\r\n")[1:]


def copy_headers(msg):
    """Via, From, To, Call-ID, CSeq of a request, for its response (RFC 3261 8.2.6.2)."""
    out = []
    for line in header_lines(msg):
        name = line.split(":", 1)[0].strip().lower()
        if name in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"):
            out.append(line)
    return out


def respond(sock, req, code, addr):
    reason = {200: "OK", 500: "Server Internal Error", 486: "Busy Here"}.get(code, "Whatever")
    lines = ["SIP/2.0 %d %s" % (code, reason)]
    for line in copy_headers(req):
        if line.lower().startswith(("to:", "t:")) and ";tag=" not in line:
            line += ";tag=" + token(6)
        lines.append(line)
    lines.append("Content-Length: 0")
    sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), addr)
    return code


def register(sock, a, server, port):
    cid = token(16) + "@msgphone"
    msg = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
           "CSeq: 1 REGISTER\r\nContact: <sip:%s@127.0.0.1:%d>%s\r\nExpires: %d\r\n"
           "Content-Length: 0\r\n\r\n") % (a.server_port, port, token(), a.aor, token(6),
                                           a.aor, cid, a.name, port, a.contact_params,
                                           a.expires)
    sock.sendto(msg.encode(), server)


def send_message(a, sock, server, port):
    """One MESSAGE to a.send, authenticated when challenged; returns the final status."""
    cid = token(16) + "@msgphone"
    auth = ""
    for cseq in (1, 2):
        msg = ("MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
               "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
               "CSeq: %d MESSAGE\r\n%sContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s") % (
            a.send, port, token(), a.aor, "t" + cid[:6], a.send, cid, cseq, auth,
            len(a.body.encode()), a.body)
        sock.sendto(msg.encode(), server)
        end = time.time() + 5
        code = 0
        while time.time() < end and code < 200:
            sock.settimeout(0.5)
            try:
                data = sock.recv(65535).decode("utf-8", "replace")
            except socket.timeout:
                continue
            if data.startswith("SIP/2.0 "):
                code = int(data.split()[1])
        if code != 407 or cseq == 2:
            return code
        ch = re.search(r"(?im)^Proxy-Authenticate:\s*Digest\s+(.*)$", data)
        kv = dict(re.findall(r'(\w+)="?([^",]*)"?', ch.group(1))) if ch else {}
        if kv.get("algorithm", "MD5").upper() != "MD5":
            for m in re.finditer(r"(?im)^Proxy-Authenticate:\s*Digest\s+(.*)$", data):
                k2 = dict(re.findall(r'(\w+)="?([^",]*)"?', m.group(1)))
                if k2.get("algorithm", "MD5").upper() == "MD5":
                    kv = k2
        h = lambda s: hashlib.md5(s.encode()).hexdigest()
        ha1 = h("%s:%s:%s" % (a.user, kv.get("realm", ""), a.password))
        ha2 = h("MESSAGE:%s" % a.send)
        cn = token(8)
        resp = h("%s:%s:00000001:%s:auth:%s" % (ha1, kv.get("nonce", ""), cn, ha2))
        auth = ('Proxy-Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                'response="%s", algorithm=MD5, qop=auth, nc=00000001, cnonce="%s"%s\r\n') % (
            a.user, kv.get("realm", ""), kv.get("nonce", ""), a.send, resp, cn,
            ', opaque="%s"' % kv["opaque"] if "opaque" in kv else "")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--aor", required=True)
    ap.add_argument("--name", default="phone")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--code", type=int, default=200, help="answer to MESSAGE")
    ap.add_argument("--expires", type=int, default=300)
    ap.add_argument("--contact-params", default="", help="after the Contact's >")
    ap.add_argument("--time", type=float, default=20.0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--linger", type=float, default=1.0)
    ap.add_argument("--send", help="send one MESSAGE to this URI instead")
    ap.add_argument("--body", default="hello")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", a.port))
    port = sock.getsockname()[1]
    server = ("127.0.0.1", a.server_port)
    if a.send:
        print(send_message(a, sock, server, port))
        return 0
    log = open(os.path.join(a.dir, "log"), "a", buffering=1)
    register(sock, a, server, port)
    end = time.time() + a.time
    n = 0
    last_reg = time.time()
    registered = False
    while time.time() < end:
        if not registered and time.time() - last_reg > 1.0:
            register(sock, a, server, port)   # the REGISTER or its 200 was lost
            last_reg = time.time()
        sock.settimeout(max(0.05, min(0.5, end - time.time())))
        try:
            data, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        first = data.split(b"\r\n", 1)[0].decode("utf-8", "replace")
        if first.startswith("SIP/2.0 "):
            if " REGISTER" in data.decode("utf-8", "replace") and first.split()[1] == "200":
                registered = True
                open(os.path.join(a.dir, "registered"), "w").close()
            continue
        method = first.split(" ", 1)[0]
        cseq = next((l.split(":", 1)[1].strip() for l in header_lines(data)
                     if l.lower().startswith("cseq:")), "")
        log.write("in %s %s\n" % (method, cseq))
        if method == "MESSAGE":
            n += 1
            with open(os.path.join(a.dir, "msg.%d" % n), "wb") as f:
                f.write(data)
            log.write("out %d\n" % respond(sock, data, a.code, addr))
            if a.count and n >= a.count:
                end = min(end, time.time() + a.linger)
        elif method != "ACK":
            log.write("out %d\n" % respond(sock, data, 200, addr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
