#!/usr/bin/env python3
"""presence_fanout.py - benchmark (not a test): NOTIFY fan-out of sipd's presence agent.

Starts its own sipd (--sipd, --sipctl) on a free port with a temp database, adds user alice,
makes --watchers subscriptions to alice from one UDP socket (as alice's own phones would;
auth.calls = 0), answers every NOTIFY with 200, then PUBLISHes a PIDF for alice and
measures the time from the PUBLISH to the last NOTIFY answered, sipd's CPU time over that
span per NOTIFY, and sipd's RSS growth per subscription.  Prints one line per figure."""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def answer(sock, data, addr):
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
    keep = [l for l in head if l.split(b":", 1)[0].strip().lower() in (b"via", b"from", b"to", b"call-id", b"cseq")]
    sock.sendto(b"SIP/2.0 200 OK\r\n" + b"\r\n".join(keep) + b"\r\nContent-Length: 0\r\n\r\n", addr)


def pump(sock, until, want_notifies, want_final):
    """Receive until want_notifies NOTIFYs and want_final final responses arrived (or until)."""
    n = f = 0
    last = None
    while time.time() < until and (n < want_notifies or f < want_final):
        sock.settimeout(0.2)
        try:
            data, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        if data.startswith(b"NOTIFY"):
            answer(sock, data, addr)
            n += 1
            last = time.time()
        elif data.startswith(b"SIP/2.0 ") and int(data.split()[1]) >= 200:
            f += 1
    return n, f, last


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sipd", default="./sipd")
    ap.add_argument("--sipctl", default="./sipctl")
    ap.add_argument("--watchers", type=int, default=1000)
    ap.add_argument("--per-watcher", type=int, default=100000,
                    help="subs.max_per_watcher (a storm from one address: 100, the default)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="fanout.")
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    conf = os.path.join(tmp, "sipd.conf")
    open(conf, "w").write('sip: { listen = [ "udp:127.0.0.1:%d" ]; domains = [ "example.test" ]; };\n'
                          'log: { level = "notice"; };\ndatabase: { path = "%s/sipd.db"; };\n'
                          'auth: { register = 0; calls = 0; };\nflood: { rate = 100000; burst = 100000; };\n'
                          'subs: { max_per_watcher = %d; max_total = 100000; };\n' % (port, tmp, a.per_watcher))
    subprocess.run([a.sipctl, "-c", conf, "user", "add", "alice"], input=b"pw\n", check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p = subprocess.Popen([a.sipd, "-f", "-c", conf], stdout=open(os.path.join(tmp, "log"), "w"),
                         stderr=subprocess.STDOUT)
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        lp = sock.getsockname()[1]
        time.sleep(1.0)
        rss0 = rss_kb(p.pid)
        n = f = 0
        for i in range(a.watchers):
            cid = "fan%d" % i
            sock.sendto(("SUBSCRIBE sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKf%d\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=t%d%d\r\nTo: <sip:alice@example.test>\r\n"
                         "Call-ID: %s\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:w@127.0.0.1:%d>\r\nEvent: presence\r\n"
                         "Expires: 3600\r\nContent-Length: 0\r\n\r\n" % (lp, i, i, i, cid, lp)).encode(),
                        ("127.0.0.1", port))
            if i % 50 == 49:
                dn, df, _ = pump(sock, time.time() + 0.05, 10 ** 9, 10 ** 9)
                n += dn
                f += df
        live = min(a.watchers, a.per_watcher)
        dn, df, _ = pump(sock, time.time() + 20, live - n, a.watchers - f)
        n += dn
        f += df
        time.sleep(0.5)
        rss1 = rss_kb(p.pid)
        body = ('<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.test">'
                '<tuple id="t"><status><basic>open</basic></status></tuple></presence>')
        c0 = cpu(p.pid)
        t0 = time.time()
        sock.sendto(("PUBLISH sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKpub\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=p\r\nTo: <sip:alice@example.test>\r\n"
                     "Call-ID: pub1\r\nCSeq: 1 PUBLISH\r\nEvent: presence\r\nExpires: 600\r\n"
                     "Content-Type: application/pidf+xml\r\nContent-Length: %d\r\n\r\n%s" % (lp, len(body), body)).encode(),
                    ("127.0.0.1", port))
        n2, f2, last = pump(sock, time.time() + 30, live, 1)
        time.sleep(0.3)
        c1 = cpu(p.pid)
        print("subscriptions: %d SUBSCRIBEs, %d final answers, %d initial NOTIFYs" % (a.watchers, f, n))
        print("rss: %d kB before, %d kB after: %.0f bytes per subscription (%d live)" % (
            rss0, rss1, (rss1 - rss0) * 1024.0 / max(1, live), live))
        if last:
            print("fan-out: PUBLISH -> last of %d NOTIFYs answered: %.1f ms" % (n2, (last - t0) * 1000))
        print("cpu: %.1f ms for the fan-out, %.1f us per NOTIFY" % ((c1 - c0) * 1000, (c1 - c0) * 1e6 / max(1, n2)))
    finally:
        p.terminate()
        p.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
