#!/usr/bin/env python3
"""digest.py - one REGISTER with digest authentication, step by step, for sipd's tests.

Sends a REGISTER without credentials ("challenge" step), then - unless --challenge-only - answers
the challenge of the chosen algorithm with credentials computed here (RFC 2617 / RFC 7616 with
qop=auth; hashlib MD5 or SHA-256), optionally after --sleep seconds ("answer" step).  --replay
then sends the very same authorized request again with only a new Via branch ("replay" step:
same nonce, same nc); --replay-cseq sends it once more with a higher CSeq as well
("replay-cseq" step; the digest does not cover CSeq, so only the nonce count stops it).

For each step it prints the status line as "STEP CODE REASON", then every WWW-Authenticate
value as "STEP www-authenticate VALUE"; with -o PREFIX each final answer is saved to
PREFIX.STEP.  UDP, retransmitted per RFC 3261 17.1.2.1 until a final answer or ~8 s.
Exit status 0; 2 on a local error or when a step got no final answer.
"""

import argparse
import hashlib
import os
import re
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipsend import header_values, status_of  # noqa: E402

HASH = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def h(algo, *parts):
    """H(parts joined by ':') as lowercase hex."""
    return HASH[algo](":".join(parts).encode()).hexdigest()


def parse_challenge(value):
    """The params of a Digest challenge as a dict (names lowercased, quotes removed)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params = {}
    for m in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)', rest):
        v = m.group(3) if m.group(3) is not None else m.group(2)
        params[m.group(1).lower()] = re.sub(r"\\(.)", r"\1", v)
    return params


def authorization(ch, algo, user, password, method, uri, nc=1, cnonce=None):
    """An Authorization value answering challenge ch (qop=auth)."""
    realm, nonce = ch["realm"], ch["nonce"]
    cnonce = cnonce or os.urandom(8).hex()
    ncs = "%08x" % nc
    ha1 = h(algo, user, realm, password)
    ha2 = h(algo, method, uri)
    resp = h(algo, ha1, nonce, ncs, cnonce, "auth", ha2)
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, cnonce="%s", qop=auth, nc=%s' % (user, realm, nonce, uri, resp,
                                                            algo, cnonce, ncs))


class Client:
    def __init__(self, host, port):
        self.dst = (host, port)
        self.s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                               socket.SOCK_DGRAM)
        self.s.bind(("::1" if ":" in host else "127.0.0.1", 0))
        self.lhost, self.lport = self.s.getsockname()[:2]
        self.nbranch = 0

    def request(self, a, cseq, auth=None):
        self.nbranch += 1
        branch = "z9hG4bK-digest-%d-%s" % (self.nbranch, os.urandom(4).hex())
        lines = [
            "REGISTER %s SIP/2.0" % a.ruri,
            "Via: SIP/2.0/UDP %s:%d;branch=%s" % (self.lhost, self.lport, branch),
            "Max-Forwards: 70",
            "From: <%s>;tag=%s" % (a.aor, a.tag),
            "To: <%s>" % a.aor,
            "Call-ID: %s" % a.call_id,
            "CSeq: %d REGISTER" % cseq,
            "Contact: <%s>" % (a.contact or "sip:%s@%s:%d" % (a.user, self.lhost, self.lport)),
            "Expires: %d" % a.expires,
            "User-Agent: digest.py",
        ]
        if auth:
            lines.append("Authorization: " + auth)
        return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()

    def transact(self, msg):
        """Send msg until a final answer arrives (Timer E doubling to T2); returns it or None."""
        branch = re.search(rb";branch=([^\s;]+)", msg).group(1)
        t_next, interval, end = 0.0, 0.5, time.monotonic() + 8
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= t_next:
                self.s.sendto(msg, self.dst)
                t_next, interval = now + interval, min(interval * 2, 4.0)
            r, _, _ = select.select([self.s], [], [], max(0.0, min(t_next, end) - now))
            if not r:
                continue
            data = self.s.recv(65535)
            code = status_of(data)
            if code is None or code < 200 or branch not in data:
                continue
            return data
        return None


def report(step, resp, prefix):
    if resp is None:
        print("%s none" % step)
        return
    status = resp.split(b"\r\n", 1)[0].decode("latin-1")
    print("%s %s" % (step, status[len("SIP/2.0 "):]))
    for v in header_values(resp, "WWW-Authenticate"):
        print("%s www-authenticate %s" % (step, v))
    if prefix:
        with open("%s.%s" % (prefix, step), "wb") as fh:
            fh.write(resp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--aor", required=True, help="To/From URI, e.g. sip:alice@example.test")
    ap.add_argument("--ruri", help="Request-URI (default: the AOR's domain)")
    ap.add_argument("--user", required=True, help="digest username")
    ap.add_argument("--password", default="")
    ap.add_argument("--algo", choices=sorted(HASH), default="MD5",
                    help="answer the challenge of this algorithm")
    ap.add_argument("--contact", help="Contact URI (default sip:USER@local address)")
    ap.add_argument("--expires", type=int, default=300)
    ap.add_argument("--sleep", type=float, default=0.0, help="seconds between challenge and answer")
    ap.add_argument("--challenge-only", action="store_true")
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--replay-cseq", action="store_true")
    ap.add_argument("--answer-to", help="HOST:PORT the answer goes to (another node; default"
                    " where the challenge came from)")
    ap.add_argument("-o", "--output", help="save each final answer as OUTPUT.STEP")
    a = ap.parse_args()
    a.ruri = a.ruri or "sip:" + a.aor.split("@", 1)[-1]
    a.call_id = "%s@digest.py" % os.urandom(6).hex()
    a.tag = os.urandom(4).hex()

    try:
        c = Client(a.host, a.port)
        first = c.transact(c.request(a, 1))
        report("challenge", first, a.output)
        if first is None:
            return 2
        if a.challenge_only:
            return 0
        chals = [parse_challenge(v) for v in header_values(first, "WWW-Authenticate")]
        chals = [x for x in chals if x and x.get("algorithm", "MD5").upper() == a.algo.upper()]
        if not chals:
            print("answer none: no %s challenge" % a.algo)
            return 2
        if a.sleep:
            time.sleep(a.sleep)
        auth = authorization(chals[0], a.algo, a.user, a.password, "REGISTER", a.ruri)
        if a.answer_to:
            h, _, p = a.answer_to.rpartition(":")
            c.dst = (h, int(p))
        msg = c.request(a, 2, auth)
        resp = c.transact(msg)
        report("answer", resp, a.output)
        if a.replay:
            report("replay", c.transact(c.request(a, 2, auth)), a.output)
        if a.replay_cseq:
            report("replay-cseq", c.transact(c.request(a, 3, auth)), a.output)
        return 0 if resp is not None else 2
    except OSError as e:
        sys.stderr.write("digest.py: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
