# linphone.sh -- headless, scripted linphonec (Debian linphone-cli 5.1.65) for integration tests.
# Source this file (bash). See README.md in this directory.
#
#   lp_start NAME USER PASS SERVER_HOST SERVER_PORT LOCALPORT [audio_in.wav [audio_out.wav]]
#   lp_wait_registered NAME [TIMEOUT]        -> 0 when the account reached LinphoneRegistrationOk
#   lp_wait_reg_failed NAME [TIMEOUT]        -> 0 when the account reached LinphoneRegistrationFailed
#   lp_dial NAME URI                         -> sends INVITE ("call URI")
#   lp_wait_incoming NAME [TIMEOUT] [N]      -> 0 when the Nth incoming call was seen
#   lp_answer NAME                           -> answer (only needed with LP_AUTOANSWER=0)
#   lp_wait_established NAME [TIMEOUT] [N]   -> 0 when the Nth call is connected (caller or callee)
#   lp_hangup NAME                           -> "terminate all"
#   lp_wait_closed NAME [TIMEOUT] [N]        -> 0 when the Nth established call ended
#   lp_wait_failed NAME [TIMEOUT] [N]        -> 0 when the Nth call failed (error response)
#   lp_send_message NAME URI TEXT            -> SIP MESSAGE ("chat URI TEXT")
#   lp_wait_message NAME TEXT [TIMEOUT]      -> 0 when a MESSAGE containing TEXT (literal) arrived
#   lp_cmd NAME "linphonec command line"     -> send any linphonec command on its stdin
#   lp_wait_log NAME REGEX [TIMEOUT] [N]     -> wait for >= N lines matching REGEX in stdout log
#   lp_stop NAME                             -> quit, wait, kill if needed
#   lp_stop_all                              -> lp_stop for every instance started by this shell
#   lp_log NAME / lp_debuglog NAME           -> paths of the stdout log / liblinphone log
#
# Environment knobs (read by lp_start):
#   SIPCLIENTS_DIR  parent of per-instance state dirs      (default /tmp/sipclients.$$)
#   LP_LOCAL_IP     local SIP/RTP address                   (default 127.0.0.1)
#   LP_RTP_PORTS    RTP port range "lo-hi"                  (default 30000+(LOCALPORT%1000)*20 .. +19)
#   LP_AUTOANSWER   1|0                                     (default 1)
#   LP_TRANSPORT    udp|tcp                                 (default udp)
#   LP_REGISTER     1|0 send REGISTER                       (default 1)
#   LP_EXPIRES      registration expiry in s                (default 300)
#   LP_DOMAIN       host[:port] of the AOR sip:USER@DOMAIN  (default SERVER_HOST:SERVER_PORT)
#   LP_SUPPORTED    [sip] supported=                        (default "replaces": no gruu/outbound)
#   LP_CONFIG_URI   remote provisioning URL ([misc] config-uri): the account comes from it,
#                   USER/PASS then only name the instance (no [proxy_0]/[auth_info_0] written)
#   LP_MAX_SECS     linphonec is sent SIGTERM after this many seconds (default 900)
#   LP_DEBUG        liblinphone log level for -d            (default 4: message level, needed for
#                                                            lp_wait_registered)

_lp_dir() { echo "${SIPCLIENTS_DIR:-/tmp/sipclients.$$}/lp-$1"; }
lp_log() { echo "$(_lp_dir "$1")/log"; }
lp_debuglog() { echo "$(_lp_dir "$1")/debug.log"; }

lp_start() {
	if [ $# -lt 6 ]; then
		echo "usage: lp_start NAME USER PASS SERVER_HOST SERVER_PORT LOCALPORT [in.wav [out.wav]]" >&2
		return 2
	fi
	local name=$1 user=$2 pass=$3 shost=$4 sport=$5 lport=$6 ain=${7:-} aout=${8:-}
	local d; d=$(_lp_dir "$name")
	local ip=${LP_LOCAL_IP:-127.0.0.1}
	local rtp=${LP_RTP_PORTS:-$((30000 + (lport % 1000) * 20))-$((30000 + (lport % 1000) * 20 + 19))}
	local domain=${LP_DOMAIN:-$shost:$sport}
	local tp=${LP_TRANSPORT:-udp}
	local udp_port=$lport tcp_port=0
	[ "$tp" = tcp ] && { udp_port=0; tcp_port=$lport; }
	if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
		echo "lp_start: $name already running" >&2; return 1
	fi
	rm -rf "$d"; mkdir -p "$d/home/.local/share/linphone" || return 1
	if [ -n "$ain" ]; then
		[ -f "$ain" ] || { echo "lp_start: no such file $ain" >&2; return 1; }
		ain=$(readlink -f "$ain")
	fi
	if [ -n "$aout" ]; then
		mkdir -p "$(dirname "$aout")"; aout="$(cd "$(dirname "$aout")" && pwd)/$(basename "$aout")"
		rm -f "$aout"   # linphonec appends to an existing record file
	fi
	# Stable +sip.instance per USER@LOCALIP:LOCALPORT, so a restarted client replaces its old
	# binding instead of adding one more (linphonec does not unREGISTER on quit; lp_stop does).
	local uuid; uuid=$(python3 -c 'import sys,uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, sys.argv[1]))' "sip:$user@$ip:$lport")
	# linphonec rewrites this file on exit (it is regenerated on every lp_start).
	cat > "$d/linphonerc" <<EOF
[sip]
sip_port=$udp_port
sip_tcp_port=$tcp_port
sip_tls_port=0
bind_address=$ip
use_ipv6=0
contact=sip:$user@$ip
guess_hostname=0
register_only_when_network_is_up=0
register_only_when_upnp_is_ok=0
auto_net_state_mon=0
media_encryption=none
supported=${LP_SUPPORTED:-replaces}
default_proxy=0
ping_with_options=0
keepalive_period=0
dns_srv_enabled=0
dns_search_enabled=0
verify_server_certs=0
verify_server_cn=0
inc_timeout=60
sip_random_port=0

[net]
firewall_policy=0
mtu=1300

[rtp]
bind_address=$ip
audio_rtp_port=$rtp
video_rtp_port=0
text_rtp_port=0
rtcp_mux=0

[sound]
echocancellation=0
remote_ring=
local_ring=

[video]
display=0
capture=0
automatically_initiate=0
automatically_accept=0

[audio_codec_0]
mime=PCMU
rate=8000
channels=1
enabled=1

[audio_codec_1]
mime=PCMA
rate=8000
channels=1
enabled=1

[audio_codec_2]
mime=opus
rate=48000
channels=2
enabled=0

[audio_codec_3]
mime=speex
rate=16000
channels=1
enabled=0

[audio_codec_4]
mime=speex
rate=8000
channels=1
enabled=0
EOF
	if [ -n "${LP_CONFIG_URI:-}" ]; then
		printf '[misc]\nuuid=%s\nconfig-uri=%s\n' "$uuid" "$LP_CONFIG_URI" >> "$d/linphonerc"
	else
		cat >> "$d/linphonerc" <<EOF
[proxy_0]
reg_proxy=<sip:$shost:$sport;transport=$tp>
reg_identity=<sip:$user@$domain>
reg_expires=${LP_EXPIRES:-300}
reg_sendregister=${LP_REGISTER:-1}
publish=0
dial_escape_plus=0
avpf=0

[misc]
uuid=$uuid

[auth_info_0]
username=$user
userid=$user
passwd=$pass
EOF
	fi
	echo "$aout" > "$d/aout"
	rm -f "$d/stdin"; mkfifo "$d/stdin" || return 1
	local aa=""; [ "${LP_AUTOANSWER:-1}" = 1 ] && aa="-a"
	# stdin is a FIFO opened read-write (never blocks, never EOF); commands are lines written to it.
	# timeout: safety net, linphonec gets SIGTERM after LP_MAX_SECS even if the test forgets lp_stop
	# (--foreground keeps it in the caller's process group; the recorded pid is timeout's).
	( cd "$d" && exec env HOME="$d/home" LC_ALL=C LANG=C timeout --foreground -k 5 "${LP_MAX_SECS:-900}" \
		linphonec $aa -d "${LP_DEBUG:-4}" -l "$d/debug.log" -c "$d/linphonerc" <>"$d/stdin" >"$d/log" 2>&1 ) &
	echo $! > "$d/pid"
	_LP_NAMES="${_LP_NAMES:-} $name"
	# Ready when the prompt answers a command (typically ~0.3-1 s).
	lp_cmd "$name" "soundcard use files"
	local i
	for i in $(seq 100); do
		grep -q "Using wav files instead of soundcard" "$d/log" 2>/dev/null && break
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "Using wav files instead of soundcard" "$d/log" 2>/dev/null; then
		echo "lp_start: $name did not come up; log:" >&2; tail -20 "$d/log" >&2; return 1
	fi
	# Without a play file the file player produces nothing and NO RTP is sent: play 1 s of silence
	# instead (linphonec loops the play file). Received audio is dropped unless recorded.
	if [ -z "$ain" ]; then
		ain="$d/silence.wav"
		python3 -c 'import sys,wave; w=wave.open(sys.argv[1],"wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000); w.writeframes(bytes(16000)); w.close()' "$ain" || return 1
	fi
	lp_cmd "$name" "play $ain"
	[ -n "$aout" ] && lp_cmd "$name" "record $aout"
	return 0
}

lp_cmd() {
	local d; d=$(_lp_dir "$1")
	[ -p "$d/stdin" ] || { echo "lp_cmd: $1 not started" >&2; return 1; }
	# The FIFO is held open read-write by linphonec, so this write never blocks while it runs;
	# bound it anyway in case the process died and nobody reads.
	timeout 2 sh -c 'printf "%s\n" "$1" > "$2"' sh "$2" "$d/stdin"
}

# lp_wait_file FILE REGEX TIMEOUT [N]
_lp_wait_file() {
	local f=$1 re=$2 t=${3:-10} n=${4:-1}
	local end=$((SECONDS + t))
	while :; do
		[ "$(grep -cE -- "$re" "$f" 2>/dev/null)" -ge "$n" ] && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
lp_wait_log() { _lp_wait_file "$(_lp_dir "$1")/log" "$2" "${3:-10}" "${4:-1}"; }

# Registration is not printed on stdout; liblinphone's log (-d >= 4) has
# "Account [0x..] for identity [sip:u@h] moving from state [LinphoneRegistrationProgress] to [LinphoneRegistrationOk]"
lp_wait_registered() { _lp_wait_file "$(_lp_dir "$1")/debug.log" 'to \[LinphoneRegistrationOk\]' "${2:-10}" "${3:-1}"; }
lp_wait_reg_failed() { _lp_wait_file "$(_lp_dir "$1")/debug.log" 'to \[LinphoneRegistrationFailed\]' "${2:-10}" "${3:-1}"; }

lp_dial() { lp_cmd "$1" "call $2"; }
lp_answer() { lp_cmd "$1" "answer"; }
lp_hangup() { lp_cmd "$1" "terminate all"; }
# stdout lines: "Receiving new incoming call from sip:..., assigned id 1"
#               "Call 1 with sip:... connected."   "Call 1 with sip:... ended (No error)."
#               "Message received from sip:...: TEXT"
lp_wait_incoming() { lp_wait_log "$1" '^(linphonec> )?Receiving new incoming call from ' "${2:-10}" "${3:-1}"; }
lp_wait_established() { lp_wait_log "$1" 'Call [0-9]+ with .* connected\.' "${2:-10}" "${3:-1}"; }
lp_wait_closed() { lp_wait_log "$1" 'Call [0-9]+ with .* ended \(' "${2:-10}" "${3:-1}"; }
# A call that failed (4xx-6xx, timeout) prints "Call 2 with sip:... error." and no "ended" line.
lp_wait_failed() { lp_wait_log "$1" 'Call [0-9]+ with .* error\.' "${2:-10}" "${3:-1}"; }
lp_send_message() { lp_cmd "$1" "chat $2 $3"; }
lp_wait_message() {
	local f; f="$(_lp_dir "$1")/log"; local text=$2 t=${3:-10}
	local end=$((SECONDS + t))
	while :; do
		grep -E 'Message received from [^ ]*: ' "$f" 2>/dev/null | grep -qF -- "$text" && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

lp_stop() {
	local name=$1 d; d=$(_lp_dir "$name")
	[ -f "$d/pid" ] || return 0
	local pid; pid=$(cat "$d/pid")
	if kill -0 "$pid" 2>/dev/null; then
		local i
		# After a 401/407 it can't answer, linphonec sits in an interactive "Password for USER on
		# REALM: " prompt that would eat "quit" as a password: then go straight to SIGTERM
		# (linphonec handles it: "Terminating...", unregisters, exits).
		if ! tail -c 300 "$d/log" 2>/dev/null | tail -n 1 | grep -q '^Password for .*: '; then
			# linphonec's quit does not unREGISTER: do it first (bounded), so no stale binding is left.
			if grep -q 'to \[LinphoneRegistrationOk\]' "$d/debug.log" 2>/dev/null; then
				lp_cmd "$name" "unregister" 2>/dev/null
				_lp_wait_file "$d/debug.log" 'to \[LinphoneRegistration(Cleared|Failed)\]' "${LP_UNREG_TIMEOUT:-2}" >/dev/null
			fi
			lp_cmd "$name" "quit" 2>/dev/null
			for i in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		fi
		kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
		for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -9 $(pgrep -P "$pid") "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rm -f "$d/pid"
	return 0
}

lp_stop_all() { local n; for n in ${_LP_NAMES:-}; do lp_stop "$n"; done; _LP_NAMES=""; }
