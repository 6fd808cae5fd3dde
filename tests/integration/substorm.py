#!/usr/bin/env python3
"""A SUBSCRIBE storm for presence_storm.sh: raw UDP, paced in bursts (each burst waits for
its answers, at most --wait s), bounded in count and time.

  substorm.py PORT RESOURCE SRC_IP [PHASE:COUNT:FROM ...] [--end N] [--save F | --load F]

PHASE:COUNT:FROM sends COUNT initial SUBSCRIBEs (Event: presence, Expires: 600, a new
Call-ID each) from FROM ("sip:x%d@h": %d numbered, i % --cycle).  NOTIFYs are answered 200.
--end N: afterwards, N of the accepted subscriptions are ended (Expires: 0); --save FILE
keeps the others' dialogs for a later run's --load FILE (which ends --end N of them).
Prints one line per phase "NAME CODE:N ...", then "notify N" and "end CODE:N ...".
"""
import argparse
import random
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("resource")
ap.add_argument("src")
ap.add_argument("phases", nargs="*")
ap.add_argument("--save", default="")
ap.add_argument("--load", default="")
ap.add_argument("--end", type=int, default=0)
ap.add_argument("--burst", type=int, default=250)
ap.add_argument("--wait", type=float, default=5.0)
ap.add_argument("--cycle", type=int, default=40)
ap.add_argument("--deadline", type=float, default=60.0)
a = ap.parse_args()

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind((a.src, 0))
lp = s.getsockname()[1]
server = ("127.0.0.1", a.port)
run = "%08x" % random.getrandbits(32)
deadline = time.time() + a.deadline
notifies = 0
pending = {}		# call-id -> phase name, until answered
codes = {}		# phase -> {code: n}
accepted = []		# (call-id, from, to with tag, cseq)
n = 0


def head(d, name):
    for line in d.split("\r\n\r\n")[0].split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name:
            return v.strip()
    return ""


def request(cid, frm, to, cseq, expires):
    global n
    n += 1
    return ("SUBSCRIBE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKst%s-%d\r\n"
            "Max-Forwards: 70\r\nFrom: <%s>;tag=f%s\r\nTo: %s\r\nCall-ID: %s\r\n"
            "CSeq: %d SUBSCRIBE\r\nContact: <sip:w@%s:%d>\r\nEvent: presence\r\n"
            "Expires: %d\r\nContent-Length: 0\r\n\r\n" % (
                a.resource, a.src, lp, run, n, frm, cid, to, cid, cseq, a.src, lp,
                expires)).encode()


def receive(limit, drain=False):
    """Answers and NOTIFYs until nothing is pending (drain: regardless) or limit passes."""
    global notifies
    while (pending or drain) and time.time() < min(limit, deadline + 2):
        s.settimeout(0.2)
        try:
            d = s.recv(65535).decode(errors="replace")
        except socket.timeout:
            continue
        if d.startswith("SIP/2.0 "):
            code = d.split()[1]
            if code < "200":
                continue
            cid = head(d, "call-id")
            phase = pending.pop(cid, None)
            if phase is None:
                continue
            codes.setdefault(phase, {})
            codes[phase][code] = codes[phase].get(code, 0) + 1
            if code == "200" and phase != "end":
                accepted.append((cid, head(d, "from"), head(d, "to")))
        elif d.startswith("NOTIFY"):
            notifies += 1
            keep = [l for l in d.split("\r\n\r\n")[0].split("\r\n")[1:]
                    if l.split(":")[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
            s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                      "\r\nContent-Length: 0\r\n\r\n").encode(), server)


def send_all(items):
    """items: (phase, call-id, bytes); sent in bursts, each burst's answers awaited."""
    for i in range(0, len(items), a.burst):
        for phase, cid, msg in items[i:i + a.burst]:
            pending[cid] = phase
            s.sendto(msg, server)
        receive(time.time() + a.wait)
        if time.time() >= deadline:
            break


t0 = time.time()
for spec in a.phases:
    name, count, frm = spec.split(":", 2)
    items = []
    for i in range(int(count)):
        cid = "st%s-%s-%d" % (run, name, i)
        f = frm.replace("%d", str(i % a.cycle)) if "%d" in frm else frm
        items.append((name, cid, request(cid, f, "<%s>" % a.resource, 1, 600)))
    send_all(items)
    c = codes.get(name, {})
    print(name, " ".join("%s:%d" % kv for kv in sorted(c.items())) or "-",
          "unanswered:%d" % sum(1 for p in pending.values() if p == name))
    pending.clear()
print("notify", notifies)
if a.save:
    with open(a.save, "w") as f:
        f.writelines("%s\t%s\t%s\n" % x for x in accepted[a.end:])
if a.load:
    with open(a.load) as f:
        accepted = [tuple(l.rstrip("\n").split("\t")) for l in f]
ends = []
for cid, frm, to in accepted[:a.end]:
    uri = frm[frm.index("<") + 1:frm.index(">")]
    ends.append(("end", cid, request(cid, uri, to, 2, 0)))
send_all(ends)
receive(time.time() + 1.0, True)	# the terminated NOTIFYs
c = codes.get("end", {})
print("end", " ".join("%s:%d" % kv for kv in sorted(c.items())) or "-")
print("seconds %.1f" % (time.time() - t0), file=sys.stderr)
