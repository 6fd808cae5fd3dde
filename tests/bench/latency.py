#!/usr/bin/env python3
"""tests/bench/latency.py PCAP SERVER_PORT CALLER_PORT: INVITE->200 latency of calls through a
proxy, read from a loopback capture (tcpdump -i lo -w PCAP udp).

For every Call-ID it takes the first INVITE the caller sent to the server and the first 200 (to
the INVITE) the server sent back to the caller: that is what the caller waits for.  It also splits
out the server's own share: INVITE in -> INVITE out (to the callee) and 200 in -> 200 out.
Prints count and p50/p99/max in microseconds of each.  No third-party modules."""
import re
import struct
import sys


def packets(path):
    """Yield (time, sport, dport, payload) of the UDP/IPv4 packets in a pcap file."""
    with open(path, 'rb') as f:
        hdr = f.read(24)
        magic = struct.unpack('<I', hdr[:4])[0]
        nano = magic == 0xa1b23c4d
        link = struct.unpack('<I', hdr[20:24])[0]
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            sec, frac, incl, _ = struct.unpack('<IIII', ph)
            data = f.read(incl)
            t = sec + frac / (1e9 if nano else 1e6)
            off = {1: 14, 113: 16, 0: 4, 276: 20}.get(link, 14)
            ip = data[off:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            sport, dport = struct.unpack('>HH', ip[ihl:ihl + 4])
            yield t, sport, dport, ip[ihl + 8:]


CALLID = re.compile(rb'^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)', re.I | re.M)
CSEQ = re.compile(rb'^CSeq[ \t]*:[ \t]*\d+[ \t]+(\S+)', re.I | re.M)


def pct(v, p):
    if not v:
        return 0
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def main():
    path, server, caller = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    inv_in, inv_out, ok_in, ok_out = {}, {}, {}, {}
    for t, sp, dp, pl in packets(path):
        m = CALLID.search(pl)
        cs = CSEQ.search(pl)
        if not m or not cs or cs.group(1) != b'INVITE':
            continue
        cid = m.group(1)
        if pl.startswith(b'INVITE '):
            if sp == caller and dp == server:
                inv_in.setdefault(cid, t)
            elif sp == server and dp != caller:
                inv_out.setdefault(cid, t)
        elif pl.startswith(b'SIP/2.0 200'):
            if sp == server and dp == caller:
                ok_out.setdefault(cid, t)
            elif dp == server and sp != caller:
                ok_in.setdefault(cid, t)

    def series(a, b):
        return [(b[c] - a[c]) * 1e6 for c in a if c in b and b[c] >= a[c]]
    for name, v in (('invite->200', series(inv_in, ok_out)),
                    ('server INVITE in->out', series(inv_in, inv_out)),
                    ('server 200 in->out', series(ok_in, ok_out))):
        print(f"{name}: n={len(v)} p50={pct(v, 50):.0f}us p99={pct(v, 99):.0f}us "
              f"max={max(v) if v else 0:.0f}us")


if __name__ == '__main__':
    main()
