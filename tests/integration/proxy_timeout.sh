#!/bin/sh
# Transaction timeouts through the proxy (RFC 3261 16.6 steps 10-11, 16.7, 16.8, 17.1), with
# timers: t1 = 50 ms, so Timer B = Timer F = 64*T1 = 3.2 s; proxy.timer_c = 10 s (its minimum).
#  1. Timer B: a registered contact that never answers a forwarded INVITE (no 100, no 180):
#     the branch counts as 408 (16.8) and the caller gets 100, then 408, about 3.2 s later.
#  2. Timer F: a forwarded MESSAGE that nobody answers -> no response at all (RFC 4320 4.2)
#     (RFC 3261 16.8 / 16.7 step 6; RFC 4320 4.2 would rather have no response at all - see below).
#  3. Timer C (16.6 step 11): a callee that sends 180 and never answers: about 10 s after the
#     180 sipd CANCELs the branch ("if the client transaction has received a provisional
#     response, the proxy MUST generate a CANCEL"; the 408 rule is only for a branch without
#     a provisional).  The callee answers the CANCEL 200 and the INVITE 487, and that 487 is
#     the branch's final response: the caller gets 487 (16.7 step 6, the only final response)
#     after the callee sent it, not a 408 of sipd's own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH" 'timers: { t1 = 50; t2 = 400; t4 = 500; };' 'proxy: { timer_c = 10; };'

# A phone that never answers anything: records what it receives in $TMP/NAME.sink, one first
# line a line (time since start first).
cat >"$TMP/sink.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
t0 = time.monotonic()
with open(sys.argv[2], "a") as f:
    while True:
        m = s.recv(65535)
        f.write("%.3f %s\n" % (time.monotonic() - t0, m.split(b"\r\n", 1)[0].decode("latin-1")))
        f.flush()
PY
# sink NAME AOR: start one, registered for AOR
sink() {
	_sp=$(free_port) || fail "no free port"
	: >"$TMP/$1.sink"
	spawn timeout -k 2 60 "$PYTHON" "$TMP/sink.py" "$_sp" "$TMP/$1.sink"
	_rp=$(free_port) || fail "no free port"
	same "$(register "$1.reg" "$_rp" "$2" "sip:$1@127.0.0.1:$_sp")" 200 "$1: a silent phone registers for $2"
}
statuses() { sed -n 's/^[0-9.]* *SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$1" | tr '\n' ' ' | sed 's/ $//'; }
# at CODE FILE: the time (sipsend -T) at which CODE arrived
at() { sed -n "s/^\\([0-9.]*\\) *SIP\\/2\\.0 $1 .*/\\1/p" "$2" | head -n 1; }

# ---- 1: Timer B ----------------------------------------------------------------------------
BOB=sip:bob@127.0.0.1:$PORT
sink bob "$BOB"
$SIPSEND -p "$PORT" -m INVITE -u "$BOB" --body 'v=0' --ack -n 1 -w 12 --linger 0.5 -T \
    >"$TMP/tb.out" 2>&1
same "$(statuses "$TMP/tb.out")" "100 408" "1: INVITE to a phone that never answers: 100, then 408"
t=$(at 408 "$TMP/tb.out")
check "1: ... the 408 about 64*T1 = 3.2 s after the INVITE (got ${t:-none} s)" between "$t" 2.9 5
check "1: the phone received the INVITE (retransmitted: Timer A)" test "$(grep -c ' INVITE ' "$TMP/bob.sink")" -ge 2
same "$(grep -c ' CANCEL ' "$TMP/bob.sink")" 0 "1: no CANCEL for a branch without a provisional response (9.1)"

# ---- 2: Timer F ----------------------------------------------------------------------------
CAROL=sip:carol@127.0.0.1:$PORT
sink carol "$CAROL"
$SIPSEND -p "$PORT" -m MESSAGE -u "$CAROL" --ctype text/plain --body 'hello' -n 1 -w 12 --linger 0.5 -T \
    >"$TMP/tf.out" 2>&1
# RFC 4320 4.2: "A transaction-stateful SIP element MUST NOT send a response with Status-Code
# of 408 to a non-INVITE request": the caller's own Timer F ends it.
same "$(statuses "$TMP/tf.out")" "" "2: MESSAGE to a phone that never answers: no response (RFC 4320 4.2, no 408)"
check "2: the phone received the MESSAGE (retransmitted: Timer E)" test "$(grep -c ' MESSAGE ' "$TMP/carol.sink")" -ge 2

# ---- 3: Timer C ----------------------------------------------------------------------------
DAVE=sip:dave@127.0.0.1:$PORT
callee dave "$DAVE" --invite 180
dial caller3 --to "$DAVE" --time 25
i=$(msgs dave in INVITE | head -n 1) c=$(msgs dave in CANCEL | head -n 1)
same "$(nmsgs dave in CANCEL)" 1 "3: Timer C: the ringing callee got one CANCEL"
if need "3: the callee's INVITE and CANCEL" "$i" "$c"; then
	d=$(gap "$i" "$c")
	check "3: ... about timer_c = 10 s after the INVITE/180 (got $d s)" between "$d" 9.5 12
fi
same "$(codes dave out CANCEL) $(codes dave out INVITE)" "200 180 487" "3: the callee answered 200 to the CANCEL, 487 to the INVITE"
same "$(nmsgs dave in ACK)" 1 "3: sipd ACKed the 487"
same "$(codes caller3 in INVITE)" "100 180 487" \
    "3: the caller got 100, 180, then the callee's 487 (16.6 step 11: CANCEL, not 408, after a provisional)"
f=$(msgs caller3 in 4xx/INVITE | head -n 1) r=$(msgs dave out 487/INVITE | head -n 1)
if need "3: the caller's final response and the callee's 487" "$f" "$r"; then
	check "3: the caller's final response came after the callee's 487" \
	    "$PYTHON" -c 'import sys; sys.exit(not float(sys.argv[1]) >= float(sys.argv[2]))' "$(mtime "$f")" "$(mtime "$r")"
fi
same "$(nmsgs caller3 in 408/INVITE)" 0 "3: no 408 reached the caller"

[ "$FAILS" -eq 0 ] || { cat "$TMP/tb.out" "$TMP/tf.out" "$TMP/bob.sink" "$TMP/carol.sink"; show caller3; show dave; }
finish
