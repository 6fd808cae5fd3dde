#!/bin/bash
# demo.sh -- end-to-end demonstration of the scripted SIP clients against a stand-in registrar/proxy
# (a private Kamailio built from shared/bench/kamailio/kamailio.cfg, beside the checkout or in
# $SIPD_SHARED, with WITH_AUTH).
#
#   baresip (u000001) and linphonec (u000002) REGISTER with digest auth, exchange SIP MESSAGEs,
#   baresip calls linphonec (auto-answer), a 1 kHz tone flows baresip -> linphonec and a 440 Hz
#   tone linphonec -> baresip, both sides record, baresip hangs up, sox finds the tone frequencies.
#
# Usage: tests/clients/demo.sh            (env: DEMO_PORT=5370 DEMO_DIR=<mktemp -d> DEMO_KEEP=1)
# Needs: apt-get install baresip-core linphone-cli kamailio kamailio-sqlite-modules sox sqlite3 python3
# Exit: 0 all steps passed, 1 a step failed, 2 missing tools.
set -u
here=$(cd "$(dirname "$0")" && pwd)
kamref=${KAM_REF_DIR:-${SIPD_SHARED:-$here/../../../shared}/bench/kamailio}
[ -f "$kamref/kamailio.cfg" ] || { echo "no kamailio.cfg in $kamref: set SIPD_SHARED (or KAM_REF_DIR)" >&2; exit 2; }
PORT=${DEMO_PORT:-5370}

missing=""
for t in baresip linphonec kamailio sox sqlite3 python3; do command -v "$t" >/dev/null || missing="$missing $t"; done
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/db_sqlite.so ] || missing="$missing kamailio-sqlite-modules"
if [ -n "$missing" ]; then
	echo "demo: missing:$missing" >&2
	echo "demo: apt-get install -y baresip-core linphone-cli kamailio kamailio-sqlite-modules sox sqlite3" >&2
	exit 2
fi

W=${DEMO_DIR:-$(mktemp -d /tmp/sipclients-demo.XXXXXX)}
mkdir -p "$W"
export SIPCLIENTS_DIR="$W/clients"
. "$here/baresip.sh"
. "$here/linphone.sh"

KAMPID=""
kam_stop() {
	[ -n "$KAMPID" ] || return 0
	kill "$KAMPID" 2>/dev/null
	local i
	for i in $(seq 100); do
		kill -0 "$KAMPID" 2>/dev/null || [ -n "$(pgrep -P "$KAMPID")" ] || break
		sleep 0.1
	done
	kill -0 "$KAMPID" 2>/dev/null && kill -9 "$KAMPID" 2>/dev/null
	wait "$KAMPID" 2>/dev/null
	KAMPID=""
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	bs_stop_all
	lp_stop_all
	kam_stop
	# Verify nothing we started is left.
	local left=""
	for p in $(cat "$W"/pids 2>/dev/null); do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	if [ -n "$left" ]; then echo "demo: LEFTOVER processes:$left" >&2; rc=1; fi
	[ "${DEMO_KEEP:-0}" = 1 ] || [ -n "${DEMO_DIR:-}" ] || rm -rf "$W"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; exit 1; }
step() { printf '%-40s' "$1"; }
t0=$(date +%s.%N)
elapsed() { python3 -c "import sys; print('%.2fs' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)"; }

# --- stand-in registrar/proxy: private Kamailio instance (own port, DB, ctl socket) ---
mkdir -p "$W/kam"
sed -e "s/5070/$PORT/g" -e "s#/tmp/kam/#$W/kam/#g" "$kamref/kamailio.cfg" > "$W/kam/kamailio.cfg"
"$kamref/mkdb.sh" "$W/kam/kam.db" 10 >/dev/null 2>&1 || fail "mkdb"
kamailio -DD -E -m 64 -f "$W/kam/kamailio.cfg" -P "$W/kam/kam.pid" -A WITH_AUTH -A CHILDREN_1 \
	> "$W/kam/kam.log" 2>&1 &
KAMPID=$!
echo "$KAMPID" >> "$W/pids"
for _ in $(seq 50); do [ -S "$W/kam/kamailio_ctl" ] && break; sleep 0.1; done
[ -S "$W/kam/kamailio_ctl" ] || { tail "$W/kam/kam.log"; fail "kamailio did not start"; }
echo "kamailio (WITH_AUTH) on 127.0.0.1:$PORT, pid $KAMPID  [$(elapsed)]"

# --- audio sources: 8 kHz mono 16-bit, longer than the call (baresip hangs up at end of file) ---
sox -n -r 8000 -c 1 -b 16 "$W/tone1k.wav" synth 30 sine 1000 vol 0.5 || fail "sox"
sox -n -r 8000 -c 1 -b 16 "$W/tone440.wav" synth 30 sine 440 vol 0.5 || fail "sox"

# --- clients ---
bs_start BS u000001 pw000001 127.0.0.1 "$PORT" 5391 "$W/tone1k.wav" "$W/bs_rx.wav" || fail "bs_start"
cat "$SIPCLIENTS_DIR/bs-BS/pid" >> "$W/pids"
lp_start LP u000002 pw000002 127.0.0.1 "$PORT" 5393 "$W/tone440.wav" "$W/lp_rx.wav" || fail "lp_start"
cat "$SIPCLIENTS_DIR/lp-LP/pid" >> "$W/pids"

bs_wait_registered BS 10 || fail "baresip not registered"
echo "baresip  u000001 REGISTERED  [$(elapsed)]"
lp_wait_registered LP 10 || fail "linphonec not registered"
echo "linphone u000002 REGISTERED  [$(elapsed)]"

bs_send_message BS "sip:u000002@127.0.0.1:$PORT" "hello from baresip" || fail "bs_send_message"
lp_wait_message LP "hello from baresip" 5 || fail "linphonec got no MESSAGE"
echo "MESSAGE baresip -> linphonec received  [$(elapsed)]"
lp_send_message LP "sip:u000001@127.0.0.1:$PORT" "hello from linphone"
bs_wait_message BS "hello from linphone" 5 || fail "baresip got no MESSAGE"
echo "MESSAGE linphonec -> baresip received  [$(elapsed)]"

bs_dial BS "sip:u000002@127.0.0.1:$PORT" || fail "bs_dial"
lp_wait_incoming LP 5 || fail "linphonec saw no INVITE"
bs_wait_established BS 5 || fail "baresip: call not established"
lp_wait_established LP 5 || fail "linphonec: call not established"
echo "CALL ESTABLISHED (linphonec auto-answered)  [$(elapsed)]"
sleep "${DEMO_CALL_SECS:-4}"
bs_hangup BS
bs_wait_closed BS 5 || fail "baresip: call not closed"
lp_wait_closed LP 5 || fail "linphonec: call not closed"
echo "CALL CLOSED (baresip hung up)  [$(elapsed)]"

# Stop the clients: linphonec finalises its recording at call end, baresip's copy is made by bs_stop.
bs_stop BS
lp_stop LP

peak() { sox "$1" -n stat -freq 2>&1 | awk 'NF==2 && $1+0==$1 { if ($2 > m) { m = $2; f = $1 } } END { printf "%.0f", f }'; }
check() { # FILE EXPECTED_HZ LABEL
	[ -s "$1" ] || fail "$3: no recording $1"
	local dur rms f
	dur=$(soxi -D "$1")
	rms=$(sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ { print $3 }')
	f=$(peak "$1")
	echo "$3: $1: ${dur}s, RMS $rms, peak frequency ${f} Hz (sox stat: $(sox "$1" -n stat 2>&1 | awk '/Rough +frequency/ { print "rough " $3 " Hz" }'))"
	python3 -c "import sys; f,e,d=float(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); sys.exit(0 if abs(f-e)<=e*0.03 and d>=1.0 else 1)" "$f" "$2" "$dur" \
		|| fail "$3: expected ~$2 Hz"
}
check "$W/lp_rx.wav" 1000 "linphonec received (baresip's 1 kHz)"
check "$W/bs_rx.wav" 440 "baresip received (linphonec's 440 Hz)"
if [ "${DEMO_KEEP:-0}" = 1 ] || [ -n "${DEMO_DIR:-}" ]; then kept="work dir kept: $W"; else kept="work dir removed; DEMO_KEEP=1 keeps it"; fi
echo "DEMO OK  [$(elapsed)]  ($kept)"
