#!/usr/bin/env python3
"""relay_calls.py - set up N relayed calls on sipd for rtpblast (tests/bench/relay.sh).

  relay_calls.py --server-port P --calls N --out calls.txt

bob registers with sipd, then alice calls him N times (INVITE / 200 / ACK, dialogs left up).
Call i: side A's media is 127.0.0.2:(20000+2i), side B's 127.0.0.3:(20000+2i), as rtpblast's
README asks; RELAY_A is the port in the 200 alice gets, RELAY_B the one in the INVITE bob gets.
Writes rtpblast's call list, one line per call.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import relay_ua as ua  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-port", type=int, required=True)
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not 0 < a.calls <= 5000:
        sys.exit("1..5000 calls")
    server = ("127.0.0.1", a.server_port)
    alice = ua.Phone("alice", "127.0.0.1", server, 5.0)
    bob = ua.Phone("bob", "127.0.0.1", server, 5.0)
    if bob.register("sip:bob@127.0.0.1:%d" % a.server_port) != 200:
        sys.exit("bob could not register")
    lines = []
    for i in range(a.calls):
        port = 20000 + 2 * i
        c = ua.Call(alice, bob, server, "b%d-" % i)
        inv = c.invite(ua.sdp("127.0.0.2", port))
        if inv is None:
            sys.exit("call %d: no INVITE at bob" % i)
        rb = ua.sdp_media(inv.body)
        bob.reply(inv, 200, "OK", c.btag, ua.sdp("127.0.0.3", port))
        r = c.a_final()
        if r is None or r.status != 200:
            sys.exit("call %d: no 200 at alice" % i)
        ra = ua.sdp_media(r.body)
        c.a_ack(r)
        lines.append("127.0.0.2:%d %s:%d %s:%d 127.0.0.3:%d %s" % (
            port, ra[0], ra[1][0][1], rb[0], rb[1][0][1], port, c.callid))
        alice.queue.clear()
        bob.queue.clear()
    with open(a.out, "w") as fh:
        fh.write("# A_LOCAL RELAY_A RELAY_B B_LOCAL CALL_ID\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
