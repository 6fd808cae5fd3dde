#!/usr/bin/env python3
"""vmua.py - a caller and a callee's phone for the voicemail tests (voicemail.sh).

  vmua.py leave --server-port P --callee bob --mode noanswer|busy|offline --heard FILE
                [--tone-seconds S] [--hangup-during-greeting] [--expect-after S]
      alice calls bob.  noanswer: bob's phone (registered) rings and never answers; busy:
      it answers 486; offline: nothing is registered.  sipd's voicemail must answer with a
      200 + SDP (PCMU, telephone-event); what alice hears is written to FILE (8 kHz WAV) until
      the greeting and beep are over, then she sends a 1 kHz tone for S seconds (paced at
      20 ms) and hangs up.  Prints "ok: ..." / "NOT OK: ..." lines; exit 0 when all passed.
"""
import argparse
import math
import os
import random
import select
import socket
import struct
import sys
import time
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relay_ua import Phone, check, ok, not_ok, sdp, sdp_media, tag_of, uri_of  # noqa: E402
import relay_ua  # noqa: E402


def ulaw_enc(s):
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    seg = 0
    v = s >> 7
    while v > 1 and seg < 7:
        v >>= 1
        seg += 1
    return ~(sign | seg << 4 | ((s >> (seg + 3)) & 0x0f)) & 0xff


def ulaw_dec(u):
    u = ~u & 0xff
    t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def callee_phone(args, server):
    """bob's phone: registered; rings (180) and never answers, or answers 486."""
    bob = Phone(args.callee, "127.0.0.1", server, 5)
    st = bob.register("sip:%s@127.0.0.1" % args.callee)
    check(st == 200, "bob's phone registered (%s)" % st)
    return bob


INVITES = {}


def serve_callee(bob, mode, until):
    """Answer what reaches bob's phone until `until` (monotonic); a CANCEL gets its 200 and
    the INVITE its 487 (RFC 3261 9.2)."""
    while time.monotonic() < until:
        m = bob.recv(lambda m: m.is_req, timeout=max(0.01, min(0.05, until - time.monotonic())))
        if m is None:
            return
        if m.method == "INVITE":
            if mode == "busy":
                bob.reply(m, 486, "Busy Here", totag="bobtag")
            else:
                bob.reply(m, 180, "Ringing", totag="bobtag")
                INVITES[m.get("call-id")] = m
        elif m.method == "CANCEL":
            bob.reply(m, 200, "OK")
            if m.get("call-id") in INVITES:
                bob.reply(INVITES.pop(m.get("call-id")), 487, "Request Terminated", totag="bobtag")
        elif m.method != "ACK":
            bob.reply(m, 200, "OK")


def leave(args):
    server = ("127.0.0.1", args.server_port)
    bob = callee_phone(args, server) if args.mode != "offline" else None
    alice = Phone("alice", "127.0.0.1", server, 5)
    callid = "vm-%x" % random.getrandbits(40)
    frm = "<sip:alice@127.0.0.1>;tag=alicetag"
    to = "<sip:%s@127.0.0.1:%d>" % (args.callee, args.server_port)
    ruri = "sip:%s@127.0.0.1:%d" % (args.callee, args.server_port)
    inv, _ = alice.request("INVITE", ruri, frm, to, callid, 1,
                           body=sdp("127.0.0.1", alice.rtp.getsockname()[1]))
    t0 = time.monotonic()
    alice.send(inv)
    final = None
    while final is None and time.monotonic() - t0 < args.expect_after + 10:
        if bob:
            serve_callee(bob, args.mode, time.monotonic() + 0.05)
        r = alice.recv(lambda m: not m.is_req and m.method == "INVITE", timeout=0.05)
        if r is not None and r.status >= 200:
            final = r
    took = time.monotonic() - t0
    if not check(final is not None and final.status == 200,
                 "voicemail answered the call with 200 (%s)" % (final.first if final else None)):
        return
    check(abs(took - args.expect_after) < 1.5,
          "answered after %.1f s (expected about %s s)" % (took, args.expect_after))
    addr, ms, text = sdp_media(final.body)
    check("PCMU/8000" in text and "telephone-event/8000" in text,
          "the answer's SDP offers PCMU and telephone-event")
    totag = tag_of(final.get("to"))
    contact = uri_of(final.get("contact"))
    ack, _ = alice.request("ACK", contact, frm, final.get("to"), callid, 1)
    alice.send(ack)
    dst = (addr, ms[0][1])
    heard = []
    last = time.monotonic()
    started = False
    end = time.monotonic() + 15
    greeting_cut = args.hangup_during_greeting
    while time.monotonic() < end:
        r, _, _ = select.select([alice.rtp], [], [], 0.05)
        if r:
            data, src = alice.rtp.recvfrom(2048)
            heard.extend(ulaw_dec(b) for b in data[12:])
            started, last = True, time.monotonic()
            if greeting_cut and len(heard) > 4000:
                break
        elif started and time.monotonic() - last > 0.4:
            break
    with wave.open(args.heard, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", s) for s in heard))
    if not greeting_cut:
        check(len(heard) > 8000, "alice heard %.2f s of greeting and beep" % (len(heard) / 8000))
    if not greeting_cut:
        seq, ts, ssrc = random.randrange(65536), 0, random.getrandbits(32)
        frames = int(args.tone_seconds * 50)
        p0 = time.monotonic()
        for f in range(frames):
            pay = bytes(ulaw_enc(int(12000 * math.sin(2 * math.pi * 1000 * (f * 160 + i) / 8000)))
                        for i in range(160))
            alice.rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xffff, ts, ssrc) + pay, dst)
            seq, ts = seq + 1, ts + 160
            wait = p0 + (f + 1) * 0.02 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        time.sleep(0.1)
    bye, _ = alice.request("BYE", contact, frm, final.get("to"), callid, 2)
    alice.send(bye)
    r = alice.recv(lambda m: not m.is_req and m.method == "BYE", timeout=5)
    check(r is not None and r.status == 200, "the BYE got 200 (%s)" % (r.first if r else None))


def dtmf(sock, dst, digit, seq, ts, ssrc):
    """One RFC 4733 event: 3 packets, then the end packet 3 times (2.5.1.4); new seq."""
    ev = "0123456789*#".index(digit)
    for i in range(6):
        end = 0x80 if i >= 3 else 0
        pay = struct.pack("!BBH", ev, end | 10, 160 * (i + 1))
        sock.sendto(struct.pack("!BBHII", 0x80, 101 | (0x80 if i == 0 else 0), seq & 0xffff,
                                ts, ssrc) + pay, dst)
        seq += 1
        time.sleep(0.02)
    return seq


def capture(sock, seconds, quiet):
    """Decoded audio received for at most seconds, ending after `quiet` s without packets
    once some came."""
    heard, started, last = [], False, time.monotonic()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            data, _ = sock.recvfrom(2048)
            heard.extend(ulaw_dec(b) for b in data[12:])
            started, last = True, time.monotonic()
        elif started and time.monotonic() - last > quiet:
            break
    return heard


def listen(args):
    """args.caller dials the voicemail number, hears the menu, presses 1 (the first new
    message plays: written to --heard), then 7 (deleted), hangs up."""
    server = ("127.0.0.1", args.server_port)
    ua = Phone(args.caller, "127.0.0.1", server, 5)
    callid = "vml-%x" % random.getrandbits(40)
    frm = "<sip:%s@127.0.0.1>;tag=lt%d" % (args.caller, ua.port)
    ruri = "sip:%s@127.0.0.1:%d" % (args.number, args.server_port)
    inv, _ = ua.request("INVITE", ruri, frm, "<%s>" % ruri, callid, 1,
                        body=sdp("127.0.0.1", ua.rtp.getsockname()[1]))
    ua.send(inv)
    final = ua.recv(lambda m: not m.is_req and m.method == "INVITE" and m.status >= 200)
    if not check(final is not None and final.status == 200,
                 "the voicemail number answered 200 (%s)" % (final.first if final else None)):
        return
    addr, ms, _ = sdp_media(final.body)
    dst = (addr, ms[0][1])
    contact = uri_of(final.get("contact"))
    ack, _ = ua.request("ACK", contact, frm, final.get("to"), callid, 1)
    ua.send(ack)
    menu = capture(ua.rtp, 3, 0.3)
    check(len(menu) > 2000, "the menu prompt played (%.2f s)" % (len(menu) / 8000))
    seq, ssrc = random.randrange(65536), random.getrandbits(32)
    ts = 100000
    for k in args.keys:
        seq = dtmf(ua.rtp, dst, k, seq, ts, ssrc)
        ts += 1600
    if args.keys:
        capture(ua.rtp, 1.5, 0.3)
    if args.keys_only:
        bye, _ = ua.request("BYE", contact, frm, final.get("to"), callid, 2)
        ua.send(bye)
        ua.recv(lambda m: not m.is_req and m.method == "BYE", timeout=5)
        return
    seq = dtmf(ua.rtp, dst, "1", seq, 1000, ssrc)
    heard = capture(ua.rtp, 8, 0.4)
    with wave.open(args.heard, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", s) for s in heard))
    check(len(heard) > 8000, "after 1 a message played (%.2f s)" % (len(heard) / 8000))
    seq = dtmf(ua.rtp, dst, "7", seq, 9000, ssrc)
    capture(ua.rtp, 2, 0.3)
    if args.greeting:
        # 9: a new greeting after the beep: 1.5 s of 500 Hz, then #
        seq = dtmf(ua.rtp, dst, "9", seq, 20000, ssrc)
        capture(ua.rtp, 2, 0.3)
        ts = 0
        for f in range(75):
            pay = bytes(ulaw_enc(int(12000 * math.sin(2 * math.pi * 500 * (f * 160 + i) / 8000)))
                        for i in range(160))
            ua.rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xffff, ts, ssrc) + pay, dst)
            seq, ts = seq + 1, ts + 160
            time.sleep(0.02)
        seq = dtmf(ua.rtp, dst, "#", seq, 40000, ssrc)
        capture(ua.rtp, 2, 0.3)
    bye, _ = ua.request("BYE", contact, frm, final.get("to"), callid, 2)
    ua.send(bye)
    r = ua.recv(lambda m: not m.is_req and m.method == "BYE", timeout=5)
    check(r is not None and r.status == 200, "the BYE got 200")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["leave", "listen"])
    ap.add_argument("--caller", default="alice")
    ap.add_argument("--number", default="*98")
    ap.add_argument("--keys", default="", help="keys sent after the first prompt (a PIN)")
    ap.add_argument("--greeting", action="store_true", help="then record a greeting (9)")
    ap.add_argument("--keys-only", action="store_true", help="then hang up")
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--callee", default="bob")
    ap.add_argument("--mode", default="noanswer", choices=["noanswer", "busy", "offline"])
    ap.add_argument("--heard", required=True)
    ap.add_argument("--tone-seconds", type=float, default=3)
    ap.add_argument("--expect-after", type=float, default=0)
    ap.add_argument("--hangup-during-greeting", action="store_true")
    args = ap.parse_args()
    (leave if args.what == "leave" else listen)(args)
    sys.exit(1 if relay_ua.FAILS else 0)


if __name__ == "__main__":
    main()
