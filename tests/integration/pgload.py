#!/usr/bin/env python3
"""pgload.py - REGISTER load for the pg_*.sh tests: one REGISTER at a time over UDP, each for
a fresh AOR (PREFIX-N@DOMAIN), to the nodes given (round robin), for SECONDS.  Writes one line
per REGISTER to OUT: "aor status" (status 0: no final answer within 1 s).  Stops early on
SIGTERM (the line in progress is not written)."""
import random, signal, socket, sys, time

def main():
    nodes = [(h, int(p)) for h, p in (a.rsplit(':', 1) for a in sys.argv[1].split(','))]
    domain, seconds, prefix, out = sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    lport = s.getsockname()[1]
    end = time.time() + seconds
    n = 0
    with open(out, 'w', buffering=1) as f:
        while time.time() < end and not stop:
            n += 1
            aor = 'sip:%s-%d@%s' % (prefix, n, domain)
            branch = 'z9hG4bK%x' % random.getrandbits(48)
            req = ('REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\n'
                   'Max-Forwards: 70\r\nFrom: <%s>;tag=t%d\r\nTo: <%s>\r\nCall-ID: %s-%d\r\n'
                   'CSeq: 1 REGISTER\r\nContact: <sip:%s-%d@127.0.0.1:%d>\r\nExpires: 600\r\n'
                   'Content-Length: 0\r\n\r\n' % (domain, lport, branch, aor, n, aor, prefix, n,
                                                  prefix, n, lport))
            s.sendto(req.encode(), nodes[n % len(nodes)])
            status, t_end = 0, time.time() + 1.0
            while time.time() < t_end and not stop:
                s.settimeout(max(0.01, t_end - time.time()))
                try:
                    data = s.recv(65535).decode('utf-8', 'replace')
                except socket.timeout:
                    break
                except InterruptedError:
                    continue
                if branch in data and data.startswith('SIP/2.0 '):
                    code = int(data[8:11])
                    if code >= 200:
                        status = code
                        break
            if stop:
                break
            f.write('%s %d\n' % (aor, status))

main()
