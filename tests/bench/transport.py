#!/usr/bin/env python3
"""tests/bench/transport.py SIPD_PID PORT TLS_PORT COUNT CONNS: REGISTER cost per transport.

For each of udp, tcp and tls: COUNT REGISTER refreshes (no authentication) sent one after the
other over one socket / connection, each waiting for its 200; then (tcp, tls) CONNS new
connections that each register once and close.  Prints, per run, the rate and sipd's CPU time
per REGISTER (from /proc/SIPD_PID/stat), and the tls/udp and tcp/udp ratios of that CPU time:
the reference is UDP measured in the same run.
"""
import os
import socket
import ssl
import sys
import time

pid, port, tls_port, count, conns = (int(x) for x in sys.argv[1:6])
TCK = os.sysconf("SC_CLK_TCK")
CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK


def register(proto, lport, n, user):
    return ("REGISTER sip:bench.local SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK-b%d-%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:%s@bench.local>;tag=b\r\nTo: <sip:%s@bench.local>\r\n"
            "Call-ID: bench-%s\r\nCSeq: %d REGISTER\r\nContact: <sip:%s@127.0.0.1:%d;transport=%s>\r\n"
            "Expires: 600\r\nContent-Length: 0\r\n\r\n" % (proto.upper(), lport, n, os.getpid(),
                                                          user, user, user, n, user, lport, proto)).encode()


def stream_recv(s, buf):
    while b"\r\n\r\n" not in buf:
        d = s.recv(65535)
        if not d:
            raise OSError("closed")
        buf += d
    end = buf.index(b"\r\n\r\n") + 4
    return buf[:end], buf[end:]


def connect(proto, p):
    s = socket.create_connection(("127.0.0.1", p))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return CTX.wrap_socket(s) if proto == "tls" else s


def refreshes(proto):
    p = tls_port if proto == "tls" else port
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", p))
    else:
        s = connect(proto, p)
    lport = s.getsockname()[1]
    buf = b""
    c0, t0 = cpu(), time.monotonic()
    for n in range(1, count + 1):
        s.sendall(register(proto, lport, n, "r" + proto))
        if proto == "udp":
            r = s.recv(65535)
        else:
            r, buf = stream_recv(s, buf)
        assert r.startswith(b"SIP/2.0 200"), r[:40]
    c1, t1 = cpu(), time.monotonic()
    s.close()
    return count / (t1 - t0), (c1 - c0) / count * 1e6


def new_connections(proto):
    p = tls_port if proto == "tls" else port
    c0, t0 = cpu(), time.monotonic()
    for n in range(conns):
        s = connect(proto, p)
        s.sendall(register(proto, s.getsockname()[1], 1, "c%s%d" % (proto, n)))
        r, _ = stream_recv(s, b"")
        assert r.startswith(b"SIP/2.0 200"), r[:40]
        s.close()
    c1, t1 = cpu(), time.monotonic()
    return conns / (t1 - t0), (c1 - c0) / conns * 1e6


res = {}
for proto in ("udp", "tcp", "tls"):
    rate, us = refreshes(proto)
    res[proto] = us
    print("refresh %-3s count=%d rate=%.0f/s sipd_cpu_us_per_register=%.1f" % (proto, count, rate, us))
for proto in ("tcp", "tls"):
    rate, us = new_connections(proto)
    res["new-" + proto] = us
    print("new-connection %-3s conns=%d rate=%.0f/s sipd_cpu_us_per_connection+register=%.1f" % (
        proto, conns, rate, us))
print("ratios (reference: udp refresh, same run): tcp=%.2f tls=%.2f new-tcp=%.2f new-tls=%.2f" % (
    res["tcp"] / res["udp"], res["tls"] / res["udp"], res["new-tcp"] / res["udp"],
    res["new-tls"] / res["udp"]))
