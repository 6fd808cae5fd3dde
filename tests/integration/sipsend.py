#!/usr/bin/env python3
"""sipsend.py - send raw SIP messages to a SIP server and print what comes back.

Used by sipd's integration tests where SIPp is awkward: byte-exact messages (RFC 4475 torture
tests), several messages coalesced in one TCP write, one message split over several writes,
keepalives, deliberately broken framing.

Each MESSAGE argument is a file holding one message ("-" = stdin); with -m METHOD a request is
generated instead.  Unless --coalesce is given, each message goes out as its own datagram / write.
Responses are printed one per line (the status line; the whole message with -v), plus:
  CRLF      a CRLF keepalive answer on a TCP connection (RFC 5626 3.5.1)
  CLOSED    the server closed the TCP connection (RESET if it reset it)
  PARTIAL n n bytes of an incomplete message were left when the wait ended
  ACK       (--ack) an ACK was sent for a non-2xx final response to the INVITE
-T prefixes each line with the seconds elapsed since the first write.  -v prints LF line ends.
The program waits -w seconds after the last write, or stops earlier once -n final responses have
arrived (then lingers --linger seconds for strays).  Exit status: 0, or 2 on a local error.

With --subst, these words are replaced in the messages (SIPp style): [local_ip] [local_port]
[remote_ip] [remote_port] [transport] [call_id] (one per run) [branch] (one per message)
[len] (the body's length, computed after every other substitution).
"""

import argparse
import os
import re
import select
import socket
import sys
import time

LWS = rb"(?:[ \t]|\r?\n[ \t])*"
LWS1 = rb"(?:[ \t]|\r?\n[ \t])+"
# The first Via header field: "Via"/"v", then sent-protocol, then the sent-by we rewrite.
VIA_RE = re.compile(
    rb"(?im)^(?:via|v)[ \t]*:" + LWS + rb"SIP" + LWS + rb"/" + LWS + rb"[^/\s]+" + LWS + rb"/"
    + LWS + rb"[^\s;,/]+" + LWS1 + rb"(\[[^\]\r\n]*\]|[^\s;,:]+)(?:[ \t]*:[ \t]*([0-9]+))?")
CL_RE = re.compile(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*([0-9]+)[ \t]*\r?$")
STATUS_RE = re.compile(rb"^SIP/2\.0 ([0-9]{3})")


def header_end(msg):
    """Offset just past the blank line ending the header section, or -1."""
    i = msg.find(b"\r\n\r\n")
    return -1 if i < 0 else i + 4


def fix_via(msg, sent_by):
    """Rewrite the sent-by (host[:port]) of the top Via to sent_by; returns the new message."""
    end = header_end(msg)
    m = VIA_RE.search(msg, 0, end if end > 0 else len(msg))
    if m is None:
        return msg
    stop = m.end(2) if m.group(2) is not None else m.end(1)
    return msg[:m.start(1)] + sent_by.encode() + msg[stop:]


def status_of(resp):
    """The status code of a response, or None for anything else."""
    m = STATUS_RE.match(resp)
    return int(m.group(1)) if m else None


def header_values(msg, name, compact=None):
    """Every value of header `name` (or its compact form) in msg, unfolded, as str."""
    end = header_end(msg)
    head = msg[:end if end > 0 else len(msg)].decode("latin-1")
    head = re.sub(r"\r?\n[ \t]+", " ", head)
    names = {name.lower()} | ({compact.lower()} if compact else set())
    out = []
    for line in head.split("\r\n")[1:]:
        k, sep, v = line.partition(":")
        if sep and k.strip().lower() in names:
            out.append(v.strip())
    return out


def make_request(method, uri, extra, body=b"", ctype=None):
    """A request in --subst form, sent to uri with the given extra header lines."""
    given = {h.split(":", 1)[0].strip().lower() for h in extra}
    lines = [
        "%s %s SIP/2.0" % (method, uri),
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
    ] + ([] if "max-forwards" in given else ["Max-Forwards: 70"]) + [
        "From: <sip:sipsend@[local_ip]:[local_port]>;tag=[call_id]",
        "To: <%s>" % uri,
        "Call-ID: [call_id]@sipsend",
        "CSeq: 1 %s" % method,
        "Contact: <sip:sipsend@[local_ip]:[local_port]>",
        "User-Agent: sipsend",
    ]
    lines += list(extra)
    if body and ctype:
        lines.append("Content-Type: " + ctype)
    lines.append("Content-Length: [len]")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def make_ack(invite, resp):
    """The ACK for a non-2xx final response to invite (RFC 3261 17.1.1.3)."""
    ruri = invite.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
    def one(m, name, compact):
        v = header_values(m, name, compact)
        return v[0] if v else ""
    vias = header_values(invite, "Via", "v")
    top_via = vias[0].split(",")[0].strip() if vias else ""
    cseq = one(invite, "CSeq", None).split()
    lines = ["ACK %s SIP/2.0" % ruri, "Via: " + top_via, "Max-Forwards: 70",
             "From: " + one(invite, "From", "f"), "To: " + one(resp, "To", "t"),
             "Call-ID: " + one(invite, "Call-ID", "i"),
             "CSeq: %s ACK" % (cseq[0] if cseq else "1")]
    lines += ["Route: " + r for r in header_values(invite, "Route")]
    return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode("latin-1")


def to_crlf(msg):
    """Turn bare LF line ends into CRLF (for messages written as text)."""
    return msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def substitute(msg, values, index):
    """Apply the [word] substitutions to one message."""
    for k, v in values.items():
        msg = msg.replace(("[%s]" % k).encode(), str(v).encode())
    msg = msg.replace(b"[branch]", ("z9hG4bK-%s-%d" % (values["call_id"], index)).encode())
    end = header_end(msg)
    blen = len(msg) - end if end > 0 else 0
    return msg.replace(b"[len]", str(blen).encode())


class StreamParser:
    """Splits a TCP byte stream into SIP messages (by Content-Length) and CRLF keepalives."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        out = []
        while self.buf:
            if self.buf.startswith(b"\r\n"):
                out.append(("crlf", b"\r\n"))
                self.buf = self.buf[2:]
                continue
            end = header_end(self.buf)
            if end < 0:
                break
            m = CL_RE.search(self.buf, 0, end)
            n = int(m.group(1)) if m else 0
            if len(self.buf) < end + n:
                break
            out.append(("msg", self.buf[:end + n]))
            self.buf = self.buf[end + n:]
        return out


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def hostport(host, port):
    return ("[%s]:%d" % (host, port)) if ":" in host else ("%s:%d" % (host, port))


def exchange(host, port, transport, messages, bind="127.0.0.1", lport=0, via=False,
             subst=False, coalesce=False, splits=None, chunks=0, delay=0.0, gap=0.0,
             wait=1.0, final_count=0, linger=0.0, extra_listen=(), crlf=False, ack=False):
    """Send messages, collect answers; returns a list of (kind, bytes, seconds) events.

    kind is "msg" (a response or request from the server), "crlf", "closed", "reset",
    "partial", "senderr" or "ack"; seconds count from the first write.  Everything is bounded
    by `wait` seconds after the last write.  With ack, every non-2xx final response to an INVITE
    that arrives once all messages are out is acknowledged.
    """
    fam = family_of(host)
    events = []
    socks = []
    if transport == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((bind, lport))
        socks.append(s)
        for a in extra_listen:
            x = socket.socket(family_of(a), socket.SOCK_DGRAM)
            try:
                x.bind((a, s.getsockname()[1]))
                socks.append(x)
            except OSError as e:
                sys.stderr.write("sipsend: cannot listen on %s: %s\n" % (a, e))
                x.close()
    else:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((bind, lport))
        s.settimeout(3.0)
        s.connect((host, port))
        s.settimeout(None)
        socks.append(s)
    laddr, lp = s.getsockname()[:2]
    values = {"local_ip": laddr, "local_port": lp, "remote_ip": host, "remote_port": port,
              "transport": transport.upper(), "call_id": "%x-%s" % (os.getpid(), os.urandom(5).hex())}
    out = []
    for i, msg in enumerate(messages):
        if crlf:
            msg = to_crlf(msg)
        if subst:
            msg = substitute(msg, values, i + 1)
        if via:
            msg = fix_via(msg, hostport(laddr, lp))
        out.append(msg)
    if coalesce:
        out = [b"".join(out)]

    parser = StreamParser()
    finals = 0
    closed = False
    done_at = None
    sent_all = False
    t0 = time.monotonic()

    def event(kind, data):
        events.append((kind, data, time.monotonic() - t0))

    def send(data):
        if transport == "udp":
            s.sendto(data, (host, port))
        else:
            s.sendall(data)

    def maybe_ack(resp, code):
        if not (ack and sent_all and code >= 300):
            return
        cs = header_values(resp, "CSeq")
        if not cs or not cs[0].upper().endswith("INVITE"):
            return
        invites = [m for m in out if m.startswith(b"INVITE ")]
        if invites:
            try:
                send(make_ack(invites[-1], resp))
                event("ack", b"")
            except OSError as e:
                event("senderr", str(e).encode())

    def pieces(data):
        if splits:
            cuts = [c for c in splits if 0 < c < len(data)]
        elif chunks > 1:
            cuts = [len(data) * k // chunks for k in range(1, chunks)]
        else:
            cuts = []
        prev = 0
        for c in cuts + [len(data)]:
            yield data[prev:c]
            prev = c

    def collect(timeout):
        """Read whatever arrives within timeout; returns False once the TCP peer closed."""
        nonlocal finals, closed, done_at
        live = [x for x in socks if not (closed and x is s and transport == "tcp")]
        if not live:
            time.sleep(max(0.0, timeout))
            return False
        r, _, _ = select.select(live, [], [], max(0.0, timeout))
        for x in r:
            try:
                data = x.recv(262144)
            except ConnectionResetError:
                event("reset", b"")
                closed = True
                continue
            if transport == "tcp" and x is s:
                if not data:
                    event("closed", b"")
                    closed = True
                    continue
                got = parser.feed(data)
            else:
                got = [("msg", data)]
            for kind, m in got:
                event(kind, m)
                code = status_of(m) if kind == "msg" else None
                if code is not None and code >= 200:
                    maybe_ack(m, code)
                    finals += 1
                    if final_count and finals >= final_count and done_at is None:
                        done_at = time.monotonic() + linger
        return not closed

    def pump(duration):
        """Read for duration seconds, however much arrives."""
        end = time.monotonic() + duration
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            collect(left)

    for n, data in enumerate(out):
        if n and gap:
            pump(gap)
        for k, piece in enumerate(pieces(data)):
            if k and delay:
                pump(delay)
            try:
                send(piece)
            except OSError as e:
                event("senderr", str(e).encode())
                break
    sent_all = True

    deadline = time.monotonic() + wait
    while True:
        now = time.monotonic()
        end = deadline if done_at is None else min(deadline, done_at)
        if now >= end:
            break
        if not collect(end - now) and transport == "tcp" and len(socks) == 1:
            break
    if parser.buf:
        event("partial", parser.buf)
    for x in socks:
        x.close()
    return events


def describe(kind, m, verbose):
    if kind == "msg":
        if verbose:
            return m.decode("latin-1").replace("\r\n", "\n").rstrip("\n") + "\n--"
        return m.split(b"\r\n", 1)[0].decode("latin-1")
    if kind == "crlf":
        return "CRLF"
    if kind == "closed":
        return "CLOSED"
    if kind == "reset":
        return "RESET"
    if kind == "partial":
        return "PARTIAL %d" % len(m)
    if kind == "ack":
        return "ACK"
    return "SENDERR " + m.decode()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("messages", nargs="*", help="message files, - for stdin")
    ap.add_argument("-H", "--host", default="127.0.0.1", help="server address")
    ap.add_argument("-p", "--port", type=int, required=True, help="server port")
    ap.add_argument("-t", "--transport", choices=("udp", "tcp"), default="udp")
    ap.add_argument("-b", "--bind", default=None, help="local address (default 127.0.0.1 / ::1)")
    ap.add_argument("-l", "--local-port", type=int, default=0, help="local port (default any)")
    ap.add_argument("--via", action="store_true", help="rewrite the top Via sent-by to our address")
    ap.add_argument("--subst", action="store_true", help="replace [local_port] etc.")
    ap.add_argument("--crlf", action="store_true", help="turn bare LF into CRLF first")
    ap.add_argument("-m", "--method", help="generate a request with this method (implies --subst)")
    ap.add_argument("-u", "--uri", help="Request-URI of a generated request (default the server)")
    ap.add_argument("-x", "--header", action="append", default=[], help="extra header line")
    ap.add_argument("--body", default="", help="body of a generated request")
    ap.add_argument("--ctype", default="application/sdp", help="its Content-Type")
    ap.add_argument("--count", type=int, default=1, help="generate this many requests")
    ap.add_argument("--coalesce", action="store_true", help="send all messages in one write")
    ap.add_argument("--split", default="", help="cut each write at these byte offsets (a,b,...)")
    ap.add_argument("--chunks", type=int, default=0, help="cut each write in N equal parts")
    ap.add_argument("--delay", type=float, default=0.2, help="seconds between parts (0.2)")
    ap.add_argument("--gap", type=float, default=0.0, help="seconds between messages")
    ap.add_argument("-w", "--wait", type=float, default=1.0, help="seconds to wait for answers")
    ap.add_argument("-n", "--final-count", type=int, default=0, help="stop after N final responses")
    ap.add_argument("--linger", type=float, default=0.0, help="seconds to wait after -n is met")
    ap.add_argument("-L", "--listen", action="append", default=[], help="also listen (UDP) here")
    ap.add_argument("-o", "--output", help="save message i of the answers as OUTPUT.i")
    ap.add_argument("-v", "--verbose", action="store_true", help="print whole responses")
    ap.add_argument("-T", "--times", action="store_true", help="prefix lines with the time")
    ap.add_argument("--ack", action="store_true", help="ACK non-2xx finals to the INVITE")
    a = ap.parse_args(argv)

    msgs = []
    subst = a.subst
    if a.method:
        subst = True
        uri = a.uri or ("sip:" + hostport(a.host, a.port))
        for k in range(max(1, a.count)):
            extra = [h.replace("[n]", str(k + 1)) for h in a.header]
            msgs.append(make_request(a.method, uri, extra, a.body.encode(), a.ctype))
    for f in a.messages:
        if f == "-":
            msgs.append(sys.stdin.buffer.read())
        else:
            with open(f, "rb") as fh:
                msgs.append(fh.read())
    if not msgs:
        ap.error("no message: give files or -m METHOD")
    bind = a.bind or ("::1" if ":" in a.host else "127.0.0.1")
    splits = [int(x) for x in a.split.split(",") if x.strip()]
    try:
        events = exchange(a.host, a.port, a.transport, msgs, bind=bind, lport=a.local_port,
                          via=a.via, subst=subst, coalesce=a.coalesce, splits=splits,
                          chunks=a.chunks, delay=a.delay, gap=a.gap, wait=a.wait,
                          final_count=a.final_count, linger=a.linger, extra_listen=a.listen,
                          crlf=a.crlf, ack=a.ack)
    except OSError as e:
        sys.stderr.write("sipsend: %s:%d/%s: %s\n" % (a.host, a.port, a.transport, e))
        return 2
    n = 0
    for kind, m, t in events:
        print(("%.3f " % t if a.times else "") + describe(kind, m, a.verbose))
        if kind == "msg" and a.output:
            n += 1
            with open("%s.%d" % (a.output, n), "wb") as fh:
                fh.write(m)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
