#!/bin/sh
# Outgoing TLS to other domains (RFC 3263 + RFC 5922): a dnsmasq on 127.0.0.1 serves
#   secure.test             NAPTR 10 10 "S" "SIPS+D2T" "" _sips._tcp.secure.test
#   _sips._tcp.secure.test  SRV 10 10 PORTG s.secure.test
#   _sips._tcp.wrong.test   SRV 10 10 PORTB s.secure.test   (no NAPTR: SRV fallback)
#   s.secure.test           A 127.0.0.1
# and two TLS servers (tlsuas.py) both hold a certificate for secure.test only (tls.ca_file).
# A call to sips:bob@secure.test finds the TLS server by NAPTR and SRV, asks for secure.test by
# SNI, checks the certificate against the domain and is answered.  A call to
# sip:carol@wrong.test;transport=tls reaches a server whose certificate does not name
# wrong.test: sipd refuses the connection and the caller gets a 5xx at once, the server never
# sees the INVITE.  Runs in a network namespace holding only loopback.
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"
DNSMASQ=$(command -v dnsmasq 2>/dev/null || true)
[ -n "$DNSMASQ" ] || { [ -x /usr/sbin/dnsmasq ] && DNSMASQ=/usr/sbin/dnsmasq; }
[ -n "$DNSMASQ" ] || skip "dnsmasq not installed (Debian: dnsmasq-base)"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

make_cert secure "DNS:secure.test" secure.test
tls_server good secure
PORTG=$SRV_PORT
tls_server bad secure
PORTB=$SRV_PORT

DNSPORT=$(free_port) || fail "no free port for dnsmasq"
spawn "$DNSMASQ" --no-daemon --port="$DNSPORT" --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --conf-file=/dev/null --log-queries --log-facility=- --local=/test/ \
	--naptr-record=secure.test,10,10,S,SIPS+D2T,,_sips._tcp.secure.test \
	--srv-host=_sips._tcp.secure.test,s.secure.test,"$PORTG",10,10 \
	--srv-host=_sips._tcp.wrong.test,s.secure.test,"$PORTB",10,10 \
	--host-record=s.secure.test,127.0.0.1 2>>"$TMP/dnsmasq.log"
# dnsmasq says "started" once its sockets are bound
dns_up() { grep -q 'started' "$TMP/dnsmasq.log" || gone "$BG_PID"; }
wait_until 5 dns_up
kill -0 "$BG_PID" 2>/dev/null || { cat "$TMP/dnsmasq.log"; fail "dnsmasq did not start"; }

start_sipd "dns: { servers = [ \"127.0.0.1:$DNSPORT\" ]; };" \
	'auth: { register = 0; calls = 0; trusted = [ "127.0.0.1/32" ]; };' \
	"tls: { ca_file = \"$TMP/secure.pem\"; };" 'timers: { t1 = 100; };'

call "sips:bob@secure.test"; code=$CODE
same "$code" 200 "a call to sips:bob@secure.test is answered over TLS"
check "the server got the INVITE with its Request-URI unchanged" grep -q '^in INVITE sips:bob@secure.test SIP/2.0' "$TMP/good/log"
check "sipd asked for secure.test by SNI" grep -q '^sni secure.test$' "$TMP/good/log"
check "it got there by NAPTR (SIPS+D2T) and SRV" grep -q 'query\[SRV\] _sips._tcp.secure.test' "$TMP/dnsmasq.log"
check "the caller's ACK and BYE reached the server" sh -c "grep -q '^in ACK ' '$TMP/good/log' && grep -q '^in BYE ' '$TMP/good/log'"

call "sip:carol@wrong.test;transport=tls"
code=$CODE
case $code in 5??) ok "a call to wrong.test, whose server's certificate names secure.test only: $code" ;;
*) not_ok "a call to wrong.test: got '$code', want a 5xx" ;; esac
check "... at once ($SECS s)" test $SECS -le 5
check "that server never saw the INVITE" sh -c "! grep -q '^in INVITE' '$TMP/bad/log'"
check "sipd asked it for wrong.test by SNI" grep -q '^sni wrong.test$' "$TMP/bad/log"
check "sipd's log names the certificate failure" grep -q "certificate verify failed" "$TMP/sipd.log"
finish
