#!/bin/sh
# TLS (RFC 3261 26, RFC 5922): with a test certificate made here, sipd listens for TLS; a phone
# registers over TLS (checking sipd's certificate) and gets a UDP caller's call, ACK and BYE down
# its TLS connection, with a two-entry Record-Route (UDP side, TLS side).  TLS 1.1 is refused;
# a client that never finishes its handshake, or that starts a message and stalls, is dropped;
# a client that closes without close_notify is an ordinary EOF.  Outgoing TLS (a Contact with
# transport=tls) checks the server's certificate: a server whose certificate names 127.0.0.1
# gets the call, one whose certificate does not, does not.  tls.verify_client = 2 turns away a
# phone without a client certificate.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

make_cert server
make_cert other "DNS:elsewhere.test" elsewhere.test
TLS_PORT=$(free_port) || fail "no free port"
SIPD_EXTRA_LISTEN=", \"tls:127.0.0.1:$TLS_PORT\""
TLSCONF="tls: { certificate = \"$TMP/server.pem\"; private_key = \"$TMP/server.key\"; ca_file = \"$TMP/server.pem\"; handshake_timeout = 2; };"
start_sipd "$PROXY_NOAUTH" "$TLSCONF" 'limits: { stream_read_timeout = 2; };'
check "sipd logs its TLS listener" grep -q "listening on tls:127.0.0.1:$TLS_PORT" "$TMP/sipd.log"

PHONE_PORT=$TLS_PORT phone bob sip:bob@127.0.0.1 --proto tls --listener --ca "$TMP/server.pem"
ok "bob registered over TLS, sipd's certificate verified against the test CA"
same "$(bindings bob | cut -d'|' -f2,3 | cut -d: -f1)" "1|tls" "bob's binding: received over tls"
call "sip:bob@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "a UDP caller's INVITE to bob (TLS) is answered"
same "$(received bob INVITE)" 1 "the INVITE reached bob down his TLS connection"
same "$(received bob ACK)" 1 "the caller's ACK reached bob"
same "$(received bob BYE)" 1 "the caller's BYE reached bob"
inv=$(msgs bob in INVITE | head -n 1)
rr=$(hdr "$inv" Record-Route | tr '\n' ' ')
say "bob's INVITE: Record-Route $rr"
check "Record-Route: the TLS side (port $TLS_PORT;transport=tls) and the UDP side (port $PORT)" \
	sh -c "printf '%s' '$rr' | grep -q ':$TLS_PORT;lr;transport=tls>' && printf '%s' '$rr' | grep -q ':$PORT;lr>'"
check "the INVITE's top Via names TLS" sh -c "hdr_v=\$(grep -i '^Via:' '$inv' | head -n 1); echo \"\$hdr_v\" | grep -q 'SIP/2.0/TLS'"

# A caller on TLS whose Contact leads nowhere (a phone behind NAT): the callee's BYE comes back
# to it down its TLS connection, found through the flow token in sipd's Record-Route.
callee carol-udp sip:carolu@127.0.0.1 --invite 180,200 --hangup 0.5
mkdir -p "$TMP/tlscaller"
timeout 30 $FLOWPHONE --port "$TLS_PORT" --proto tls --ca "$TMP/server.pem" --name tlscaller --aor - \
    --dir "$TMP/tlscaller" --contact "sip:tlscaller@127.0.0.99:5999;transport=tls" \
    --call "sip:carolu@127.0.0.1:$PORT" --wait-bye 8 >"$TMP/tlscaller.out" 2>&1
same "$(cat "$TMP/tlscaller/final" 2>/dev/null)" 200 "a TLS caller's INVITE to a UDP phone is answered"
same "$(received tlscaller BYE)" 1 "the callee's BYE reached the TLS caller down its connection (flow token)"

# Protocol versions and misbehaving clients.
"$PYTHON" - "$TLS_PORT" >"$TMP/tls11.out" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
except (ValueError, AttributeError):
    print("cannot-test"); sys.exit(0)
try:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    print("handshake-ok", s.version())
except (ssl.SSLError, OSError) as e:
    print("refused", e)
PY
say "TLS 1.1 client: $(cat "$TMP/tls11.out")"
check "a TLS 1.1 client is refused" grep -qE '^(refused|cannot-test)' "$TMP/tls11.out"

"$PYTHON" - "$TLS_PORT" >"$TMP/slow.out" 2>&1 <<'PY'
import socket, ssl, sys, time
port = int(sys.argv[1])
# a TCP connection to the TLS port that never says hello
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(8)
t0 = time.monotonic()
try:
    d = s.recv(100)
    print("no-hello closed after %.1f s (%d bytes)" % (time.monotonic() - t0, len(d)))
except socket.timeout:
    print("no-hello still open after 8 s")
except OSError:
    print("no-hello closed after %.1f s (reset)" % (time.monotonic() - t0))
# a TLS client that starts a message and stalls
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
c.sendall(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;bra")
c.settimeout(8)
t0 = time.monotonic()
try:
    d = c.recv(100)
    print("stalled closed after %.1f s (%d bytes)" % (time.monotonic() - t0, len(d)))
except socket.timeout:
    print("stalled still open after 8 s")
except (OSError, ssl.SSLError):
    print("stalled closed after %.1f s (reset)" % (time.monotonic() - t0))
# a TLS client that sends an OPTIONS, reads the answer and closes without close_notify
c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
c.sendall(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-dirty\r\n"
          b"Max-Forwards: 70\r\nFrom: <sip:d@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
          b"Call-ID: dirty-eof\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
c.settimeout(5)
print("dirty:", c.recv(4096).split(b"\r\n", 1)[0].decode())
c.unwrap if False else None
raw = c.detach() if hasattr(c, "detach") else None
socket.socket(fileno=raw).close() if raw is not None else c.close()
PY
say "$(tr '\n' ';' <"$TMP/slow.out")"
check "a connection that never starts its handshake is dropped (handshake_timeout = 2 s)" \
	grep -qE '^no-hello closed after [1-4]\.' "$TMP/slow.out"
check "a TLS client stalling in mid-message is dropped (stream_read_timeout = 2 s)" \
	grep -qE '^stalled closed after [1-4]\.' "$TMP/slow.out"
check "an OPTIONS over TLS is answered" grep -q '^dirty: SIP/2.0 200' "$TMP/slow.out"
check "the log says the handshake timed out" wait_log "handshake not done in time" 1 2
check "a close without close_notify is an ordinary EOF (no TLS error logged)" \
	sh -c "! grep -q 'tls: .*unexpected eof' '$TMP/sipd.log'"
check "sipd still answers over UDP" probe_ok udp

# Outgoing TLS: carol's Contact says transport=tls; sipd opens a TLS connection and checks that
# the certificate names the address it dials.
tls_server good server
register carol-reg "$(free_port)" "sip:carol@127.0.0.1" "sip:carol@127.0.0.1:$SRV_PORT;transport=tls" >/dev/null
call "sip:carol@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "INVITE to carol's transport=tls Contact: sipd connected over TLS, certificate accepted"
check "carol's TLS server got the INVITE" grep -q '^in INVITE ' "$TMP/good/log"

tls_server bad other
register dave-reg "$(free_port)" "sip:dave@127.0.0.1" "sip:dave@127.0.0.1:$SRV_PORT;transport=tls" >/dev/null
call "sip:dave@127.0.0.1:$PORT"
code=$CODE
case $code in 5??) ok "INVITE to dave (certificate for elsewhere.test): $code" ;;
*) not_ok "INVITE to dave (certificate for elsewhere.test): got '$code', want a 5xx" ;; esac
check "... at once ($SECS s): the failed handshake ends the transaction (RFC 3261 17.1.4)" \
	test $SECS -le 5
check "dave's server, whose certificate does not name 127.0.0.1, never got the INVITE" \
	sh -c "! grep -q '^in INVITE ' '$TMP/bad/log'"
check "sipd's log names the certificate failure" grep -q "certificate verify failed" "$TMP/sipd.log"

# A renewed certificate is served after SIGHUP; a reload naming a missing one is refused whole.
peer_cn() {
	"$PYTHON" - "$TLS_PORT" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5))
from ssl import DER_cert_to_PEM_cert
import subprocess
pem = DER_cert_to_PEM_cert(s.getpeercert(binary_form=True))
print(subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem.encode(),
                     capture_output=True).stdout.decode().strip())
PY
}
same "$(peer_cn)" "subject=CN = sipd.test" "before the reload: the first certificate"
make_cert renewed "IP:127.0.0.1" renewed.test
cp "$TMP/renewed.pem" "$TMP/server.pem"
cp "$TMP/renewed.key" "$TMP/server.key"
n=$(grep -c 'reloaded' "$TMP/sipd.log")
kill -HUP "$SIPD_PID"
wait_log reloaded $((n + 1)) 5
same "$(peer_cn)" "subject=CN = renewed.test" "after SIGHUP: the renewed certificate"
same "$(received bob OPTIONS)$(kill -0 "$(phone_pid bob)" 2>/dev/null && echo up)" "0up" "bob's TLS connection lived through the reload"
sed -i "s|$TMP/server.pem|$TMP/missing.pem|" "$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
check "a reload naming a missing certificate is refused" wait_log "keeping the running" 1 5
same "$(peer_cn)" "subject=CN = renewed.test" "... and TLS goes on with the certificate in force"
sed -i "s|$TMP/missing.pem|$TMP/server.pem|" "$TMP/sipd.conf"

# Client certificates required: a phone without one cannot register.
stop_sipd
sed -i 's/handshake_timeout = 2;/handshake_timeout = 2; verify_client = 2;/' "$TMP/sipd.conf"
launch_sipd "verify_client = 2"
mkdir -p "$TMP/nocert"
timeout 10 $FLOWPHONE --port "$TLS_PORT" --proto tls --name nocert --aor sip:nocert@127.0.0.1 \
    --dir "$TMP/nocert" --time 1 >"$TMP/nocert.out" 2>&1
check "verify_client = 2: a phone without a client certificate does not register" test ! -e "$TMP/nocert/ready"
finish
