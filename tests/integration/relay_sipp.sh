#!/bin/sh
# SIPp with RTP through sipd's relay (relay.mode "always"): a SIPp callee on 127.0.0.2
# (proxy_uas.xml, -rtp_echo: it sends back every RTP packet it gets) registers; a SIPp caller on
# 127.0.0.1 (relay_uac.xml) calls it and streams 3 s of PCMU (rtp_stream of a sox-made
# 1 kHz tone).  Checked: the INVITE the callee got and the 200 the caller got name the relay
# (c= sipd's address, m= a relay port, not the other SIPp's media port); the relay forwarded
# packets caller -> callee and the echo back (sipd's counters, logged when the BYE ends the
# session); SIPp completed the call; afterwards sipd holds no more sockets than before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
command -v "${SIPP:-sipp}" >/dev/null 2>&1 || skip "sipp not installed"
"${SIPP:-sipp}" -v 2>&1 | grep -q RTPSTREAM || skip "this sipp has no rtp_stream support"
command -v sox >/dev/null 2>&1 || skip "sox not installed"
"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	skip "127.0.0.2 is not usable here"

RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
RHI=$((RLO + 99))
start_sipd "$PROXY_NOAUTH" "relay: { mode = \"always\"; port_min = $RLO; port_max = $RHI; };"
sox -n -r 8000 -c 1 -e u-law -t raw "$TMP/tone.ulaw" synth 3 sine 1000 vol 0.5 || fail "sox"
base=$(ls -l /proc/"$SIPD_PID"/fd | grep -c socket:)

UASPORT=$(free_port) && MP_A=$(free_port) && MP_B=$(free_port) || fail "no free ports"
MP_A=$((MP_A & ~1)) MP_B=$((MP_B & ~1))
st=$(REG_BIND=127.0.0.2 register reg "$UASPORT" "sip:bob@127.0.0.1:$PORT" "sip:bob@127.0.0.2:$UASPORT")
[ "$st" = 200 ] || fail "REGISTER of bob: want 200, got '$st'"
spawn timeout -k 5 40 "${SIPP:-sipp}" -sf "$SCENARIOS/proxy_uas.xml" -i 127.0.0.2 -p "$UASPORT" \
    -mi 127.0.0.2 -mp "$MP_B" -rtp_echo -m 1 -timeout 30s -timeout_error -nostdin \
    -trace_msg -message_file "$TMP/uas.msg" >"$TMP/uas.out" 2>&1
UAS_PID=$BG_PID
sipp_listening SOCK_DGRAM "$UASPORT" "$UAS_PID" "$TMP/uas.out" 127.0.0.2
(cd "$TMP" && timeout -k 5 40 "${SIPP:-sipp}" -sf "$SCENARIOS/relay_uac.xml" -i 127.0.0.1 \
    -p "$(free_port)" -mi 127.0.0.1 -mp "$MP_A" -s bob -m 1 -timeout 30s -timeout_error -nostdin \
    -trace_msg -message_file "$TMP/uac.msg" "127.0.0.1:$PORT" >"$TMP/uac.out" 2>&1)
check "SIPp caller completed the call with RTP" [ $? = 0 ]
wait_until 10 gone "$UAS_PID"
wait "$UAS_PID" 2>/dev/null
check "SIPp callee completed the call" [ $? = 0 ]

# the SDP each side received: c= and m= of the INVITE at the callee, of the 200 at the caller
sdp_of() {	# FILE FIRST-LINE-PATTERN -> "addr port" of the first such message's SDP
	awk -v pat="$2" '
		/^-+ / { inmsg = 0 } $0 ~ pat { inmsg = 1; c = ""; m = "" }
		inmsg && /^c=IN IP4/ && c == "" { c = $3 }
		inmsg && /^m=audio/ && m == "" { m = $2; print c, m; exit }' "$1" | tr -d '\r'
}
set -- $(sdp_of "$TMP/uas.msg" '^INVITE sip:')
check "the callee's offer names the relay ($1 $2; caller's media port $MP_A)" \
    [ "$1" = 127.0.0.1 -a "${2:-0}" -ge "$RLO" -a "${2:-0}" -le "$RHI" ]
set -- $(sdp_of "$TMP/uac.msg" '^SIP/2.0 200 OK')
check "the caller's answer names the relay ($1 $2; callee's media port $MP_B)" \
    [ "$1" = 127.0.0.1 -a "${2:-0}" -ge "$RLO" -a "${2:-0}" -le "$RHI" ]

line=$(grep 'relay call-id=.*ended (BYE)' "$TMP/sipd.log" | tail -n 1)
a2b=$(printf '%s\n' "$line" | sed -n 's/.*a->b pkts=\([0-9]*\).*/\1/p')
b2a=$(printf '%s\n' "$line" | sed -n 's/.*b->a pkts=\([0-9]*\).*/\1/p')
check "RTP caller -> callee went through the relay (${a2b:-no} packets of 150)" [ "${a2b:-0}" -ge 100 ]
check "the echo callee -> caller went through the relay (${b2a:-no} packets)" [ "${b2a:-0}" -ge 100 ]
after=$(ls -l /proc/"$SIPD_PID"/fd | grep -c socket:)
check "sipd's sockets are back to $base after the call ($after)" [ "$after" = "$base" ]
finish
