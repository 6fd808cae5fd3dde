#!/usr/bin/env python3
"""relay_ua.py - SIP phones with RTP for the relay tests (relay_call.sh, relay_ports.sh).

Two user agents over UDP on loopback, alice on 127.0.0.1 and bob on 127.0.0.2 (another
address, as a phone on another host would be), call each other through sipd.  Each phone has
its own RTP socket; the checks look at what the other side receives: the SDP (does it name the
relay?) and the RTP packets (do they arrive, both ways?).

  relay_ua.py call  --server-port P --sipd-pid PID --range LO-HI
        one call with every relay feature checked, printing "ok: ..." / "NOT OK: ..." lines
  relay_ua.py many  --server-port P --sipd-pid PID --calls N
        N short calls (answered + BYE, busy, cancelled, in turn); checks that sipd's socket
        count is back where it started
  relay_ua.py fork  --server-port P --sipd-pid PID --range LO-HI
        bob's two phones ring, one gives early media, the other answers
  relay_ua.py extras --server-port P --sipd-pid PID --range LO-HI [--v6]
        a multipart/mixed offer, a late offer answered in the ACK, an IPv6 call
  relay_ua.py timeout --server-port P --sipd-pid PID --rtp-timeout S --timer-c S
        relay ports closed after relay.timeout without media, and after Timer C

Every wait is bounded (--timeout per message); exit status 0 when every check passed.
"""
import argparse
import os
import random
import re
import select
import socket
import struct
import sys
import time

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type"}
FAILS = 0


def ok(msg):
    print("ok: " + msg, flush=True)


def not_ok(msg):
    global FAILS
    FAILS += 1
    print("NOT OK: " + msg, flush=True)


def check(cond, msg):
    (ok if cond else not_ok)(msg)
    return cond


class Msg:
    def __init__(self, data):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        self.first = lines[0]
        self.hdrs = []
        for l in lines[1:]:
            if l[:1] in (" ", "\t") and self.hdrs:
                self.hdrs[-1] = (self.hdrs[-1][0], self.hdrs[-1][1] + " " + l.strip())
                continue
            n, _, v = l.partition(":")
            n = n.strip().lower()
            self.hdrs.append((COMPACT.get(n, n), v.strip()))
        self.is_req = not self.first.startswith("SIP/2.0")
        self.status = 0 if self.is_req else int(self.first.split()[1])
        self.method = self.first.split()[0] if self.is_req else self.get("cseq").split()[1]

    def get(self, name):
        for n, v in self.hdrs:
            if n == name:
                return v
        return ""

    def all(self, name):
        return [v for n, v in self.hdrs if n == name]


def tag_of(v):
    m = re.search(r";\s*tag=([^;>\s]+)", v)
    return m.group(1) if m else None


def uri_of(v):
    m = re.search(r"<([^>]*)>", v)
    return m.group(1) if m else v.split(";")[0].strip()


def sdp_media(body):
    """(connection address, [(media, port)], text) of an SDP body."""
    text = body.decode("utf-8", "replace")
    addr, ms = None, []
    for l in text.splitlines():
        if l.startswith("c=IN IP") and addr is None and not l.startswith("c=IN IP4 0.0.0.0"):
            addr = l.split()[2]
        if l.startswith("m="):
            f = l[2:].split()
            ms.append((f[0], int(f[1].split("/")[0])))
    return addr, ms, text


def sdp(ip, port, extra="", version=1):
    v = 6 if ":" in ip else 4
    return ("v=0\r\no=- 4711 %d IN IP%d %s\r\ns=-\r\nc=IN IP%d %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n%s" % (version, v, ip, v, ip, port, extra)).encode()


class Phone:
    def __init__(self, name, ip, server, timeout):
        self.name, self.ip, self.server, self.timeout = name, ip, server, timeout
        self.fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
        self.sock = socket.socket(self.fam, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.port = self.sock.getsockname()[1]
        self.rtp = self.media_socket()
        self.cseq = 1
        self.queue = []

    def media_socket(self):
        s = socket.socket(self.fam, socket.SOCK_DGRAM)
        s.bind((self.ip, 0))
        return s

    def host(self):
        return "[%s]" % self.ip if ":" in self.ip else self.ip

    def contact(self):
        return "<sip:%s@%s:%d>" % (self.name, self.host(), self.port)

    def send(self, data, dst=None):
        self.sock.sendto(data, dst or self.server)

    def recv(self, want=None, timeout=None):
        """The next message matching want(msg) (others queued), or None after the timeout."""
        end = time.time() + (timeout or self.timeout)
        for i, m in enumerate(self.queue):
            if want is None or want(m):
                return self.queue.pop(i)
        while time.time() < end:
            r, _, _ = select.select([self.sock], [], [], max(0, end - time.time()))
            if not r:
                break
            data, src = self.sock.recvfrom(65535)
            m = Msg(data)
            m.src = src
            if want is None or want(m):
                return m
            self.queue.append(m)
        return None

    def request(self, method, ruri, frm, to, callid, cseq, body=b"", routes=(), extra=""):
        br = "z9hG4bK-%s-%x" % (self.name, random.getrandbits(48))
        h = ["%s %s SIP/2.0" % (method, ruri),
             "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (self.host(), self.port, br),
             "Max-Forwards: 70", "From: %s" % frm, "To: %s" % to, "Call-ID: %s" % callid,
             "CSeq: %d %s" % (cseq, method), "Contact: %s" % self.contact()]
        h += ["Route: %s" % r for r in routes]
        if body and "Content-Type" not in extra:
            h.append("Content-Type: application/sdp")
        h.append("Content-Length: %d" % len(body))
        data = ("\r\n".join(h) + "\r\n" + extra + "\r\n").encode() + body
        return data, br

    def reply(self, req, code, reason, totag=None, body=b"", ctype="application/sdp"):
        h = ["SIP/2.0 %d %s" % (code, reason)]
        h += ["Via: %s" % v for v in req.all("via")]
        h += ["Record-Route: %s" % v for v in req.all("record-route")]
        to = req.get("to")
        if totag and not tag_of(to):
            to += ";tag=" + totag
        h += ["From: %s" % req.get("from"), "To: %s" % to, "Call-ID: %s" % req.get("call-id"),
              "CSeq: %s" % req.get("cseq"), "Contact: %s" % self.contact()]
        if body:
            h.append("Content-Type: %s" % ctype)
        h.append("Content-Length: %d" % len(body))
        self.send(("\r\n".join(h) + "\r\n\r\n").encode() + body, req.src)

    def register(self, aor):
        host = "[%s]" % self.server[0] if ":" in self.server[0] else self.server[0]
        data, _ = self.request("REGISTER", "sip:%s:%d" % (host, self.server[1]), "<%s>;tag=r%d" % (aor, self.port),
                               "<%s>" % aor, "reg-%s-%d" % (self.name, self.port), 1,
                               extra="Expires: 300\r\n")
        self.send(data)
        r = self.recv(lambda m: not m.is_req and m.status >= 200)
        return r.status if r else None


class RTP:
    """RTP streams between a socket and a destination; counts what a socket receives."""
    def __init__(self):
        self.seq = random.randrange(65536)
        self.ssrc = random.getrandbits(32)

    def send(self, sock, dst, n, tag, gap=0.002):
        for i in range(n):
            pkt = struct.pack("!BBHII", 0x80, 0, self.seq & 0xffff, i * 160, self.ssrc)
            sock.sendto(pkt + tag + b"\0" * (160 - len(tag)), dst)
            self.seq += 1
            time.sleep(gap)


def drain(sock, tag, timeout=1.0):
    """How many packets carrying tag arrive on sock until it is quiet for timeout; sources."""
    n, srcs = 0, set()
    end = time.time() + timeout
    while True:
        r, _, _ = select.select([sock], [], [], max(0, end - time.time()))
        if not r:
            return n, srcs
        data, src = sock.recvfrom(4096)
        if data[12:12 + len(tag)] == tag:
            n += 1
            srcs.add(src)
        end = time.time() + timeout


def sockets_of(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


class Call:
    """One dialog from alice (caller) to bob (callee), driven step by step."""
    def __init__(self, a, b, server, tag=""):
        self.a, self.b, self.server = a, b, server
        self.callid = "relay-%s%x@127.0.0.1" % (tag, random.getrandbits(40))
        self.atag = "a%x" % random.getrandbits(32)
        self.btag = "b%x" % random.getrandbits(32)
        host = "[%s]" % server[0] if ":" in server[0] else server[0]
        self.server_uri = "%s:%d" % (host, server[1])
        self.frm = "<sip:alice@%s>;tag=%s" % (self.server_uri, self.atag)
        self.to = "<sip:bob@%s>" % self.server_uri
        self.acseq = 1
        self.bcseq = 100

    def invite(self, body, extra=""):
        data, self.abranch = self.a.request("INVITE", "sip:bob@%s" % self.server_uri, self.frm,
                                            self.to, self.callid, self.acseq, body, extra=extra)
        self.inv = data
        self.a.send(data)
        self.binv = self.b.recv(lambda m: m.is_req and m.method == "INVITE" and
                                m.get("call-id") == self.callid)
        return self.binv

    def a_final(self, cseq=None):
        cs = cseq or self.acseq
        return self.a.recv(lambda m: not m.is_req and m.status >= 200 and
                           m.get("call-id") == self.callid and m.get("cseq") == "%d INVITE" % cs)

    def a_ack(self, resp, body=b""):
        """ACK a 2xx end to end along the Record-Route (reversed for the caller)."""
        if not hasattr(self, "route"):     # the dialog's route set: from the first 2xx (12.1.2)
            self.route = list(reversed(resp.all("record-route")))
            self.bcontact = uri_of(resp.get("contact"))
            self.to_full = resp.get("to")
        data, _ = self.a.request("ACK", self.bcontact, self.frm, self.to_full, self.callid,
                                 self.acseq, body, routes=self.route)
        self.a.send(data)
        return self.b.recv(lambda m: m.is_req and m.method == "ACK" and
                           m.get("call-id") == self.callid)

    def a_reinvite(self, body):
        """A re-INVITE from alice: what bob got (the request)."""
        self.acseq += 1
        data, _ = self.a.request("INVITE", self.bcontact, self.frm, self.to_full, self.callid,
                                 self.acseq, body, routes=self.route)
        self.a.send(data)
        return self.b.recv(lambda m: m.is_req and m.method == "INVITE" and
                           m.get("call-id") == self.callid)

    def b_request(self, method, body=b""):
        """A request from bob in the dialog (route set = Record-Route as received)."""
        self.bcseq += 1
        route = self.binv.all("record-route")
        frm = self.binv.get("to") + ";tag=" + self.btag
        data, _ = self.b.request(method, uri_of(self.binv.get("contact")), frm,
                                 self.binv.get("from"), self.callid, self.bcseq, body,
                                 routes=route)
        self.b.send(data)
        return self.a.recv(lambda m: m.is_req and m.method == method and
                           m.get("call-id") == self.callid)

    def b_final_seen(self, method):
        return self.b.recv(lambda m: not m.is_req and m.status >= 200 and
                           m.get("cseq") == "%d %s" % (self.bcseq, method))

    def a_bye(self):
        self.acseq += 1
        data, _ = self.a.request("BYE", self.bcontact, self.frm, self.to_full, self.callid,
                                 self.acseq, routes=self.route)
        self.a.send(data)
        bye = self.b.recv(lambda m: m.is_req and m.method == "BYE" and
                          m.get("call-id") == self.callid)
        if bye:
            self.b.reply(bye, 200, "OK")
        return self.a.recv(lambda m: not m.is_req and m.get("cseq") == "%d BYE" % self.acseq)


def in_range(port, rng):
    return rng[0] <= port <= rng[1]


def relay_ok(what, sdpbody, relay_ip, rng, phone_port):
    addr, ms, text = sdp_media(sdpbody)
    good = addr == relay_ip and ms and in_range(ms[0][1], rng) and ms[0][1] != phone_port
    check(good, "%s names the relay (c=%s m=%s)" % (what, addr, ms[0][1] if ms else None))
    return ms[0][1] if ms else 0


def flow(src_sock, dst_addr, dst_sock, n, tag, what):
    RTP().send(src_sock, dst_addr, n, tag)
    got, srcs = drain(dst_sock, tag, 0.5)
    check(got == n, "%s: %d of %d RTP packets arrived" % (what, got, n))
    return srcs


def cmd_call(a_args):
    server = ("127.0.0.1", a_args.server_port)
    rng = tuple(int(x) for x in a_args.range.split("-"))
    alice = Phone("alice", "127.0.0.1", server, a_args.timeout)
    bob = Phone("bob", "127.0.0.2", server, a_args.timeout)
    check(bob.register("sip:bob@127.0.0.1:%d" % a_args.server_port) == 200,
          "bob registered from 127.0.0.2")
    base = sockets_of(a_args.sipd_pid)
    c = Call(alice, bob, server)

    # offer: alice's SDP carries ICE candidates, which must not reach bob
    ice = ("a=ice-ufrag:F7gI\r\na=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
           "a=candidate:1 1 UDP 2130706431 127.0.0.1 %d typ host\r\n" % alice.rtp.getsockname()[1])
    inv = c.invite(sdp("127.0.0.1", alice.rtp.getsockname()[1], ice))
    if not check(inv is not None, "bob got the INVITE"):
        return
    p_to_b = relay_ok("offer bob got", inv.body, "127.0.0.1", rng, alice.rtp.getsockname()[1])
    check(b"candidate" not in inv.body and b"ice-" not in inv.body, "no ICE attributes in bob's offer")
    check(int(inv.get("content-length")) == len(inv.body), "Content-Length of bob's INVITE fits its body")
    check(b"o=- 4711 2 IN IP4" in inv.body, "o= version bumped (1 -> 2)")
    check(b"a=rtpmap:101 telephone-event/8000" in inv.body, "DTMF payload type passed through")

    # early media: 183 with SDP, bob's RTP reaches alice before the answer
    bport = bob.rtp.getsockname()[1]
    bob.reply(inv, 183, "Session Progress", c.btag, sdp("127.0.0.2", bport))
    r183 = alice.recv(lambda m: not m.is_req and m.status == 183)
    if check(r183 is not None, "alice got the 183"):
        p_to_a = relay_ok("183 alice got", r183.body, "127.0.0.1", rng, bport)
        flow(bob.rtp, ("127.0.0.1", p_to_b), alice.rtp, 20, b"early", "early media bob -> alice")
    bob.reply(inv, 200, "OK", c.btag, sdp("127.0.0.2", bport))
    r200 = c.a_final()
    if not check(r200 is not None and r200.status == 200, "alice got the 200"):
        return
    p_to_a = relay_ok("answer alice got", r200.body, "127.0.0.1", rng, bport)
    check(int(r200.get("content-length")) == len(r200.body), "Content-Length of alice's 200 fits its body")
    check(c.a_ack(r200) is not None, "bob got the ACK")

    # media both ways; the relay answers from the port it advertised (symmetric RTP)
    srcs = flow(alice.rtp, ("127.0.0.1", p_to_a), bob.rtp, 50, b"a2b-1", "alice -> bob")
    check(srcs == {("127.0.0.1", p_to_b)}, "bob's packets come from the relay port bob was given (%s)" % srcs)
    srcs = flow(bob.rtp, ("127.0.0.1", p_to_b), alice.rtp, 50, b"b2a-1", "bob -> alice")
    check(srcs == {("127.0.0.1", p_to_a)}, "alice's packets come from the relay port alice was given")

    # a third party sending to alice's relay port cannot inject into the call
    mallory = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    mallory.bind(("127.0.0.3", 0))
    RTP().send(mallory, ("127.0.0.1", p_to_a), 20, b"evil")
    got, _ = drain(bob.rtp, b"evil", 0.5)
    check(got == 0, "packets from a third address after latching are dropped (%d reached bob)" % got)
    flow(alice.rtp, ("127.0.0.1", p_to_a), bob.rtp, 10, b"a2b-2", "alice -> bob still flows after the attempt")
    mallory.close()

    # hold: re-INVITE a=sendonly, answered a=recvonly; the ports stay
    rinv = c.a_reinvite(sdp("127.0.0.1", alice.rtp.getsockname()[1], "a=sendonly\r\n", 2))
    if check(rinv is not None, "bob got the hold re-INVITE"):
        check(b"a=sendonly" in rinv.body, "hold offer keeps a=sendonly")
        check(relay_ok("hold offer", rinv.body, "127.0.0.1", rng, 0) == p_to_b, "hold offer: same relay port for bob")
        bob.reply(rinv, 200, "OK", c.btag, sdp("127.0.0.2", bport, "a=recvonly\r\n", 2))
        r = c.a_final()
        check(r is not None and b"a=recvonly" in r.body and sdp_media(r.body)[1][0][1] == p_to_a,
              "hold answer keeps a=recvonly and alice's relay port")
        if r is not None:
            c.a_ack(r)
    # resume
    rinv = c.a_reinvite(sdp("127.0.0.1", alice.rtp.getsockname()[1], "a=sendrecv\r\n", 3))
    if check(rinv is not None, "bob got the resume re-INVITE"):
        check(b"a=sendrecv" in rinv.body, "resume offer is sendrecv")
        bob.reply(rinv, 200, "OK", c.btag, sdp("127.0.0.2", bport, "", 3))
        r = c.a_final()
        if check(r is not None and r.status == 200, "alice got the resume 200"):
            c.a_ack(r)
    flow(alice.rtp, ("127.0.0.1", p_to_a), bob.rtp, 30, b"a2b-3", "after resume alice -> bob")
    flow(bob.rtp, ("127.0.0.1", p_to_b), alice.rtp, 30, b"b2a-3", "after resume bob -> alice")

    # re-INVITE from bob with a new media port: the relay sends to the new one
    bob2 = bob.media_socket()
    breinv = c.b_request("INVITE", sdp("127.0.0.2", bob2.getsockname()[1], "", 4))
    if check(breinv is not None, "alice got bob's re-INVITE (new port)"):
        check(relay_ok("bob's re-offer", breinv.body, "127.0.0.1", rng, 0) == p_to_a,
              "bob's re-offer names alice's relay port")
        alice.reply(breinv, 200, "OK", None, sdp("127.0.0.1", alice.rtp.getsockname()[1], "", 4))
        r = c.b_final_seen("INVITE")
        check(r is not None and sdp_media(r.body)[1][0][1] == p_to_b, "bob got the answer naming his relay port")
        # the ACK for bob's re-INVITE
        if r is not None:
            ack, _ = bob.request("ACK", uri_of(alice.contact()),
                                 c.binv.get("to") + ";tag=" + c.btag, c.binv.get("from"), c.callid,
                                 c.bcseq, routes=c.binv.all("record-route"))
            bob.send(ack)
        flow(bob2, ("127.0.0.1", p_to_b), alice.rtp, 20, b"b2a-4", "bob's new port -> alice")
        flow(alice.rtp, ("127.0.0.1", p_to_a), bob2, 20, b"a2b-4", "alice -> bob's new port")
    bob2.close()

    during = sockets_of(a_args.sipd_pid)
    check(during - base >= 4, "sipd holds relay sockets during the call (%d more)" % (during - base))
    r = c.a_bye()
    check(r is not None and r.status == 200, "BYE answered 200")
    time.sleep(0.2)
    after = sockets_of(a_args.sipd_pid)
    check(after == base, "after the BYE sipd's sockets are back to %d (now %d)" % (base, after))
    # media to a closed relay port goes nowhere
    RTP().send(alice.rtp, ("127.0.0.1", p_to_a), 5, b"late")
    got, _ = drain(bob.rtp, b"late", 0.3)
    check(got == 0, "nothing is relayed after the BYE")


def cmd_many(a_args):
    server = ("127.0.0.1", a_args.server_port)
    alice = Phone("alice", "127.0.0.1", server, a_args.timeout)
    bob = Phone("bob", "127.0.0.2", server, a_args.timeout)
    check(bob.register("sip:bob@127.0.0.1:%d" % a_args.server_port) == 200, "bob registered")
    base = sockets_of(a_args.sipd_pid)
    peak = base
    kinds = {"answered": 0, "busy": 0, "cancelled": 0}
    bad = 0
    t0 = time.time()
    for i in range(a_args.calls):
        kind = ("answered", "busy", "cancelled")[i % 3]
        c = Call(alice, bob, server, "m%d-" % i)
        inv = c.invite(sdp("127.0.0.1", alice.rtp.getsockname()[1]))
        if inv is None:
            bad += 1
            continue
        if kind == "answered":
            bob.reply(inv, 200, "OK", c.btag, sdp("127.0.0.2", bob.rtp.getsockname()[1]))
            r = c.a_final()
            if r is None or r.status != 200 or c.a_ack(r) is None:
                bad += 1
                continue
            peak = max(peak, sockets_of(a_args.sipd_pid))
            r = c.a_bye()
            ok_ = r is not None and r.status == 200
        elif kind == "busy":
            bob.reply(inv, 486, "Busy Here", c.btag)
            r = c.a_final()
            ok_ = r is not None and r.status == 486
            if r is not None:
                ack, _ = alice.request("ACK", "sip:bob@%s:%d" % server, c.frm, r.get("to"), c.callid, 1)
                # the ACK for a non-2xx goes to the proxy with the INVITE's branch (17.1.1.3)
                ack = ack.replace(ack.split(b"branch=")[1].split(b";")[0], c.abranch.encode(), 1)
                alice.send(ack)
        else:
            bob.reply(inv, 180, "Ringing", c.btag)
            alice.recv(lambda m: not m.is_req and m.status == 180)
            cancel = c.inv.split(b"\r\n")
            lines = [l for l in cancel if l.split(b":")[0].lower() in (b"via", b"from", b"to", b"call-id", b"max-forwards")]
            cdata = (b"CANCEL sip:bob@%s:%d SIP/2.0\r\n" % (server[0].encode(), server[1]) +
                     b"\r\n".join(lines) + b"\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n")
            alice.send(cdata)
            bc = bob.recv(lambda m: m.is_req and m.method == "CANCEL")
            if bc is not None:
                bob.reply(bc, 200, "OK", c.btag)
                bob.reply(inv, 487, "Request Terminated", c.btag)
            r = c.a_final()
            ok_ = r is not None and r.status == 487
            if r is not None:
                ack, _ = alice.request("ACK", "sip:bob@%s:%d" % server, c.frm, r.get("to"), c.callid, 1)
                ack = ack.replace(ack.split(b"branch=")[1].split(b";")[0], c.abranch.encode(), 1)
                alice.send(ack)
        if ok_:
            kinds[kind] += 1
        else:
            bad += 1
        # stray responses/retransmissions are not waited for
        alice.queue.clear()
        bob.queue.clear()
    secs = time.time() - t0
    check(bad == 0, "%d calls in %.1f s: %s, %d went wrong" % (a_args.calls, secs, kinds, bad))
    # sessions end at BYE / final failure at once; give the last transactions a moment
    end = time.time() + 5
    after = sockets_of(a_args.sipd_pid)
    while after != base and time.time() < end:
        time.sleep(0.2)
        after = sockets_of(a_args.sipd_pid)
    check(peak > base, "relay sockets were open during answered calls (peak %d, base %d)" % (peak, base))
    check(after == base, "after %d calls sipd's sockets are back to %d (now %d)" % (a_args.calls, base, after))


def cmd_fork(a_args):
    """bob has two phones (127.0.0.2, 127.0.0.3); both get the offer with the same relay port;
    the first sends early media with a 183, the second answers 200: media then goes to the
    answering phone only, both ways."""
    server = ("127.0.0.1", a_args.server_port)
    rng = tuple(int(x) for x in a_args.range.split("-"))
    alice = Phone("alice", "127.0.0.1", server, a_args.timeout)
    b1 = Phone("bob", "127.0.0.2", server, a_args.timeout)
    b2 = Phone("bob", "127.0.0.3", server, a_args.timeout)
    aor = "sip:bob@127.0.0.1:%d" % a_args.server_port
    check(b1.register(aor) == 200 and b2.register(aor) == 200, "bob registered two phones")
    base = sockets_of(a_args.sipd_pid)
    c = Call(alice, b1, server)
    inv1 = c.invite(sdp("127.0.0.1", alice.rtp.getsockname()[1]))
    inv2 = b2.recv(lambda m: m.is_req and m.method == "INVITE")
    if not check(inv1 is not None and inv2 is not None, "both phones got the INVITE"):
        return
    p1 = relay_ok("phone 1's offer", inv1.body, "127.0.0.1", rng, 0)
    p2 = relay_ok("phone 2's offer", inv2.body, "127.0.0.1", rng, 0)
    check(p1 == p2, "both branches were offered the same relay port (%d, %d)" % (p1, p2))
    b1.reply(inv1, 183, "Session Progress", "t1", sdp("127.0.0.2", b1.rtp.getsockname()[1]))
    r183 = alice.recv(lambda m: not m.is_req and m.status == 183)
    if not check(r183 is not None, "alice got phone 1's 183"):
        return
    pa = relay_ok("183 alice got", r183.body, "127.0.0.1", rng, 0)
    flow(b1.rtp, ("127.0.0.1", p1), alice.rtp, 20, b"early1", "early media phone 1 -> alice")
    flow(alice.rtp, ("127.0.0.1", pa), b1.rtp, 20, b"early-a", "alice -> phone 1 during early media")
    b2.reply(inv2, 200, "OK", "t2", sdp("127.0.0.3", b2.rtp.getsockname()[1]))
    r200 = c.a_final()
    if not check(r200 is not None and r200.status == 200, "alice got phone 2's 200"):
        return
    check(relay_ok("200 alice got", r200.body, "127.0.0.1", rng, 0) == pa,
          "the answer names the same relay port for alice")
    c.binv = inv2
    c.b = b2
    check(c.a_ack(r200) is not None, "phone 2 got the ACK")
    # phone 1 is cancelled by sipd
    can = b1.recv(lambda m: m.is_req and m.method == "CANCEL")
    if check(can is not None, "phone 1 got a CANCEL"):
        b1.reply(can, 200, "OK", "t1")
        b1.reply(inv1, 487, "Request Terminated", "t1")
    flow(b2.rtp, ("127.0.0.1", p2), alice.rtp, 30, b"b2a", "phone 2 -> alice after the answer")
    flow(alice.rtp, ("127.0.0.1", pa), b2.rtp, 30, b"a2b", "alice -> phone 2 after the answer")
    got, _ = drain(b1.rtp, b"a2b", 0.3)
    check(got == 0, "the cancelled phone gets no media (%d packets)" % got)
    r = c.a_bye()
    check(r is not None and r.status == 200, "BYE answered 200")
    time.sleep(0.3)
    after = sockets_of(a_args.sipd_pid)
    check(after == base, "sipd's sockets are back to %d (now %d)" % (base, after))


def cmd_timeout(a_args):
    """An answered call whose media stops (phones gone without BYE) loses its relay ports after
    relay.timeout; a call that rings until Timer C loses them with the 408/487."""
    server = ("127.0.0.1", a_args.server_port)
    alice = Phone("alice", "127.0.0.1", server, a_args.timeout)
    bob = Phone("bob", "127.0.0.2", server, a_args.timeout)
    check(bob.register("sip:bob@127.0.0.1:%d" % a_args.server_port) == 200, "bob registered")
    base = sockets_of(a_args.sipd_pid)
    c = Call(alice, bob, server)
    inv = c.invite(sdp("127.0.0.1", alice.rtp.getsockname()[1]))
    if not check(inv is not None, "bob got the INVITE"):
        return
    pb = sdp_media(inv.body)[1][0][1]
    bob.reply(inv, 200, "OK", c.btag, sdp("127.0.0.2", bob.rtp.getsockname()[1]))
    r = c.a_final()
    if not check(r is not None and r.status == 200, "answered") or c.a_ack(r) is None:
        return
    pa = sdp_media(r.body)[1][0][1]
    flow(alice.rtp, ("127.0.0.1", pa), bob.rtp, 10, b"x", "media alice -> bob")
    flow(bob.rtp, ("127.0.0.1", pb), alice.rtp, 10, b"y", "media bob -> alice")
    t0 = time.time()
    check(sockets_of(a_args.sipd_pid) > base, "relay sockets open while media flows")
    while sockets_of(a_args.sipd_pid) != base and time.time() - t0 < a_args.rtp_timeout + 10:
        time.sleep(0.2)
    secs = time.time() - t0
    check(sockets_of(a_args.sipd_pid) == base and secs >= a_args.rtp_timeout - 1,
          "relay sockets closed %.1f s after the media stopped (relay.timeout %d)" % (secs, a_args.rtp_timeout))
    # Timer C: bob rings for ever
    c = Call(alice, bob, server, "tc-")
    inv = c.invite(sdp("127.0.0.1", alice.rtp.getsockname()[1]))
    if not check(inv is not None, "bob got the second INVITE"):
        return
    bob.reply(inv, 180, "Ringing", c.btag)
    check(sockets_of(a_args.sipd_pid) > base, "relay sockets open while it rings")
    can = bob.recv(lambda m: m.is_req and m.method == "CANCEL", a_args.timer_c + 10)
    if check(can is not None, "Timer C cancelled the ringing branch"):
        bob.reply(can, 200, "OK", c.btag)
        bob.reply(inv, 487, "Request Terminated", c.btag)
    r = c.a_final(1)
    check(r is not None and r.status in (408, 487), "alice got %s" % (r.status if r else None))
    time.sleep(0.3)
    after = sockets_of(a_args.sipd_pid)
    check(after == base, "after Timer C sipd's sockets are back to %d (now %d)" % (base, after))


def cmd_extras(a_args):
    """A multipart/mixed offer, a late offer (INVITE without SDP, answer in the ACK), and a
    call over IPv6 (c=IN IP6) when --v6 is given."""
    server = ("127.0.0.1", a_args.server_port)
    rng = tuple(int(x) for x in a_args.range.split("-"))
    alice = Phone("alice", "127.0.0.1", server, a_args.timeout)
    bob = Phone("bob", "127.0.0.2", server, a_args.timeout)
    check(bob.register("sip:bob@127.0.0.1:%d" % a_args.server_port) == 200, "bob registered")
    base = sockets_of(a_args.sipd_pid)

    # multipart/mixed: the SDP part is rewritten, the other part and the framing stay
    c = Call(alice, bob, server, "mp-")
    offer = sdp("127.0.0.1", alice.rtp.getsockname()[1])
    xml = b"<?xml version=\"1.0\"?>\r\n<resource-lists/>\r\n"
    body = (b"--bNd\r\nContent-Type: application/resource-lists+xml\r\n\r\n" + xml +
            b"\r\n--bNd\r\nContent-Type: application/sdp\r\n\r\n" + offer + b"\r\n--bNd--\r\n")
    inv = c.invite(body, "Content-Type: multipart/mixed;boundary=bNd\r\n")
    if check(inv is not None, "bob got the multipart INVITE"):
        check(int(inv.get("content-length")) == len(inv.body), "its Content-Length fits the new body")
        parts = inv.body.split(b"--bNd")
        check(len(parts) == 4 and parts[1].endswith(xml + b"\r\n") and parts[3] == b"--\r\n",
              "the other part and the delimiters are unchanged")
        sdp_part = parts[2].split(b"\r\n\r\n", 1)[1] if len(parts) == 4 else b""
        pb = relay_ok("the SDP part", sdp_part, "127.0.0.1", rng, alice.rtp.getsockname()[1])
        bob.reply(inv, 200, "OK", c.btag, sdp("127.0.0.2", bob.rtp.getsockname()[1]))
        r = c.a_final()
        if check(r is not None and r.status == 200, "multipart call answered"):
            pa = relay_ok("answer", r.body, "127.0.0.1", rng, 0)
            c.a_ack(r)
            flow(alice.rtp, ("127.0.0.1", pa), bob.rtp, 10, b"mp1", "multipart call alice -> bob")
            flow(bob.rtp, ("127.0.0.1", pb), alice.rtp, 10, b"mp2", "multipart call bob -> alice")
            c.a_bye()

    # late offer: the 200 carries the offer, the ACK the answer (RFC 3261 13.2.1)
    c = Call(alice, bob, server, "late-")
    inv = c.invite(b"")
    if check(inv is not None and not inv.body, "bob got an INVITE without SDP"):
        bob.reply(inv, 200, "OK", c.btag, sdp("127.0.0.2", bob.rtp.getsockname()[1]))
        r = c.a_final()
        if check(r is not None and r.status == 200, "late-offer call answered"):
            pa = relay_ok("offer in the 200", r.body, "127.0.0.1", rng, bob.rtp.getsockname()[1])
            ack = c.a_ack(r, sdp("127.0.0.1", alice.rtp.getsockname()[1]))
            if check(ack is not None, "bob got the ACK"):
                pb = relay_ok("answer in the ACK", ack.body, "127.0.0.1", rng, alice.rtp.getsockname()[1])
                check(int(ack.get("content-length")) == len(ack.body), "the ACK's Content-Length fits")
                flow(alice.rtp, ("127.0.0.1", pa), bob.rtp, 10, b"lo1", "late-offer call alice -> bob")
                flow(bob.rtp, ("127.0.0.1", pb), alice.rtp, 10, b"lo2", "late-offer call bob -> alice")
            c.a_bye()

    if a_args.v6:
        v6s = ("::1", a_args.server_port)
        a6 = Phone("alice", "::1", v6s, a_args.timeout)
        b6 = Phone("bob6", "::1", v6s, a_args.timeout)
        check(b6.register("sip:bob6@[::1]:%d" % a_args.server_port) == 200, "bob6 registered over IPv6")
        c = Call(a6, b6, v6s, "v6-")
        c.to = "<sip:bob6@%s>" % c.server_uri
        data, c.abranch = a6.request("INVITE", "sip:bob6@%s" % c.server_uri, c.frm, c.to, c.callid, 1,
                                     sdp("::1", a6.rtp.getsockname()[1]))
        a6.send(data)
        inv = b6.recv(lambda m: m.is_req and m.method == "INVITE")
        if check(inv is not None, "bob6 got the INVITE over IPv6"):
            check(b"c=IN IP6 ::1\r\n" in inv.body, "the offer names the relay in IPv6 (c=IN IP6 ::1)")
            pb = relay_ok("IPv6 offer", inv.body, "::1", rng, a6.rtp.getsockname()[1])
            c.binv = inv
            b6.reply(inv, 200, "OK", c.btag, sdp("::1", b6.rtp.getsockname()[1]))
            r = c.a_final()
            if check(r is not None and r.status == 200, "IPv6 call answered"):
                pa = relay_ok("IPv6 answer", r.body, "::1", rng, 0)
                c.b = b6
                c.a_ack(r)
                flow(a6.rtp, ("::1", pa), b6.rtp, 10, b"v61", "IPv6 RTP alice -> bob6")
                flow(b6.rtp, ("::1", pb), a6.rtp, 10, b"v62", "IPv6 RTP bob6 -> alice")
                c.a_bye()
    time.sleep(0.3)
    after = sockets_of(a_args.sipd_pid)
    check(after == base, "sipd's sockets are back to %d (now %d)" % (base, after))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("call", "many", "fork", "timeout", "extras"))
    ap.add_argument("--v6", action="store_true")
    ap.add_argument("--rtp-timeout", type=int, default=5)
    ap.add_argument("--timer-c", type=int, default=10)
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--sipd-pid", type=int, required=True)
    ap.add_argument("--range", default="30000-39999")
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()
    if a.calls > 5000:
        sys.exit("at most 5000 calls")
    {"call": cmd_call, "many": cmd_many, "fork": cmd_fork, "timeout": cmd_timeout,
     "extras": cmd_extras}[a.cmd](a)
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
