# baresip.sh -- headless, scripted baresip (Debian baresip-core 1.0.0) for integration tests.
# Source this file (bash). See README.md in this directory.
#
#   bs_start NAME USER PASS SERVER_HOST SERVER_PORT LOCALPORT [audio_in.wav [audio_out.wav]]
#   bs_wait_registered NAME [TIMEOUT]        -> 0 when the account got 200 OK to REGISTER
#   bs_dial NAME URI                         -> sends INVITE
#   bs_wait_established NAME [TIMEOUT] [N]   -> 0 when the Nth call is established (caller or callee)
#   bs_wait_incoming NAME [TIMEOUT] [N]      -> 0 when the Nth incoming call was seen
#   bs_accept NAME                           -> answer (only needed with BS_ANSWERMODE=manual)
#   bs_hangup NAME                           -> hang up the current call
#   bs_wait_closed NAME [TIMEOUT] [N]        -> 0 when the Nth call ended (hangup, BYE or failure)
#   bs_wait_failed NAME [TIMEOUT] [N]        -> 0 when the Nth call failed with a SIP error code
#   bs_wait_reg_failed NAME [TIMEOUT]        -> 0 when a REGISTER got a final error (401/403/..)
#   bs_send_message NAME URI TEXT            -> SIP MESSAGE (text/plain)
#   bs_wait_message NAME TEXT [TIMEOUT]      -> 0 when a MESSAGE containing TEXT was received
#   bs_wait_log NAME REGEX [TIMEOUT] [N]     -> generic: wait for >= N lines matching an ERE in the log
#   bs_cmd NAME COMMAND [PARAMS]             -> any baresip long command via ctrl_tcp; prints data
#   bs_recording NAME                        -> path of the last received-audio WAV (sndfile dump)
#   bs_stop NAME                             -> quit, wait, kill if needed; copies recording to audio_out.wav
#   bs_stop_all                              -> bs_stop for every instance started by this shell
#   bs_log NAME                              -> path of the client's log
#
# Environment knobs (read by bs_start):
#   SIPCLIENTS_DIR  parent of per-instance state dirs       (default /tmp/sipclients.$$)
#   BS_LOCAL_IP     local SIP/RTP address                    (default 127.0.0.1)
#   BS_CTRL_PORT    ctrl_tcp port                            (default LOCALPORT+20000, or -20000 if >45535)
#   BS_RTP_PORTS    RTP port range "lo-hi"                   (default 30000+(LOCALPORT%1000)*20 .. +19)
#   BS_ANSWERMODE   auto|manual|early                        (default auto)
#   BS_TRANSPORT    udp|tcp|tls                              (default udp)
#   BS_EXTRA_CONFIG lines appended to baresip's config, e.g. "sip_cafile /path/ca.pem" for TLS
#   BS_REGINT       registration interval in s (0 = no REGISTER) (default 300)
#   BS_DOMAIN       host[:port] of the AOR sip:USER@DOMAIN    (default SERVER_HOST:SERVER_PORT)
#   BS_OUTBOUND     outbound proxy URI, e.g. sip:127.0.0.1:5070 (default none: requests go to DOMAIN)
#   BS_EXTRA_ACCOUNT_PARAMS  appended to the accounts line, e.g. ";outbound=..."
#   BS_SILENCE_SECS length of the generated silent source used when no audio_in.wav is given (600)
#   BS_TRACE=1      add -s (SIP trace to the log)
#   BS_MAX_SECS     baresip -t: it quits by itself after this many seconds (default 900)

_bs_dir() { echo "${SIPCLIENTS_DIR:-/tmp/sipclients.$$}/bs-$1"; }
bs_log() { echo "$(_bs_dir "$1")/log"; }

bs_start() {
	if [ $# -lt 6 ]; then
		echo "usage: bs_start NAME USER PASS SERVER_HOST SERVER_PORT LOCALPORT [in.wav [out.wav]]" >&2
		return 2
	fi
	local name=$1 user=$2 pass=$3 shost=$4 sport=$5 lport=$6 ain=${7:-} aout=${8:-}
	local d; d=$(_bs_dir "$name")
	local ip=${BS_LOCAL_IP:-127.0.0.1}
	local ctrl=${BS_CTRL_PORT:-}
	if [ -z "$ctrl" ]; then
		if [ "$lport" -gt 45535 ]; then ctrl=$((lport - 20000)); else ctrl=$((lport + 20000)); fi
	fi
	local rtp=${BS_RTP_PORTS:-$((30000 + (lport % 1000) * 20))-$((30000 + (lport % 1000) * 20 + 19))}
	local domain=${BS_DOMAIN:-$shost:$sport}
	local tp=${BS_TRANSPORT:-udp}
	if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
		echo "bs_start: $name already running" >&2; return 1
	fi
	rm -rf "$d"; mkdir -p "$d/cfg" "$d/rec" "$d/home" || return 1
	[ -n "$ain" ] && { [ -f "$ain" ] || { echo "bs_start: no such file $ain" >&2; return 1; }; }
	local player="aubridge,nil"   # no sound card: a bridge device with no source = silent sink
	if [ -z "$ain" ]; then
		# No input file: digital silence, so RTP still flows both ways (ausine refuses 0 Hz).
		ain="$d/silence.wav"
		python3 -c 'import sys,wave; w=wave.open(sys.argv[1],"wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000); w.writeframes(bytes(2*8000*int(sys.argv[2]))); w.close()' \
			"$ain" "${BS_SILENCE_SECS:-600}" || return 1
	fi
	# aufile: 16-bit PCM WAV, read whole into memory; ausrc_srate/channels must match the file
	# (baresip resamples to the codec). NOTE: when the file ends, baresip 1.0.0 hangs up the call
	# ("audio error") -- make it longer than the call.
	ain=$(readlink -f "$ain")
	local srate ch
	read -r srate ch < <(python3 -c 'import sys,wave; w=wave.open(sys.argv[1]); print(w.getframerate(), w.getnchannels())' "$ain")
	[ -n "$ch" ] || { echo "bs_start: cannot read WAV $ain" >&2; return 1; }
	local src="aufile,$ain"
	[ -n "$aout" ] && aout=$(readlink -f "$aout" 2>/dev/null || echo "$aout")
	cat > "$d/cfg/config" <<EOF
poll_method		epoll
sip_listen		$ip:$lport
net_interface		$ip
dns_server		127.0.0.1:53
call_local_timeout	120
call_max_calls		4
audio_player		$player
audio_source		$src
audio_alert		$player
audio_level		no
ausrc_srate		$srate
ausrc_channels		$ch
ausrc_format		s16
auplay_format		s16
auenc_format		s16
audec_format		s16
audio_buffer		20-160
rtp_tos			0
rtp_ports		${rtp}
rtcp_mux		no
jitter_buffer_delay	5-10
rtp_stats		no
module_path		/usr/lib/baresip/modules
module			g711.so
module			sndfile.so
module			aubridge.so
module			aufile.so
module_tmp		account.so
module			stdio.so
module_app		contact.so
module_app		debug_cmd.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$ctrl
snd_path		$d/rec
statmode_default	off
${BS_EXTRA_CONFIG:-}
EOF
	echo "<sip:$user@$domain;transport=$tp>;auth_user=$user;auth_pass=$pass${BS_OUTBOUND:+;outbound=\"$BS_OUTBOUND\"};answermode=${BS_ANSWERMODE:-auto};regint=${BS_REGINT:-300};medianat=;mediaenc=;audio_codecs=PCMU,PCMA${BS_EXTRA_ACCOUNT_PARAMS:-}" > "$d/cfg/accounts"
	: > "$d/cfg/contacts"
	echo "$ctrl" > "$d/ctrlport"
	echo "$aout" > "$d/aout"
	echo "${BS_ANSWERMODE:-auto}" > "$d/answermode"
	local trace=""; [ "${BS_TRACE:-0}" = 1 ] && trace="-s"
	# stdin is a FIFO opened read-write: the stdio UI module (which prints incoming MESSAGEs and
	# other ui_output) needs an epoll-able stdin, and O_RDWR never blocks nor sees EOF.
	# Key/long commands can also be written to it: printf '/dial sip:x@h\n' > "$d/stdin".
	rm -f "$d/stdin"; mkfifo "$d/stdin" || return 1
	# -t: safety net, baresip quits by itself after BS_MAX_SECS even if the test forgets bs_stop.
	( cd "$d" && exec env HOME="$d/home" LC_ALL=C baresip -4 $trace -t "${BS_MAX_SECS:-900}" -f "$d/cfg" \
		<>"$d/stdin" >"$d/log" 2>&1 ) &
	echo $! > "$d/pid"
	_BS_NAMES="${_BS_NAMES:-} $name"
	# Ready when ctrl_tcp answers (typically < 0.3 s).
	local i
	for i in $(seq 50); do
		if _bs_ctrl "$d" help "" >/dev/null 2>&1; then return 0; fi
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "bs_start: $name did not come up; log:" >&2; tail -20 "$d/log" >&2
	return 1
}

# _bs_ctrl DIR COMMAND PARAMS: one netstring-JSON request on ctrl_tcp, print response "data", rc 0 if ok.
_bs_ctrl() {
	python3 - "$(cat "$1/ctrlport")" "$2" "$3" <<'PY'
import json, socket, sys, time
port, cmd, prm = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=3)
tok = "t%d" % time.monotonic_ns()
j = json.dumps({"command": cmd, "params": prm, "token": tok}).encode()
s.sendall(b"%d:%s," % (len(j), j))
buf = b""; deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    # parse netstrings; skip events until our response
    while True:
        c = buf.find(b":")
        if c < 0: break
        n = int(buf[:c]); 
        if len(buf) < c + 1 + n + 1: break
        msg = json.loads(buf[c + 1:c + 1 + n]); buf = buf[c + 2 + n:]
        if msg.get("response") and msg.get("token") == tok:
            sys.stdout.write(msg.get("data", "") or "")
            sys.exit(0 if msg.get("ok") else 1)
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d: break
    buf += d
sys.exit(3)
PY
}

bs_cmd() { _bs_ctrl "$(_bs_dir "$1")" "$2" "${3:-}"; }

# bs_wait_log NAME REGEX [TIMEOUT] [MIN_COUNT]: wait until REGEX (grep -E) matches >= MIN_COUNT lines.
bs_wait_log() {
	local d; d=$(_bs_dir "$1"); local re=$2 t=${3:-10} n=${4:-1}
	local end=$((SECONDS + t))
	while :; do
		[ "$(grep -cE -- "$re" "$d/log" 2>/dev/null)" -ge "$n" ] && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# Registered: "u000001@127.0.0.1: {0/UDP/v4} 200 OK (...) [1 binding]"
bs_wait_registered() { bs_wait_log "$1" '\{[0-9]+/(UDP|TCP|TLS)/v[46]\} 200 ' "${2:-10}"; }
bs_dial() { _bs_ctrl "$(_bs_dir "$1")" dial "$2" >/dev/null; }
# Established: "Call established: sip:u000002@127.0.0.1"; count lets a test wait for the Nth call.
bs_wait_established() { bs_wait_log "$1" ': Call established: ' "${2:-10}" "${3:-1}"; }
# Incoming: manual/early answermode: "sip:u000002@127.0.0.1:5070: Incoming call from:  sip:... - (press 'a' to accept)"
#           auto answermode:          "call: answering call on line 1 from sip:... with 200"
bs_wait_incoming() {
	local re='Incoming call from: '
	[ "$(cat "$(_bs_dir "$1")/answermode" 2>/dev/null)" = auto ] && re='call: answering call on line'
	bs_wait_log "$1" "$re" "${2:-10}" "${3:-1}"
}
bs_accept() { _bs_ctrl "$(_bs_dir "$1")" accept "" >/dev/null; }
bs_hangup() { _bs_ctrl "$(_bs_dir "$1")" hangup "" >/dev/null; }
# Closed (any call ended, either side; exactly one line per call):
#   local hangup:  "call: terminate call '<id>' with sip:u000002@127.0.0.1:5070"
#   remote BYE:    "sip:u000002@127.0.0.1:5070: session closed: Connection reset by peer"
#   failure:       "sip:u000099@127.0.0.1:5070: session closed: 404 Not Found"
# ("...: Call with ... terminated (duration: N secs)" is NOT reliable: omitted for calls < 1 s.)
bs_wait_closed() { bs_wait_log "$1" "call: terminate call '|: session closed: " "${2:-10}" "${3:-1}"; }
# Failed (call never established): "sip:u000099@127.0.0.1:5070: session closed: 404 Not Found"
bs_wait_failed() { bs_wait_log "$1" ': session closed: [0-9]{3} ' "${2:-10}" "${3:-1}"; }
# Registration failed: "reg: sip:u000003@127.0.0.1:5070: 401 Unauthorized (...)" (also timeouts)
bs_wait_reg_failed() { bs_wait_log "$1" '^.{0,8}reg: sip:[^ ]*: ' "${2:-10}" "${3:-1}"; }

# baresip 1.0.0 only sends MESSAGE to the "current contact" of the contact module. We rewrite the
# contacts file with the target, reload the module (rmmod/insmod) and then send.
bs_send_message() {
	local d; d=$(_bs_dir "$1"); local uri=$2 text=$3
	printf '"peer" <%s>\n' "$uri" > "$d/cfg/contacts"
	printf '%s' "$uri" > "$d/cfg/current_contact"
	_bs_ctrl "$d" rmmod contact >/dev/null 2>&1
	_bs_ctrl "$d" insmod contact >/dev/null || { echo "bs_send_message: insmod contact failed" >&2; return 1; }
	_bs_ctrl "$d" message "$text" >/dev/null
}
# Received: '\rsip:u000001@127.0.0.1:5070: "hello"' (printed by the menu module through the stdio UI)
# TEXT is matched literally (grep -F) within such lines.
bs_wait_message() {
	local d; d=$(_bs_dir "$1"); local text=$2 t=${3:-10}
	local end=$((SECONDS + t))
	while :; do
		grep -E 'sip:[^ ]*: "' "$d/log" 2>/dev/null | grep -qF -- "$text" && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# One dump per call, named by the call's start second (two calls starting in the same second share it).
bs_recording() {
	local d; d=$(_bs_dir "$1")
	ls -t "$d"/rec/dump-*-dec.wav 2>/dev/null | head -1
}

bs_stop() {
	local name=$1 d; d=$(_bs_dir "$name")
	[ -f "$d/pid" ] || return 0
	local pid; pid=$(cat "$d/pid")
	if kill -0 "$pid" 2>/dev/null; then
		_bs_ctrl "$d" quit "" >/dev/null 2>&1
		local i
		for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
		for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rm -f "$d/pid"
	local aout; aout=$(cat "$d/aout" 2>/dev/null)
	local rec; rec=$(bs_recording "$name")
	if [ -n "$aout" ] && [ -n "$rec" ]; then cp "$rec" "$aout"; fi
	return 0
}

bs_stop_all() { local n; for n in ${_BS_NAMES:-}; do bs_stop "$n"; done; _BS_NAMES=""; }
