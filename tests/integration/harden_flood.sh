#!/bin/sh
# Flood protection (flood.rate / burst / ban_time): while sipflood (tests/tools/sipflood.c)
# sends 50,000 datagrams a second from 127.0.0.2 - garbage, then valid OPTIONS, then valid
# REGISTERs, FLOOD_SECONDS (6) each - a phone on 127.0.0.3 (phone.py) registers and calls a
# phone on 127.0.0.4 through sipd, with digest authentication; every one of its transactions
# must be answered (retransmissions allowed).  The flooder is banned with one log line per ban,
# an auth.trusted address is never banned, and sipd's peak RSS stays under RSS_LIMIT_KB.
# Numbers (offered rate, legitimate success, peak RSS) are printed as "flood-result: ...".
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
finish
