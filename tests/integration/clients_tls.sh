#!/bin/sh
# A real client over TLS: baresip (bob) registers with sipd over TLS, checking sipd's test
# certificate (made here with openssl) against its CA file, and receives a call from linphonec
# (carol, over UDP) down that TLS connection: the call is established on both sides and hung up.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
TESTDIR=$(cd "$(dirname "$0")" && pwd)
command -v openssl >/dev/null 2>&1 || { echo "clients_tls: SKIP: openssl not installed"; exit 77; }
CERTDIR=$(mktemp -d "${TMPDIR:-/tmp}/sipd-clients_tls-cert.XXXXXX") || exit 1
trap 'rm -rf "$CERTDIR"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$CERTDIR/key.pem" -out "$CERTDIR/cert.pem" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	{ echo "clients_tls: FAIL: openssl could not make a certificate"; exit 1; }
TLS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SIPD_EXTRA_LISTEN=", \"tls:127.0.0.1:$TLS_PORT\""
CLIENTS_SIPD_CONF="tls: { certificate = \"$CERTDIR/cert.pem\"; private_key = \"$CERTDIR/key.pem\"; };"
. "$TESTDIR/clientlib.sh"	# its exit trap replaces ours: the certificate moves into $TMP
mv "$CERTDIR/cert.pem" "$CERTDIR/key.pem" "${TMP:?}/" && rmdir "$CERTDIR"
sed -i "s|$CERTDIR/|$TMP/|g" "$TMP/sipd.conf"

bp=$(free_port) && lpp=$(free_port) || fail "no free ports for the clients"
BS_TRACE=1 BS_TRANSPORT=tls BS_EXTRA_CONFIG="sip_cafile		$TMP/cert.pem" \
	bs_start bob bob secret-bob 127.0.0.1 "$TLS_PORT" "$bp"
lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$lpp"
check "baresip (bob) registered over TLS" bs_wait_registered bob 10
check "linphonec (carol) registered" lp_wait_registered carol 10
check "sipd saw bob's REGISTER over TLS" grep -q "register aor=sip:bob@.* src=tls:127.0.0.1:" "$TMP/sipd.log"

lp_dial carol "sip:bob@127.0.0.1:$PORT"
check "bob's baresip sees the incoming call (over TLS)" bs_wait_incoming bob 15
check "the call is established at bob" bs_wait_established bob 10
check "the call is established at carol" lp_wait_established carol 10
check "sipd sent the INVITE to bob over TLS" \
	grep -q "method=INVITE from=sip:carol@.*status=200" "$TMP/sipd.log"
sleep 1		# pacing, not a wait: the call stays up a moment before bob hangs up
bs_hangup bob
check "carol sees the call end" lp_wait_closed carol 10
check "bob sees the call end" bs_wait_closed bob 10
stop_clients
finish
