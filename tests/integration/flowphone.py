#!/usr/bin/env python3
"""flowphone.py - a phone for sipd's transport tests (transport_lib.sh).

It registers over UDP, TCP or TLS, IPv4 or IPv6, from --bind, then serves on the same socket or
connection (a phone behind NAT cannot accept connections): INVITE gets 180 and 200 (with a
Contact), BYE, OPTIONS, MESSAGE and other requests get 200, ACK nothing.  Every message received
is kept as DIR/in.NNN and listed in DIR/log ("in NNN START-LINE"); the REGISTER's final answer is
DIR/reg.resp; DIR/ready appears once the registration is accepted.

  --contact URI        Contact to register (default sip:NAME@BIND:LPORT;transport=PROTO)
  --via HOST:PORT      the sent-by of the Via (default the real local address) - NAT simulation
  --instance / --reg-id / --outbound  RFC 5626 Contact params and Supported: outbound
  --gruu               Supported: gruu in the REGISTER (RFC 5627); the phone then takes the
                       pub-gruu of the 200 as its Contact (in answers and calls), as Linphone does
  --cparams STR        more Contact params, appended as given (";a=b;c")
  --listener           TCP/TLS: also listen on the local port while registering, then close the
                       listener (requests must come down the registered connection)
  --mute-after S       stop answering anything S seconds after registering (a dead phone)
  --die-on-invite      close the connection and exit when an INVITE arrives (unanswered)
  --ca FILE            TLS: verify the server's certificate against FILE (server name 127.0.0.1)
  --ping S             TCP/TLS: send a CRLFCRLF keep-alive every S seconds (RFC 5626 4.4.1)
  --call URI           after registering (--aor - : without), call URI: INVITE, ACK the final
                       response, BYE a 200 along its Record-Route; each final code is logged as
                       "final CODE METHOD" and the INVITE's in DIR/final; then exit
  --wait-bye S         with --call: after the ACK, wait up to S seconds for the callee's BYE
                       (answered 200) instead of sending one
"""
import argparse
import os
import re
import select
import socket
import ssl
import sys
import time


def header(msg, name):
    m = re.search(rb"(?im)^" + name.encode() + rb"[ \t]*:[ \t]*([^\r\n]*)", msg)
    return m.group(1).decode("latin-1") if m else ""


def headers(msg, name):
    return [v.decode("latin-1") for v in
            re.findall(rb"(?im)^" + name.encode() + rb"[ \t]*:[ \t]*([^\r\n]*)", msg)]


def status(msg):
    m = re.match(rb"SIP/2\.0 ([0-9]{3})", msg)
    return int(m.group(1)) if m else 0


def received_bye(d):
    with open(os.path.join(d, "log")) as fh:
        return sum(1 for ln in fh if ln.split(" ")[2:3] == ["BYE"] and ln.startswith("in "))


class Phone:
    def __init__(self, a):
        self.a = a
        self.n = 0
        self.buf = b""
        fam = socket.AF_INET6 if ":" in a.bind else socket.AF_INET
        self.fam = fam
        self.stream = a.proto in ("tcp", "tls")
        self.server = (a.server, a.port)
        self.lsock = None
        if self.stream:
            raw = socket.socket(fam, socket.SOCK_STREAM)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            raw.bind((a.bind, a.lport))
            self.lport = raw.getsockname()[1]
            if a.listener:
                self.lsock = socket.socket(fam, socket.SOCK_STREAM)
                self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.lsock.bind((a.bind, self.lport))
                self.lsock.listen(5)
            raw.connect(self.server)
            if a.proto == "tls":
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                if a.ca:
                    ctx.load_verify_locations(a.ca)
                else:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                raw = ctx.wrap_socket(raw, server_hostname=a.server)
            self.sock = raw
        else:
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            self.sock.bind((a.bind, a.lport))
            self.lport = self.sock.getsockname()[1]
        self.host = "[%s]" % a.bind if fam == socket.AF_INET6 else a.bind
        self.via = a.via or "%s:%d" % (self.host, self.lport)
        tp = "" if a.proto == "udp" else ";transport=%s" % a.proto
        self.contact = a.contact or "sip:%s@%s:%d%s" % (a.name, self.host, self.lport, tp)
        self.registered = False
        self.muted_at = None
        self.logf = open(os.path.join(a.dir, "log"), "a")

    def send(self, data):
        if self.stream:
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, self.src or self.server)

    def record(self, data):
        self.n += 1
        with open(os.path.join(self.a.dir, "in.%03d" % self.n), "wb") as fh:
            fh.write(data)
        self.logf.write("in %03d %s\n" % (self.n, data.split(b"\r\n", 1)[0].decode("latin-1")))
        self.logf.flush()

    def messages(self):
        """Read what is there; yield whole messages."""
        if self.stream:
            try:
                data = self.sock.recv(65535)
            except ssl.SSLWantReadError:
                return
            if not data:
                self.logf.write("closed\n")
                self.logf.flush()
                sys.exit(0)
            self.buf += data
            yield from self.buffered()
        else:
            data, self.src = self.sock.recvfrom(65535)
            if data.strip(b"\r\n"):
                yield data

    def buffered(self):
        """Whole messages already read (a stream: a request may come in the same read as the
        200 to the REGISTER)."""
        if self.stream:
            while True:
                self.buf = self.buf.lstrip(b"\r\n")
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                cl = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*([0-9]+)", self.buf[:end])
                total = end + 4 + (int(cl.group(1)) if cl else 0)
                if len(self.buf) < total:
                    return
                msg, self.buf = self.buf[:total], self.buf[total:]
                yield msg

    def register(self):
        a = self.a
        params = ""
        if a.instance:
            params += ';+sip.instance="<urn:uuid:%s>"' % a.instance
        if a.reg_id:
            params += ";reg-id=%d" % a.reg_id
        params += a.cparams or ""
        sup = [t for t, on in (("outbound", a.outbound), ("path", a.outbound),
                               ("gruu", a.gruu)) if on]
        req = ("REGISTER sip:%s SIP/2.0\r\n"
               "Via: SIP/2.0/%s %s;branch=z9hG4bK-fp%d;rport\r\n"
               "Max-Forwards: 70\r\nFrom: <%s>;tag=fp%d\r\nTo: <%s>\r\n"
               "Call-ID: fp-%s-%d\r\nCSeq: 1 REGISTER\r\nContact: <%s>%s\r\n%s"
               "Expires: %d\r\nContent-Length: 0\r\n\r\n") % (
            a.domain, a.proto.upper(), self.via, os.getpid(), a.aor, os.getpid(), a.aor, a.name,
            os.getpid(), self.contact, params,
            "Supported: %s\r\n" % ", ".join(sup) if sup else "", a.expires)
        self.src = None
        self.send(req.encode())
        end = time.monotonic() + 5
        while time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [], 0.5)
            if not r:
                if not self.stream:
                    self.send(req.encode())
                continue
            for msg in self.messages():
                st = status(msg)
                if st >= 200 and "REGISTER" in header(msg, "CSeq"):
                    with open(os.path.join(a.dir, "reg.resp"), "wb") as fh:
                        fh.write(msg)
                    if st != 200:
                        sys.stderr.write("flowphone %s: REGISTER got %d\n" % (a.name, st))
                        sys.exit(3)
                    self.registered = True
                    if a.gruu:
                        self.take_gruu(msg)
                    if self.lsock is not None:
                        self.lsock.close()   # from now on nobody can connect to the phone
                        self.lsock = None
                    open(os.path.join(a.dir, "ready"), "w").close()
                    return
        sys.stderr.write("flowphone %s: no answer to the REGISTER\n" % a.name)
        sys.exit(3)

    def take_gruu(self, resp):
        """RFC 5627 4.2: the pub-gruu of our own Contact in the 200 becomes our Contact."""
        for v in headers(resp, "Contact"):
            m = re.search(r'pub-gruu="([^"]*)"', v)
            if m and v.startswith("<%s>" % self.contact):
                self.contact = m.group(1)

    def answer(self, req, code, reason, extra=""):
        out = [("SIP/2.0 %d %s" % (code, reason)).encode()]
        for line in req.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
            name = line.split(b":", 1)[0].strip().lower()
            if name in (b"via", b"v", b"from", b"f", b"call-id", b"i", b"cseq", b"record-route"):
                out.append(line)
            elif name in (b"to", b"t"):
                out.append(line if b"tag=" in line else line + b";tag=fp-" + self.a.name.encode())
        out.append(("Contact: <%s>" % self.contact).encode())
        out.append(("X-Phone: %s" % self.a.name).encode())
        msg = b"\r\n".join(out) + b"\r\n" + extra.encode() + b"Content-Length: 0\r\n\r\n"
        self.send(msg)

    def on_request(self, req):
        meth = req.split(b" ", 1)[0]
        if meth == b"ACK":
            return
        if meth == b"INVITE" and self.a.die_on_invite:
            self.logf.write("dying\n")
            self.logf.flush()
            self.sock.close()
            sys.exit(0)
        if meth == b"INVITE":
            self.answer(req, 180, "Ringing")
            self.answer(req, 200, "OK")
            return
        self.answer(req, 200, "OK")

    def request(self, meth, ruri, cseq, routes=(), to=None, body=b""):
        tp = self.a.proto.upper()
        lines = ["%s %s SIP/2.0" % (meth, ruri),
                 "Via: SIP/2.0/%s %s;branch=z9hG4bK-fc%s;rport" % (tp, self.via, os.urandom(4).hex()),
                 "Max-Forwards: 70", "From: <sip:%s@%s>;tag=fc-%s" % (self.a.name, self.host, self.a.name),
                 "To: %s" % (to or "<%s>" % self.a.call), "Call-ID: %s" % self.callid,
                 "CSeq: %d %s" % (cseq, meth), "Contact: <%s>" % self.contact]
        lines += ["Route: %s" % r for r in routes]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def wait_final(self, meth, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [], 0.2)
            if not r:
                continue
            for msg in self.messages():
                self.record(msg)
                st = status(msg)
                if not st:
                    self.on_request(msg)
                elif st >= 200 and meth in header(msg, "CSeq"):
                    self.logf.write("final %d %s\n" % (st, meth))
                    self.logf.flush()
                    return msg
        return None

    def call(self):
        self.callid = "fc-%d-%s" % (os.getpid(), os.urandom(3).hex())
        self.src = None
        body = b"v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"
        self.send(self.request("INVITE", self.a.call, 1, body=body))
        resp = self.wait_final("INVITE")
        code = status(resp) if resp else 0
        with open(os.path.join(self.a.dir, "final"), "w") as fh:
            fh.write("%d\n" % code)
        if not resp:
            return
        to = header(resp, "To")
        routes = []
        for v in headers(resp, "Record-Route"):
            routes += [x.strip() for x in v.split(",")]
        routes.reverse()
        m = re.search(r"<([^>]*)>", header(resp, "Contact"))
        target = m.group(1) if (m and code < 300) else self.a.call
        self.send(self.request("ACK", target, 1, routes if code < 300 else (), to))
        if code < 300 and self.a.wait_bye:
            end = time.monotonic() + self.a.wait_bye
            while time.monotonic() < end and received_bye(self.a.dir) == 0:
                r, _, _ = select.select([self.sock], [], [], 0.2)
                if r:
                    for msg in self.messages():
                        self.record(msg)
                        if not status(msg):
                            self.on_request(msg)
        elif code < 300:
            self.send(self.request("BYE", target, 2, routes, to))
            self.wait_final("BYE")

    def run(self):
        end = time.monotonic() + self.a.time
        mute_at = time.monotonic() + self.a.mute_after if self.a.mute_after is not None else None
        next_ping = time.monotonic() + (self.a.ping or 1e9)
        while time.monotonic() < end:
            pending = list(self.buffered())
            r, _, _ = select.select([self.sock], [], [], 0 if pending else 0.2)
            if self.stream and self.a.ping and time.monotonic() >= next_ping:
                self.send(b"\r\n\r\n")
                next_ping = time.monotonic() + self.a.ping
            if not r and not pending:
                continue
            for msg in pending + (list(self.messages()) if r else []):
                self.record(msg)
                if mute_at is not None and time.monotonic() >= mute_at:
                    continue
                if not status(msg):
                    self.on_request(msg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", choices=("udp", "tcp", "tls"), default="udp")
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--lport", type=int, default=0)
    ap.add_argument("--name", required=True)
    ap.add_argument("--aor", required=True)
    ap.add_argument("--domain", help="REGISTER Request-URI host (default the server:port)")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--contact")
    ap.add_argument("--via")
    ap.add_argument("--instance")
    ap.add_argument("--reg-id", type=int, default=0)
    ap.add_argument("--outbound", action="store_true")
    ap.add_argument("--gruu", action="store_true")
    ap.add_argument("--cparams")
    ap.add_argument("--expires", type=int, default=300)
    ap.add_argument("--listener", action="store_true")
    ap.add_argument("--mute-after", type=float)
    ap.add_argument("--die-on-invite", action="store_true")
    ap.add_argument("--ca")
    ap.add_argument("--ping", type=float)
    ap.add_argument("--time", type=float, default=60.0)
    ap.add_argument("--call")
    ap.add_argument("--wait-bye", type=float)
    a = ap.parse_args()
    if not a.domain:
        a.domain = ("[%s]" % a.server if ":" in a.server else a.server) + ":%d" % a.port
    os.makedirs(a.dir, exist_ok=True)
    p = Phone(a)
    if a.aor != "-":
        p.register()
    if a.call:
        p.call()
        return 0
    p.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
