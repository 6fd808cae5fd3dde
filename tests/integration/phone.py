#!/usr/bin/env python3
"""phone.py - a small digest-authenticating SIP phone over UDP for the hardening tests.

  phone.py uas --server-port P --bind 127.0.0.4 --user bob --password pw --domain D --time S
      registers (401 -> credentials -> 200), then answers INVITE with 180 + 200 (retransmitting
      the 200 until the ACK), BYE and anything else with 200, for S seconds; touches DIR/ready
      (--ready FILE) once registered.
  phone.py reg --server-port P --bind ADDR --user U --password PW --domain D
      one REGISTER with credentials (after the 401); prints "final CODE" (or "final none").
  phone.py uac --server-port P --bind 127.0.0.3 --user alice --password pw --domain D
              --to bob --rounds N [--gap S]
      N rounds of: REGISTER (401, then with credentials -> 200), INVITE bob (407, ACK, INVITE
      with credentials -> 180/200), ACK, BYE (-> 200).  Every request is retransmitted as RFC
      3261 17.1 says (T1 = 0.5 s doubling, to T2 for non-INVITE) until its final answer or
      Timer B/F (32 s).  Prints one line per transaction and, last,
      "transactions T answered A failed F"; exit 0 when F is 0.
"""

import argparse
import os
import re
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from digest import authorization, parse_challenge  # noqa: E402
from sipsend import header_values, status_of  # noqa: E402


def rand():
    return os.urandom(6).hex()


class Phone:
    def __init__(self, a):
        self.a = a
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((a.bind, 0))
        self.lhost, self.lport = self.s.getsockname()
        self.server = ("127.0.0.1", a.server_port)
        self.aor = "sip:%s@%s" % (a.user, a.domain)
        self.contact = "<sip:%s@%s:%d>" % (a.user, self.lhost, self.lport)
        self.cseq = 0
        self.reg_callid = rand() + "@reg"
        self.backlog = []

    def via(self, branch=None):
        return "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" % (self.lhost, self.lport,
                                                          branch or rand())

    def build(self, method, ruri, hdrs, body=b""):
        lines = ["%s %s SIP/2.0" % (method, ruri)] + hdrs
        return ("\r\n".join(lines) + "\r\nContent-Length: %d\r\n\r\n" % len(body)).encode() + body

    def recv(self, timeout):
        if self.backlog:
            return self.backlog.pop(0)
        r, _, _ = select.select([self.s], [], [], max(0.0, timeout))
        if not r:
            return None
        return self.s.recv(65535)

    def transact(self, msg, invite=False, on_other=None):
        """Send msg until a final answer to it arrives; returns (final, provisionals)."""
        branch = re.search(rb";branch=([^\s;]+)", msg).group(1)
        start = time.monotonic()
        t_next, interval, prov = start, 0.5, []
        while time.monotonic() - start < self.a.timeout:
            now = time.monotonic()
            if now >= t_next and not (invite and prov):
                self.s.sendto(msg, self.server)
                t_next = now + interval
                interval = interval * 2 if invite else min(interval * 2, 4.0)
            data = self.recv(min(t_next, start + self.a.timeout) - now if not (invite and prov) else 0.5)
            if data is None:
                continue
            code = status_of(data)
            if code is None:
                if on_other:
                    on_other(data)
                continue
            if branch not in data.split(b"\r\n\r\n", 1)[0]:
                continue
            if code < 200:
                prov.append(code)
                continue
            return data, prov
        return None, prov


def hdr(msg, name):
    v = header_values(msg, name)
    return v[0] if v else ""


def digest_for(resp, which, user, pw, method, uri):
    for v in header_values(resp, which):
        ch = parse_challenge(v)
        if ch and ch.get("algorithm", "MD5").upper() == "MD5":
            return authorization(ch, "MD5", user, pw, method, uri)
    return None


def register(p, log):
    """REGISTER, answering the challenge; True when it ended in 200."""
    ruri = "sip:%s" % p.a.domain
    tag = rand()

    def req(auth):
        p.cseq += 1
        h = [p.via(), "Max-Forwards: 70", "From: <%s>;tag=%s" % (p.aor, tag),
             "To: <%s>" % p.aor, "Call-ID: %s" % p.reg_callid, "CSeq: %d REGISTER" % p.cseq,
             "Contact: %s" % p.contact, "Expires: 300", "User-Agent: phone.py"]
        if auth:
            h.append("Authorization: " + auth)
        return p.build("REGISTER", ruri, h)

    r, _ = p.transact(req(None))
    log("REGISTER", r)
    if r is None:
        return False
    if status_of(r) == 401:
        auth = digest_for(r, "WWW-Authenticate", p.a.user, p.a.password, "REGISTER", ruri)
        r, _ = p.transact(req(auth))
        log("REGISTER+auth", r)
    return r is not None and status_of(r) == 200


def call(p, log):
    """INVITE --to (407 answered), ACK, BYE; True when every step got its answer."""
    ruri = "sip:%s@%s" % (p.a.to, p.a.domain)
    callid, tag = rand() + "@call", rand()
    sdp = b"v=0\r\no=- 1 1 IN IP4 127.0.0.3\r\ns=-\r\nc=IN IP4 127.0.0.3\r\nt=0 0\r\n" \
          b"m=audio 40000 RTP/AVP 0\r\n"

    def invite(cseq, auth, branch):
        h = [p.via(branch), "Max-Forwards: 70", "From: <%s>;tag=%s" % (p.aor, tag),
             "To: <%s>" % ruri, "Call-ID: %s" % callid, "CSeq: %d INVITE" % cseq,
             "Contact: %s" % p.contact, "Content-Type: application/sdp"]
        if auth:
            h.append("Proxy-Authorization: " + auth)
        return p.build("INVITE", ruri, h, sdp)

    b1 = rand()
    r, _ = p.transact(invite(1, None, b1), invite=True)
    log("INVITE", r)
    if r is None:
        return False
    if status_of(r) == 407:
        # ACK of the non-2xx: same branch, hop by hop (17.1.1.3)
        p.s.sendto(p.build("ACK", ruri, [p.via(b1), "Max-Forwards: 70",
                                        "From: <%s>;tag=%s" % (p.aor, tag), "To: " + hdr(r, "To"),
                                        "Call-ID: %s" % callid, "CSeq: 1 ACK"]), p.server)
        auth = digest_for(r, "Proxy-Authenticate", p.a.user, p.a.password, "INVITE", ruri)
        r, _ = p.transact(invite(2, auth, rand()), invite=True)
        log("INVITE+auth", r)
        if r is None:
            return False
    if status_of(r) != 200:
        return False
    if p.a.no_bye:
        return True
    target = re.sub(r"^.*<([^>]*)>.*$", r"\1", hdr(r, "Contact"))
    routes = [v.strip() for x in reversed(header_values(r, "Record-Route"))
              for v in x.split(",")]
    to = hdr(r, "To")
    base = ["Max-Forwards: 70", "From: <%s>;tag=%s" % (p.aor, tag), "To: " + to,
            "Call-ID: %s" % callid] + ["Route: " + x for x in routes]
    cs = int(hdr(r, "CSeq").split()[0])
    p.s.sendto(p.build("ACK", target, [p.via()] + base + ["CSeq: %d ACK" % cs]), p.server)
    r, _ = p.transact(p.build("BYE", target, [p.via()] + base + ["CSeq: %d BYE" % (cs + 1)]))
    log("BYE", r)
    return r is not None and status_of(r) == 200


def reg(a):
    p = Phone(a)
    last = []
    register(p, lambda w, r: last.append(r))
    r = last[-1] if last else None
    print("final %s" % (status_of(r) if r is not None else "none"))
    return 0


def uac(a):
    p = Phone(a)
    stats = {"n": 0, "ok": 0}

    def log(what, r):
        stats["n"] += 1
        got = r.split(b"\r\n", 1)[0].decode("latin-1") if r is not None else "no answer"
        if r is not None:
            stats["ok"] += 1
        print("%.3f %s: %s" % (time.time(), what, got))
        sys.stdout.flush()

    rounds_ok = 0
    for i in range(a.rounds):
        ok = register(p, log) and call(p, log)
        rounds_ok += ok
        if not ok:
            print("round %d failed" % (i + 1))
        time.sleep(a.gap)
    print("rounds %d ok %d" % (a.rounds, rounds_ok))
    print("transactions %d answered %d failed %d" % (stats["n"], stats["ok"],
                                                    stats["n"] - stats["ok"] +
                                                    (a.rounds - rounds_ok)))
    return 0 if rounds_ok == a.rounds and stats["ok"] == stats["n"] else 1


def answer(p, req, code, extra=(), body=b""):
    reason = {100: "Trying", 180: "Ringing", 200: "OK"}[code]
    head = req.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    keep = [l for l in head[1:] if re.match(r"(?i)(via|v|from|f|to|t|call-id|i|cseq|"
                                            r"record-route)\s*:", l)]
    out = []
    for l in keep:
        if re.match(r"(?i)(to|t)\s*:", l) and ";tag=" not in l:
            l += ";tag=uas" + re.sub(r"\W", "", hdr(req, "Call-ID"))[:10]
        out.append(l)
    msg = ("SIP/2.0 %d %s\r\n" % (code, reason) + "\r\n".join(out + list(extra)) +
           "\r\nContent-Length: %d\r\n\r\n" % len(body)).encode() + body
    p.s.sendto(msg, p.server)
    return msg


def uas(a):
    p = Phone(a)
    if not register(p, lambda w, r: print("%s: %s" % (w, r.split(b"\r\n", 1)[0].decode()
                                                        if r else "no answer"))):
        print("could not register")
        return 1
    if a.ready:
        open(a.ready, "w").close()
    sdp = b"v=0\r\no=- 2 2 IN IP4 127.0.0.4\r\ns=-\r\nc=IN IP4 127.0.0.4\r\nt=0 0\r\n" \
          b"m=audio 40002 RTP/AVP 0\r\n"
    oks = {}	# Call-ID -> 200 sent, until the ACK
    end = time.monotonic() + a.time
    while time.monotonic() < end:
        data = p.recv(0.5)
        if data is None or status_of(data) is not None:
            continue
        method = data.split(b" ", 1)[0].decode("latin-1")
        cid = hdr(data, "Call-ID")
        if method == "INVITE":
            if cid in oks:
                p.s.sendto(oks[cid], p.server)
                continue
            answer(p, data, 180)
            oks[cid] = answer(p, data, 200, ["Contact: %s" % p.contact,
                                             "Content-Type: application/sdp"], sdp)
        elif method == "ACK":
            oks.pop(cid, None)
        else:
            answer(p, data, 200)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("uac", "uas", "reg"))
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--to", default="bob")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--gap", type=float, default=0.2)
    ap.add_argument("--time", type=float, default=30)
    ap.add_argument("--ready")
    ap.add_argument("--no-bye", action="store_true", help="leave the call up (no ACK, no BYE)")
    ap.add_argument("--timeout", type=float, default=32.0, help="give up a transaction (Timer B/F)")
    a = ap.parse_args()
    return {"uac": uac, "uas": uas, "reg": reg}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
