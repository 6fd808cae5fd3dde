#!/bin/sh
# A certificate and no TLS listener in sip.listen: sipd listens for TLS on port 5061 (RFC 3261
# 19.1.2) of the wildcard address of each family it listens on, and logs it; a TLS client on
# 127.0.0.1:5061 gets its OPTIONS answered.  Runs in a network namespace (5061 is free there).
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

make_cert server
start_sipd "tls: { certificate = \"$TMP/server.pem\"; private_key = \"$TMP/server.key\"; };"
check "sipd logs its default TLS listener" grep -q "listening on tls:0.0.0.0:5061" "$TMP/sipd.log"
"$PYTHON" - <<'PY' >"$TMP/opt.out" 2>&1
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", 5061), timeout=5))
c.sendall(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-def\r\n"
          b"Max-Forwards: 70\r\nFrom: <sip:d@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
          b"Call-ID: default-tls\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
print(c.recv(4096).split(b"\r\n", 1)[0].decode(), c.version())
PY
say "TLS on 127.0.0.1:5061: $(cat "$TMP/opt.out")"
check "an OPTIONS over TLS to port 5061 is answered 200" grep -q '^SIP/2.0 200' "$TMP/opt.out"
check "... over TLS 1.2 or later" grep -qE 'TLSv1\.[23]' "$TMP/opt.out"
finish
