#!/bin/sh
# Flood protection (flood.rate / burst / ban_time): while sipflood (tests/tools/sipflood.c)
# sends 50,000 datagrams a second from 127.0.0.2 - garbage, then valid OPTIONS, then valid
# REGISTERs, FLOOD_SECONDS (6) each - a phone on 127.0.0.3 (phone.py) registers and calls a
# phone on 127.0.0.4 through sipd, with digest authentication; every one of its transactions
# must be answered (retransmissions allowed).  The flooder is banned with one log line per ban,
# an auth.trusted address is never banned, and sipd's peak RSS stays under RSS_LIMIT_KB.
# Numbers (offered rate, legitimate success, peak RSS) are printed as "flood-result: ...".
# Then with the flood settings of the sample etc/sipd.conf: SIPp caller and callee on one address
# (127.0.0.1, an office behind one NAT) make LOAD_CALLS calls at LOAD_RATE (100) calls/s through
# sipd - none fails and the address is not banned (the callee's responses answer sipd's own
# requests and do not count) - and a flood of CUT_RATE (5000) requests/s from one address is
# banned within a second, its requests dropped from then on.
SIPD_DOMAINS='"example.test"'
SIPD_LOG_LEVEL=info
. "$(dirname "$0")/lib.sh"

FLOOD=${SIPFLOOD:-$(dirname "$SIPD")/tests/tools/sipflood}
[ -x "$FLOOD" ] || fail "no sipflood at $FLOOD (make check builds it)"
SIPCTL=$(dirname "$SIPD")/sipctl
FLOOD_RATE=${FLOOD_RATE:-50000}
FLOOD_SECONDS=${FLOOD_SECONDS:-6}
RSS_LIMIT_KB=${RSS_LIMIT_KB:-65536}
# an ASan build (--enable-sanitizers) keeps shadow memory and freed blocks in quarantine
grep -qa __asan_init "$SIPD" && RSS_LIMIT_KB=${RSS_LIMIT_KB_ASAN:-524288}
# under valgrind (SIPD_VALGRIND=1) sipd is many times slower and valgrind's memory is counted:
# the run looks for memory errors, not for speed or size
VG=${SIPD_VALGRIND:-0}
[ "$VG" = 1 ] && RSS_LIMIT_KB=2097152
PHONE="$PYTHON $TESTDIR/phone.py"

start_sipd 'auth: { trusted = [ "127.0.0.5" ]; };' 'flood: { rate = 200; burst = 400; ban_time = 3; };'
for u in alice bob; do
	printf 'pw-%s\n' "$u" | "$SIPCTL" -c "$TMP/sipd.conf" user add "$u" >/dev/null 2>&1 ||
		fail "sipctl user add $u"
done
spawn $PHONE uas --server-port "$PORT" --bind 127.0.0.4 --user bob --password pw-bob \
    --domain example.test --time $((FLOOD_SECONDS * 3 + 40)) --ready "$TMP/bob.ready"
_w=0
while [ ! -e "$TMP/bob.ready" ]; do
	[ $_w -ge 100 ] && fail "bob (127.0.0.4) did not register"
	sleep 0.1; _w=$((_w + 1))
done
ok "bob registered from 127.0.0.4"

peak_rss() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SIPD_PID/status"; }

# flood MODE: one attack of FLOOD_SECONDS with alice calling through it
flood() {
	_bans=$(log_count "ban src=127.0.0.2 ")
	"$FLOOD" -H 127.0.0.1 -p "$PORT" -b 127.0.0.2 -r "$FLOOD_RATE" -d "$FLOOD_SECONDS" -m "$1" \
	    >"$TMP/flood-$1.out" 2>&1 &
	_fp=$!
	BG_PIDS="$BG_PIDS $_fp"
	sleep 0.5	# the attack is on before alice starts
	rounds=$((FLOOD_SECONDS - 2))
	$PHONE uac --server-port "$PORT" --bind 127.0.0.3 --user alice --password pw-alice \
	    --domain example.test --to bob --rounds "$rounds" --gap 0.5 >"$TMP/alice-$1.out" 2>&1
	_st=$?
	_alive=0; kill -0 "$_fp" 2>/dev/null && _alive=1
	wait "$_fp"
	sent=$(sed -n 's/^sent \([0-9]*\) in \([0-9.]*\) s: \([0-9]*\)\/s/\3/p' "$TMP/flood-$1.out")
	tr=$(sed -n 's/^transactions \([0-9]*\) answered \([0-9]*\).*/\2\/\1/p' "$TMP/alice-$1.out")
	say "flood-result: mode=$1 offered=${sent:-?}/s for ${FLOOD_SECONDS}s legit-answered=$tr" \
	    "(rounds: $(sed -n 's/^rounds //p' "$TMP/alice-$1.out")) peak-rss=$(peak_rss)kB"
	check "$1 flood at ${sent:-?}/s: every transaction of alice answered ($tr)" [ "$_st" -eq 0 ]
	[ "$VG" = 1 ] || check "$1 flood: alice's calls overlapped the attack" [ "$_alive" -eq 1 ]
	[ "$_st" -eq 0 ] || sed 's/^/    | /' "$TMP/alice-$1.out"
	check "$1 flood: the flooder was banned, logged once per ban" \
	    [ "$(log_count "ban src=127.0.0.2 ")" -gt "$_bans" ]
	check "$1 flood: sipd still runs" kill -0 "$SIPD_PID"
	sleep 3.2	# the 3 s ban runs out before the next attack
}

flood garbage
flood options
flood register
n=$(log_count "ban src=127.0.0.2 ")
# ban_time 3 s: at most one ban per 3 s of attack
check "bans logged: $n, at most one per ban_time of attack" [ "$n" -le $((3 * (FLOOD_SECONDS / 3 + 1))) ]
check "the phones' addresses were never banned" [ "$(grep -c 'ban src=127.0.0.[34] ' "$TMP/sipd.log")" -eq 0 ]
check "valid flood requests got no further than the burst (<= 3 x (400 + 200 x 6)) logged" \
    [ "$(grep -c 'src=udp:127.0.0.2:' "$TMP/sipd.log")" -le 4800 ]
rss=$(peak_rss)
check "peak RSS of sipd ${rss} kB <= ${RSS_LIMIT_KB} kB" [ "$rss" -le "$RSS_LIMIT_KB" ]

# A trusted address (auth.trusted) is exempt: 1,000 OPTIONS in about a second all answered.
"$FLOOD" -H 127.0.0.1 -p "$PORT" -b 127.0.0.5 -r 1000 -d 1 -m options >"$TMP/flood-trusted.out" 2>&1
sleep 0.5
check "the trusted 127.0.0.5 sent 1000 OPTIONS in 1 s and was not banned" \
    [ "$(grep -c 'ban src=127.0.0.5 ' "$TMP/sipd.log")" -eq 0 ]
t=$(grep -c 'method=OPTIONS .*src=udp:127.0.0.5:' "$TMP/sipd.log")
check "sipd handled all of the trusted peer's OPTIONS ($t of 1000)" [ "$t" -ge 990 ]

# ---- the sample's flood settings: 100 calls/s from one address pass, a flood is cut off ----------
command -v "${SIPP:-sipp}" >/dev/null 2>&1 || skip "sipp not installed"
LOAD_RATE=${LOAD_RATE:-100} LOAD_CALLS=${LOAD_CALLS:-500} CUT_RATE=${CUT_RATE:-5000}
# under valgrind sipd cannot keep up with 100 calls/s: the run looks for memory errors there
[ "$VG" = 1 ] && LOAD_RATE=10 LOAD_CALLS=50
SAMPLE_FLOOD=$(sed -n '/^flood: {/,/^};/p' "$SRCDIR/etc/sipd.conf" | grep -v '^[[:space:]]*#')
S_RATE=$(printf '%s\n' "$SAMPLE_FLOOD" | sed -n 's/^[[:space:]]*rate = \([0-9]*\);.*/\1/p')
S_BURST=$(printf '%s\n' "$SAMPLE_FLOOD" | sed -n 's/^[[:space:]]*burst = \([0-9]*\);.*/\1/p')
[ -n "$S_RATE" ] && [ -n "$S_BURST" ] || fail "no flood.rate / flood.burst in $SRCDIR/etc/sipd.conf"
stop_sipd
start_sipd 'auth: { register = 0; calls = 0; };' "$SAMPLE_FLOOD"
say "sample flood settings: $(printf '%s' "$SAMPLE_FLOOD" | tr -s ' \t\n' ' ')"
UASPORT=$(free_port) || fail "no free port for the callee"
{
	printf 'REGISTER sip:127.0.0.1:%s SIP/2.0\r\n' "$PORT"
	printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
	printf 'Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.1>;tag=r1\r\nTo: <sip:bob@127.0.0.1>\r\n'
	printf 'Call-ID: [call_id]@reg\r\nCSeq: 1 REGISTER\r\n'
	printf 'Contact: <sip:bob@127.0.0.1:%s>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n' "$UASPORT"
} >"$TMP/load-reg.req"
$SIPSEND --subst -p "$PORT" -l "$UASPORT" -n 1 -w 5 -v "$TMP/load-reg.req" >"$TMP/load-reg.resp" 2>&1
grep -q '^SIP/2.0 200 ' "$TMP/load-reg.resp" || fail "the callee could not register from 127.0.0.1:$UASPORT"
spawn timeout -k 5 60 "${SIPP:-sipp}" -sf "$SCENARIOS/proxy_uas.xml" -i 127.0.0.1 -p "$UASPORT" \
    -m "$LOAD_CALLS" -timeout 50s -timeout_error -nostdin -trace_err -error_file "$TMP/sipp-load-uas.err" \
    >"$TMP/sipp-load-uas.out" 2>&1
UAS_PID=$BG_PID
_w=0
while "$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", int(sys.argv[1])))' \
    "$UASPORT" 2>/dev/null; do
	[ $_w -ge 50 ] && fail "the callee's sipp does not listen on $UASPORT"
	sleep 0.1; _w=$((_w + 1))
done
bans0=$(log_count "ban src=127.0.0.1 ")
if run_sipp proxy_uac.xml "$LOAD_CALLS" -s bob -r "$LOAD_RATE" -l $((LOAD_RATE * 4)); then
	ok "$LOAD_CALLS calls at $LOAD_RATE calls/s from 127.0.0.1 through sipd: none failed"
else
	not_ok "$LOAD_CALLS calls at $LOAD_RATE calls/s from 127.0.0.1 through sipd: some failed"
fi
_w=0
while kill -0 "$UAS_PID" 2>/dev/null && [ $_w -lt 100 ]; do sleep 0.1; _w=$((_w + 1)); done
wait "$UAS_PID"
check "the callee (127.0.0.1) answered all $LOAD_CALLS calls" [ $? -eq 0 ]
check "no ban of 127.0.0.1 at $LOAD_RATE calls/s" [ "$(log_count "ban src=127.0.0.1 ")" -eq "$bans0" ]
say "flood-result: load: $(grep -E 'Successful call|Failed call' "$TMP/sipp-proxy_uac.screen" 2>/dev/null |
    tail -n 2 | tr -s ' |' ' ' | tr '\n' ';') at $LOAD_RATE calls/s from one address"

# a flood from one address: banned within a second, its requests dropped from then on
ms() { echo $(($(date +%s%N) / 1000000)); }
opts() { grep -c 'method=OPTIONS .*src=udp:127.0.0.2:' "$TMP/sipd.log"; }
bans0=$(log_count "ban src=127.0.0.2 ") opts0=$(opts)	# the log holds the attacks above too
t0=$(ms)
"$FLOOD" -H 127.0.0.1 -p "$PORT" -b 127.0.0.2 -r "$CUT_RATE" -d 2 -m options >"$TMP/flood-cut.out" 2>&1 &
_fp=$!
BG_PIDS="$BG_PIDS $_fp"
wait_log "ban src=127.0.0.2 " $((bans0 + 1)) 3
el=$(($(ms) - t0))
at_ban=$(($(opts) - opts0))
wait "$_fp"
# what sipd had read before the flood ended: wait until its count of them stops growing (2 s at most)
_prev=-1 _i=0
while [ "$(opts)" != "$_prev" ] && [ $_i -lt 20 ]; do _prev=$(opts); sleep 0.1; _i=$((_i + 1)); done
sent=$(sed -n 's/^sent \([0-9]*\) in.*/\1/p' "$TMP/flood-cut.out")
handled=$(($(opts) - opts0))
say "flood-result: cut-off: ${sent:-?} OPTIONS at $CUT_RATE/s from 127.0.0.2, ban logged after $el ms," \
    "$handled handled ($at_ban when the ban was seen)"
[ "$VG" = 1 ] || check "a flood of $CUT_RATE/s from one address is banned within 1 s (after $el ms)" [ "$el" -le 1000 ]
check "... with one log line" [ "$(log_count "ban src=127.0.0.2 ")" -eq $((bans0 + 1)) ]
# before the ban: the burst and the rate over the time it took, then nothing more gets through
[ "$handled" -le $((S_BURST + S_RATE)) ] && [ "${sent:-0}" -ge $((CUT_RATE * 3 / 2)) ]
check "... its requests dropped from then on ($handled handled of ${sent:-?}; at most burst + rate x 1 s)" \
    [ $? -eq 0 ]
finish
