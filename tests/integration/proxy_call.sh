#!/bin/sh
# A call through the proxy (RFC 3261 16) with SIPp on both ends: the callee registers from its
# own port, then five calls INVITE/100/180/200/ACK/BYE/200 go from a SIPp caller through sipd to
# it.  From both SIPp message traces: the INVITE the callee got has sipd's Via on top (z9hG4bK
# branch, one per forwarded INVITE) over the caller's Via byte for byte, a Record-Route naming
# sipd with ;lr (16.6 step 4), Max-Forwards one lower (16.6 step 3) and the Request-URI of the
# registered contact (16.5); the ACK and BYE reach the callee with sipd's own Route entry taken
# off (16.4, loose routing); every response reaches the caller with sipd's Via removed (16.7).
# Then the same with the caller over TCP (the callee stays on UDP): sipd record-routes twice
# (RFC 5658), the value on top for the callee's side, one with ;transport=tcp for the caller's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
command -v "${SIPP:-sipp}" >/dev/null 2>&1 || skip "sipp not installed"

CALLS=5
start_sipd "$PROXY_NOAUTH"

# ---- the callee registers from the port its SIPp will listen on ----------------------------------
UASPORT=$(free_port) || fail "no free port for the callee"
BOB=sip:bob@127.0.0.1:$PORT
st=$(register reg "$UASPORT" "$BOB" "sip:bob@127.0.0.1:$UASPORT")
[ "$st" = 200 ] || { sed 's/^/    | /' "$TMP/reg.resp"; fail "REGISTER of $BOB from port $UASPORT: want 200, got '$st'"; }
ok "callee registered as $BOB, contact sip:bob@127.0.0.1:$UASPORT"

# calls T: CALLS calls from a SIPp caller over T (u1, t1) to the SIPp callee (UDP), checked
calls() {
	T=$1
	case $T in t1) VIA_T=TCP ;; *) VIA_T=UDP ;; esac
	spawn timeout -k 5 60 "${SIPP:-sipp}" -sf "$SCENARIOS/proxy_uas.xml" -i 127.0.0.1 -p "$UASPORT" \
	    -m "$CALLS" -timeout 50s -timeout_error -nostdin -trace_err -error_file "$TMP/sipp-uas-$T.err" \
	    -trace_msg -message_file "$TMP/sipp-uas-$T.msg" >"$TMP/sipp-uas-$T.out" 2>&1
	UAS_PID=$BG_PID
	sipp_listening SOCK_DGRAM "$UASPORT" "$UAS_PID" "$TMP/sipp-uas-$T.out"

	# the calls
	if run_sipp proxy_uac.xml "$CALLS" -s bob -t "$T"; then
		ok "$T caller: $CALLS calls INVITE/100/180/200/ACK/BYE/200 through sipd"
	else
		not_ok "$T caller: $CALLS calls INVITE/100/180/200/ACK/BYE/200 through sipd"
	fi
	if ! wait_until 15 gone "$UAS_PID"; then
		not_ok "$T callee: sipp still running 15 s after the caller finished (calls not completed)"
		stop_pid "$UAS_PID"
	else
		wait "$UAS_PID"
		uas_st=$?
		if [ "$uas_st" = 0 ]; then ok "$T callee: $CALLS calls completed"; else
			not_ok "$T callee: sipp exited with status $uas_st"
			tail -n 20 "$TMP/sipp-uas-$T.err" 2>/dev/null | sed 's/^/    | /'
		fi
	fi

	sipp_split "$TMP/sipp-uas-$T.msg" "uas-$T"
	mv "$TMP/sipp-proxy_uac.msg" "$TMP/sipp-proxy_uac-$T.msg"
	sipp_split "$TMP/sipp-proxy_uac-$T.msg" "uac-$T"

	# what the callee received
	same "$(nmsgs "uas-$T" in INVITE)" "$CALLS" "$T callee: INVITEs received"
	bad_ruri=0 bad_via=0 bad_via2=0 bad_rr=0 bad_mf=0
	for f in $(msgs "uas-$T" in INVITE); do
		cid=$(hdr "$f" Call-ID)
		sent=$(grep -l "^Call-ID: $cid" $(msgs "uac-$T" out INVITE) | head -n 1)
		[ -n "$sent" ] || { not_ok "$T callee: INVITE with Call-ID $cid was not sent by the caller"; continue; }
		if [ "$(startline "$f")" != "INVITE sip:bob@127.0.0.1:$UASPORT SIP/2.0" ]; then
			bad_ruri=$((bad_ruri + 1))
			say "  $f: Request-URI line '$(startline "$f")', want the contact sip:bob@127.0.0.1:$UASPORT"
		fi
		via1=$(hdr "$f" Via | sed -n 1p)
		if ! printf '%s\n' "$via1" | grep -qE "^SIP/2\.0/UDP 127\.0\.0\.1:$PORT(;|\$)" ||
		    ! printf '%s\n' "$via1" | grep -qE ';[ ]*branch=z9hG4bK'; then
			bad_via=$((bad_via + 1))
			say "  $f: top Via '$via1', want SIP/2.0/UDP 127.0.0.1:$PORT;branch=z9hG4bK..."
		fi
		printf '%s\n' "$via1" | sed -n 's/.*;[ ]*branch=\([^; ]*\).*/\1/p' >>"$TMP/branches-$T"
		via2=$(hdr "$f" Via | sed -n 2p) orig=$(hdr "$sent" Via | sed -n 1p)
		if [ "$via2" != "$orig" ] || [ "$(hdr "$f" Via | grep -c .)" != 2 ]; then
			bad_via2=$((bad_via2 + 1))
			say "  $f: Vias below sipd's: '$(hdr "$f" Via | sed 1d | tr '\n' ' ')', want the caller's '$orig'"
		fi
		rr=$(hdr "$f" Record-Route | sed -n 1p)
		if ! printf '%s\n' "$rr" | grep -qE "^<sip:127\.0\.0\.1:$PORT(;[^>]*)?;lr([;=>])"; then
			bad_rr=$((bad_rr + 1))
			say "  $f: Record-Route '$rr', want <sip:127.0.0.1:$PORT;lr>"
		fi
		mf=$(hdr "$f" Max-Forwards) omf=$(hdr "$sent" Max-Forwards)
		if [ "$mf" != $((omf - 1)) ]; then
			bad_mf=$((bad_mf + 1))
			say "  $f: Max-Forwards '$mf', the caller sent '$omf'"
		fi
	done
	same "$bad_ruri" 0 "$T callee: INVITEs whose Request-URI is not the registered contact (16.5, 16.6 step 6)"
	same "$bad_via" 0 "$T callee: INVITEs without sipd's Via (127.0.0.1:$PORT, z9hG4bK branch) on top (16.6 step 8)"
	same "$bad_via2" 0 "$T callee: INVITEs whose Vias below sipd's are not the caller's, byte for byte"
	same "$bad_rr" 0 "$T callee: INVITEs without a Record-Route <sip:127.0.0.1:$PORT;lr> on top (16.6 step 4)"
	same "$bad_mf" 0 "$T callee: INVITEs whose Max-Forwards is not the caller's minus one (16.6 step 3)"
	same "$(sort -u "$TMP/branches-$T" 2>/dev/null | grep -c .)" "$CALLS" "$T callee: a distinct sipd branch per INVITE"

	for m in ACK BYE; do
		same "$(nmsgs "uas-$T" in "$m")" "$CALLS" "$T callee: ${m}s received"
		bad=0
		for f in $(msgs "uas-$T" in "$m"); do
			l=$(startline "$f")
			case $l in "$m sip:bob@127.0.0.1:$UASPORT;transport=UDP SIP/2.0") ;; *)
				bad=$((bad + 1)); say "  $f: '$l', want the callee's Contact as Request-URI" ;;
			esac
			if hdr "$f" Route | grep -q .; then
				bad=$((bad + 1)); say "  $f: Route left in: $(hdr "$f" Route | tr '\n' ' ')"
			fi
			if ! hdr "$f" Via | sed -n 1p | grep -qE "^SIP/2\.0/UDP 127\.0\.0\.1:$PORT;.*branch=z9hG4bK"; then
				bad=$((bad + 1)); say "  $f: top Via '$(hdr "$f" Via | sed -n 1p)', not sipd's"
			fi
		done
		same "$bad" 0 "$T callee: ${m}s with a wrong Request-URI, a Route left in, or no sipd Via (16.4, 16.12)"
	done

	# what the caller received
	same "$(nmsgs "uac-$T" in 100/INVITE)" "$CALLS" "$T caller: 100 Trying from sipd for each INVITE"
	same "$(nmsgs "uac-$T" in 180/INVITE)" "$CALLS" "$T caller: 180 forwarded for each INVITE"
	same "$(nmsgs "uac-$T" in 200/INVITE)" "$CALLS" "$T caller: 200 forwarded for each INVITE"
	same "$(nmsgs "uac-$T" in 200/BYE)" "$CALLS" "$T caller: 200 for each BYE"
	bad=0
	for f in $(msgs "uac-$T" in 1xx/INVITE) $(msgs "uac-$T" in 200/INVITE) $(msgs "uac-$T" in 200/BYE); do
		if [ "$(hdr "$f" Via | grep -c .)" != 1 ] || ! hdr "$f" Via | grep -qE "^SIP/2\.0/$VIA_T 127\.0\.0\.1:[0-9]+;branch=z9hG4bK-"; then
			bad=$((bad + 1)); say "  $f ($(startline "$f")): Vias $(hdr "$f" Via | tr '\n' ' ')"
		fi
	done
	same "$bad" 0 "$T caller: responses holding any Via but the caller's own (16.7 step 3)"
	bad=0
	for f in $(msgs "uac-$T" in 200/INVITE); do
		hdr "$f" Record-Route | grep -q "^<sip:127\.0\.0\.1:$PORT" || { bad=$((bad + 1)); say "  $f: no Record-Route to sipd"; }
	done
	same "$bad" 0 "$T caller: 200s to INVITE without the Record-Route naming sipd"
	if [ "$T" = t1 ]; then
		bad=0
		for f in $(msgs "uas-$T" in INVITE); do
			hdr "$f" Record-Route | grep -qE "<sip:127\.0\.0\.1:$PORT;[^>]*transport=tcp" ||
			    { bad=$((bad + 1)); say "  $f: no Record-Route <sip:127.0.0.1:$PORT;lr;transport=tcp>: $(hdr "$f" Record-Route | tr '\n' ' ')"; }
		done
		same "$bad" 0 "$T callee: INVITEs without a Record-Route with ;transport=tcp for the caller's side"
	fi
}

calls u1
calls t1

[ "$FAILS" -eq 0 ] || for p in uas-u1 uac-u1 uas-t1 uac-t1; do show "$p"; done
finish
