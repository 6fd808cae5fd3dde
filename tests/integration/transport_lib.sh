# transport_lib.sh - helpers for the TCP/TLS/NAT/outbound tests (transport_*.sh), sourced after
# lib.sh and proxy_lib.sh; not a test.
#
#   phone NAME AOR [flowphone.py options...]  start flowphone.py (see its header) in $TMP/NAME,
#                                             registered for AOR; returns once the 200 arrived
#   phone_pid NAME                            its pid
#   received NAME METHOD                      how many METHOD requests reached NAME
#   make_cert NAME [SAN]                      a self-signed test certificate $TMP/NAME.pem with its
#                                             key $TMP/NAME.key (default SAN: 127.0.0.1, ::1,
#                                             localhost, sipd.test)
#   call TO [uac options]                     a UDP caller (peer.py) in $TMP/caller-N that dials TO
#                                             and hangs up with a BYE; sets CODE (the INVITE's
#                                             final status) and SECS (how long it took, s)
#   tls_server NAME CERT                      tlsuas.py (a TLS SIP server answering 200) with
#                                             $TMP/CERT.pem on a free port ($SRV_PORT), logging
#                                             into $TMP/NAME/log
#   bindings USER                             rows of USER's AOR in the database: "contact|nat|received"

[ -n "${TESTDIR:-}" ] || { echo "transport_lib.sh is sourced by the transport tests, it is not a test"; exit 77; }

FLOWPHONE="$PYTHON $TESTDIR/flowphone.py"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the CLI) not installed"

phone() {
	_pn=$1 _pa=$2
	shift 2
	mkdir -p "$TMP/$_pn"
	spawn $FLOWPHONE --port "${PHONE_PORT:-$PORT}" --name "$_pn" --aor "$_pa" --dir "$TMP/$_pn" \
	    --time 120 "$@"
	echo "$BG_PID" >"$TMP/$_pn/pid"
	wait_until 10 phone_up "$_pn" || fail "phone $_pn did not register within 10 s"
	[ -e "$TMP/$_pn/ready" ] || fail "phone $_pn did not register"
	say "phone $_pn registered as $_pa ($*)"
}

phone_pid() { cat "$TMP/$1/pid"; }
# phone_up NAME: phone NAME has registered, or it has exited
phone_up() { [ -e "$TMP/$1/ready" ] || gone "$(phone_pid "$1")"; }
# conns_closed: how many stream connections sipd has logged closed (debug level)
conns_closed() { grep -cE '(tcp|tls) conn [0-9]+ closed' "$TMP/sipd.log"; }
closed_more() { [ "$(conns_closed)" -gt "$1" ]; }
# phone_dies NAME: kill phone NAME and wait (5 s at most) until sipd has closed a connection
# since, its flow (a stream phone's)
phone_dies() {
	_pd=$(conns_closed)
	kill "$(phone_pid "$1")"
	wait_until 5 closed_more "$_pd" || not_ok "sipd did not see $1's connection close"
}

received() { grep -c "^in [0-9]* $2 " "$TMP/$1/log" 2>/dev/null || true; }

make_cert() {
	command -v openssl >/dev/null 2>&1 || skip "openssl (the CLI) not installed"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	    -subj "/CN=${3:-sipd.test}" -keyout "$TMP/$1.key" -out "$TMP/$1.pem" \
	    -addext "subjectAltName=${2:-IP:127.0.0.1,IP:::1,DNS:localhost,DNS:sipd.test}" \
	    >"$TMP/$1.openssl.log" 2>&1 || fail "openssl could not make a test certificate"
}

CALLN=0
call() {
	_to=$1
	shift
	CALLN=$((CALLN + 1))
	CALLER=caller-$CALLN
	_t0=$(date +%s)
	dial "$CALLER" --to "$_to" --bye "$@"
	SECS=$(($(date +%s) - _t0))
	CODE=$(codes "$CALLER" in INVITE | tr ' ' '\n' | grep -v '^1' | tail -n 1)
}

bindings() {
	db "SELECT contact, nat, received_proto || ':' || received_ip || ':' || received_port FROM location WHERE aor LIKE 'sip:$1@%' ORDER BY contact"
}

tls_server() {	# tls_server NAME CERT: a TLS UAS on a free port, in $TMP/NAME; port in $SRV_PORT
	SRV_PORT=$(free_port)
	mkdir -p "$TMP/$1"
	spawn "$PYTHON" "$TESTDIR/tlsuas.py" "$SRV_PORT" "$TMP/$2.pem" "$TMP/$2.key" "$TMP/$1"
	wait_until 5 test -e "$TMP/$1/up"
}
