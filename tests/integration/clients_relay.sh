#!/bin/sh
# Two-way audio through sipd's RTP relay between real clients on different addresses: baresip
# (bob, 127.0.0.1) calls linphonec (carol, 127.0.0.2), both registered with passwords, with
# relay.mode "always".  bob sends a 1 kHz tone, carol a 440 Hz tone (generated with sox);
# each records what it receives.  After the call, sox finds the other side's frequency in each
# recording (peak of `stat -freq` within 3 %, at least 1 s of audio, RMS of a tone), and
# sipd's log shows the relay session forwarded packets both ways: the media cannot have gone
# around the relay, since each client was only ever told the relay's address.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
command -v sox >/dev/null 2>&1 || { echo "clients_relay: SKIP: sox not installed"; exit 77; }
python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	{ echo "clients_relay: SKIP: 127.0.0.2 is not usable here"; exit 77; }
CLIENTS_SIPD_CONF='relay: { mode = "always"; };'
SIPD_LOG_LEVEL=info
. "$(dirname "$0")/clientlib.sh"

sox -n -r 8000 -c 1 -b 16 "$TMP/tone1k.wav" synth 60 sine 1000 vol 0.5 || fail "sox"
sox -n -r 8000 -c 1 -b 16 "$TMP/tone440.wav" synth 60 sine 440 vol 0.5 || fail "sox"

bp=$(free_port) && lpp=$(free_port) || fail "no free ports for the clients"
bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp" "$TMP/tone1k.wav" "$TMP/bob_rx.wav" || fail "bs_start"
LP_LOCAL_IP=127.0.0.2 lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$lpp" "$TMP/tone440.wav" "$TMP/carol_rx.wav" ||
	fail "lp_start"
check "baresip (bob, 127.0.0.1) registered" bs_wait_registered bob 10
check "linphonec (carol, 127.0.0.2) registered" lp_wait_registered carol 10
grep -q "contact=sip:carol@127.0.0.2" "$TMP/sipd.log" && ok "carol's binding is on 127.0.0.2" ||
	not_ok "carol's binding is not on 127.0.0.2"

bs_dial bob "sip:carol@127.0.0.1:$PORT"
check "carol's linphonec sees the incoming call" lp_wait_incoming carol 10
check "the call is established at bob" bs_wait_established bob 10
check "the call is established at carol" lp_wait_established carol 10
sleep 4		# the test: four seconds of tones both ways are recorded and analysed below
bs_hangup bob
check "carol sees the call end" lp_wait_closed carol 10
check "bob sees the call end" bs_wait_closed bob 10
# linphonec finalises its recording at call end; baresip's copy is made by bs_stop
stop_clients

peak() { sox "$1" -n stat -freq 2>&1 | awk 'NF==2 && $1+0==$1 { if ($2 > m) { m = $2; f = $1 } } END { printf "%.0f", f }'; }
tone() {	# FILE HZ WHO
	if [ ! -s "$1" ]; then not_ok "$3: no recording $1"; return; fi
	dur=$(soxi -D "$1")
	rms=$(sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ { print $3 }')
	f=$(peak "$1")
	if python3 -c "import sys; f,e,d,r=map(float, sys.argv[1:]); sys.exit(0 if abs(f-e)<=e*0.03 and d>=1.0 and r>0.1 else 1)" \
	    "$f" "$2" "$dur" "$rms"; then
		ok "$3: ${dur}s, RMS $rms, peak ${f} Hz (want $2 Hz)"
	else
		not_ok "$3: ${dur}s, RMS $rms, peak ${f} Hz (want $2 Hz, >= 1 s, RMS > 0.1)"
	fi
}
tone "$TMP/carol_rx.wav" 1000 "carol (linphonec) received bob's 1 kHz tone"
tone "$TMP/bob_rx.wav" 440 "bob (baresip) received carol's 440 Hz tone"

line=$(grep 'relay call-id=.*ended (BYE)' "$TMP/sipd.log" | tail -n 1)
a2b=$(printf '%s\n' "$line" | sed -n 's/.*a->b pkts=\([0-9]*\).*/\1/p')
b2a=$(printf '%s\n' "$line" | sed -n 's/.*b->a pkts=\([0-9]*\).*/\1/p')
check "the relay forwarded bob's audio to carol (${a2b:-no} packets)" [ "${a2b:-0}" -ge 100 ]
check "the relay forwarded carol's audio to bob (${b2a:-no} packets)" [ "${b2a:-0}" -ge 100 ]
finish
