#!/usr/bin/env python3
"""tlsuas.py PORT CERT KEY DIR - a TLS SIP server for sipd's TLS tests: listens on 127.0.0.1:PORT
with CERT/KEY, answers every request but ACK with 200 (To tag added, Contact on itself), logs
"sni NAME" for each handshake's server name, "in START-LINE" for each message and "handshake
failed ..." into DIR/log; DIR/up appears once it listens.  Exits after 30 s without a connection.
"""
import os, re, socket, ssl, sys
port, cert, key, d = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
sni_log = []
ctx.sni_callback = lambda so, name, c: sni_log.append(name)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(5)
open(os.path.join(d, "up"), "w").close()
log = open(os.path.join(d, "log"), "a")
ls.settimeout(30)
while True:
    try:
        raw, _ = ls.accept()
    except socket.timeout:
        break
    try:
        c = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError) as e:
        log.write("handshake failed %s\n" % e); log.flush()
        continue
    finally:
        for n in sni_log:
            log.write("sni %s\n" % n)
        log.flush()
        del sni_log[:]
    buf = b""
    c.settimeout(10)
    while True:
        try:
            d2 = c.recv(65535)
        except (OSError, ssl.SSLError):
            break
        if not d2:
            break
        buf += d2
        while b"\r\n\r\n" in buf:
            end = buf.index(b"\r\n\r\n")
            cl = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", buf[:end])
            total = end + 4 + (int(cl.group(1)) if cl else 0)
            if len(buf) < total:
                break
            m, buf = buf[:total], buf[total:]
            log.write("in %s\n" % m.split(b"\r\n", 1)[0].decode()); log.flush()
            if m.startswith(b"SIP/") or m.startswith(b"ACK "):
                continue
            keep = [l for l in m.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]
                    if l.split(b":")[0].lower() in (b"via", b"from", b"to", b"call-id", b"cseq", b"record-route")]
            keep = [l + b";tag=srv" if l.lower().startswith(b"to:") else l for l in keep]
            c.sendall(b"SIP/2.0 200 OK\r\n" + b"\r\n".join(keep) +
                      b"\r\nContact: <sip:srv@127.0.0.1:%d;transport=tls>\r\nContent-Length: 0\r\n\r\n" % port)
