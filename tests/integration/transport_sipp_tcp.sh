#!/bin/sh
# SIPp over TCP on both sides (Debian's SIPp has no TLS: "sipp -v" names no TLS, so TLS is
# covered by python and baresip phones in transport_tls.sh and clients_tls.sh).  The callee registers over TCP a Contact
# with transport=tcp where its SIPp listens (-t t1); a SIPp caller over TCP makes CALLS calls:
# every INVITE, ACK and BYE reaches the callee over TCP, the caller gets 100/180/200 and the
# BYE's 200, and sipd's Record-Route names its TCP side.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"
command -v "${SIPP:-sipp}" >/dev/null 2>&1 || skip "sipp not installed"

CALLS=5
start_sipd "$PROXY_NOAUTH"
UASPORT=$(free_port) || fail "no free port"
{
	printf 'REGISTER sip:127.0.0.1:%s SIP/2.0\r\n' "$PORT"
	printf 'Via: SIP/2.0/TCP [local_ip]:[local_port];branch=[branch]\r\n'
	printf 'Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.1>;tag=[call_id]\r\nTo: <sip:bob@127.0.0.1>\r\n'
	printf 'Call-ID: [call_id]@tcpreg\r\nCSeq: 1 REGISTER\r\n'
	printf 'Contact: <sip:bob@127.0.0.1:%s;transport=tcp>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n' "$UASPORT"
} >"$TMP/reg.req"
$SIPSEND --subst -t tcp -p "$PORT" -n 1 -w 5 "$TMP/reg.req" >"$TMP/reg.resp" 2>&1
check "bob registered over TCP" grep -q '^SIP/2.0 200' "$TMP/reg.resp"

sipp_calls() {	# sipp_calls T: CALLS calls over transport T (t1 / l1) to a SIPp callee over T
	T=$1
	shift
	spawn timeout -k 5 60 "${SIPP:-sipp}" -sf "$SCENARIOS/proxy_uas.xml" -i 127.0.0.1 -p "$UASPORT" \
	    -t "$T" "$@" -m "$CALLS" -timeout 50s -timeout_error -nostdin -trace_err \
	    -error_file "$TMP/sipp-uas-$T.err" -trace_msg -message_file "$TMP/sipp-uas-$T.msg" \
	    >"$TMP/sipp-uas-$T.out" 2>&1
	UAS_PID=$BG_PID
	sipp_listening SOCK_STREAM "$UASPORT" "$UAS_PID" "$TMP/sipp-uas-$T.out"
	if run_sipp proxy_uac.xml "$CALLS" -s bob -t "$T" "$@"; then
		ok "$T caller: $CALLS calls INVITE/100/180/200/ACK/BYE/200 through sipd"
	else
		not_ok "$T caller: $CALLS calls through sipd"
		tail -n 5 "$TMP/sipp-proxy_uac.err" 2>/dev/null | sed 's/^/    | /'
	fi
	if ! wait_until 15 gone "$UAS_PID"; then
		not_ok "$T callee: sipp still running after the caller finished"
		stop_pid "$UAS_PID"
	else
		wait "$UAS_PID"
		check "$T callee: $CALLS calls completed (INVITE, ACK and BYE received)" test $? = 0
	fi
	sipp_split "$TMP/sipp-uas-$T.msg" "uas-$T"
	same "$(nmsgs "uas-$T" in INVITE)" "$CALLS" "$T callee: INVITEs received"
	same "$(nmsgs "uas-$T" in BYE)" "$CALLS" "$T callee: BYEs received"
	f=$(msgs "uas-$T" in INVITE | head -n 1)
	rr=$(hdr "$f" Record-Route | tr '\n' ' ')
	say "$T callee's INVITE: Record-Route $rr, Via $(hdr "$f" Via | head -n 1)"
	check "$T: sipd's Via toward the callee says TCP/TLS" sh -c "hdr_f=\$(grep -i '^Via:' '$f' | head -n 1); echo \"\$hdr_f\" | grep -qE 'SIP/2.0/(TCP|TLS)'"
}

sipp_calls t1
check "sipd logged bob's REGISTER over tcp" grep -q "register aor=sip:bob@.* src=tcp:" "$TMP/sipd.log"

"${SIPP:-sipp}" -v 2>&1 | grep -q 'TLS' ||
	say "this SIPp has no TLS ($("${SIPP:-sipp}" -v 2>&1 | grep -m1 'SIPp v' | tr -s ' ')); TLS calls are tested with python phones and baresip"
finish
