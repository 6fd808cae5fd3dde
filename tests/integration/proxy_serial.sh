#!/bin/sh
# Serial forking by q-value (RFC 3261 16.6, 16.7; proxy.serial_forking, default 1).
#  1. alice has two contacts, a1 q=1.0 and a2 q=0.5: an INVITE rings a1 only; a1 answers 486
#     (ACKed by sipd), then a2 rings and answers 200: the caller gets that 200 and never the 486.
#  2. equal q-values (1.0 and 1.0): both contacts ring at once.
#  3. proxy.serial_forking = 0: two q-values ring at once all the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

# qcallee NAME AOR Q [uas options]: a phone that listens, registered by a REGISTER with ;q=Q
qcallee() {
	_qn=$1 _qa=$2 _qq=$3
	shift 3
	callee "$_qn" - "$@"
	_qp=$(free_port) || fail "no free port"
	same "$(register "$_qn.reg" "$_qp" "$_qa" "sip:$_qn@127.0.0.1:$CALLEE_PORT" 300 ";q=$_qq")" 200 \
	    "$_qn registers for $_qa with q=$_qq"
}
peers_of() {	# peers_of NAME WHAT: the X-Peer values of NAME's received WHAT responses, in order
	for f in $(msgs "$1" in "$2"); do hdr "$f" X-Peer; done | tr '\n' ' ' | sed 's/ $//'
}
# timing A B: |mtime(A) - mtime(B)| < 0.3 s -> "together", else "apart" (nothing when one is missing)
timing() {
	[ -n "$1" ] && [ -n "$2" ] &&
	"$PYTHON" -c 'import sys; print("together" if abs(float(sys.argv[1]) - float(sys.argv[2])) < 0.3 else "apart")' \
	    "$(mtime "$1")" "$(mtime "$2")"
}

start_sipd "$PROXY_NOAUTH" 'proxy: { serial_forking = 1; };'

# ---- 1: q=1.0 first, then q=0.5 ------------------------------------------------------------
ALICE=sip:alice@127.0.0.1:$PORT
qcallee a1 "$ALICE" 1.0 --invite 180,486@1
qcallee a2 "$ALICE" 0.5 --invite 180,200@0.3
dial caller1 --to "$ALICE" --bye
wait_msgs a1 in ACK	# sipd's ACK for a1's 486 may trail the caller
same "$(nmsgs a1 in INVITE) $(nmsgs a2 in INVITE)" "1 1" "1: each contact got the INVITE once"
i2=$(msgs a2 in INVITE | head -n 1) r1=$(msgs a1 out 486/INVITE | head -n 1)
if need "1: a2's INVITE and a1's 486" "$i2" "$r1"; then
	check "1: a2 (q=0.5) got its INVITE only after a1 (q=1.0) answered 486" \
	    "$PYTHON" -c 'import sys; sys.exit(not float(sys.argv[1]) >= float(sys.argv[2]))' \
	    "$(mtime "$i2")" "$(mtime "$r1")"
fi
same "$(codes caller1 in INVITE)" "100 180 180 200" "1: the caller got 100, two 180s, one 200"
same "$(peers_of caller1 1xx/INVITE | sed 's/^ *//')" "a1 a2" "1: ... a1's 180 first, then a2's"
same "$(peers_of caller1 200/INVITE)" "a2" "1: ... the 200 from a2"
same "$(nmsgs caller1 in 486/INVITE)" 0 "1: the 486 did not reach the caller"
same "$(nmsgs a1 in ACK) $(nmsgs a1 in CANCEL)" "1 0" "1: sipd ACKed a1's 486, no CANCEL"
same "$(nmsgs a2 in ACK) $(nmsgs a2 in BYE)" "1 1" "1: a2 got the caller's ACK and BYE"

# ---- 2: equal q-values ring together -------------------------------------------------------
BOB=sip:bob@127.0.0.1:$PORT
qcallee b1 "$BOB" 1.0 --invite 180,200@1
qcallee b2 "$BOB" 1.0 --invite 180
dial caller2 --to "$BOB" --bye
wait_msgs b2 in CANCEL	# sipd's CANCEL to b2 may trail the caller
same "$(nmsgs b1 in INVITE) $(nmsgs b2 in INVITE)" "1 1" "2: equal q: both contacts got the INVITE"
j1=$(msgs b1 in INVITE | head -n 1) j2=$(msgs b2 in INVITE | head -n 1)
same "$(timing "$j1" "$j2")" together "2: ... at once"
same "$(peers_of caller2 200/INVITE)" "b1" "2: the caller got b1's 200"
same "$(nmsgs b2 in CANCEL)" 1 "2: b2 was cancelled"

# ---- 3: serial_forking = 0 -----------------------------------------------------------------
stop_sipd
start_sipd "$PROXY_NOAUTH" 'proxy: { serial_forking = 0; };'
CAROL=sip:carol@127.0.0.1:$PORT
qcallee c1 "$CAROL" 1.0 --invite 180,486@1
qcallee c2 "$CAROL" 0.5 --invite 180,200@0.3
dial caller3 --to "$CAROL" --bye
wait_msgs c1 in CANCEL	# sipd's CANCEL to c1 may trail the caller
same "$(nmsgs c1 in INVITE) $(nmsgs c2 in INVITE)" "1 1" "3: serial_forking = 0: both contacts got the INVITE"
k1=$(msgs c1 in INVITE | head -n 1) k2=$(msgs c2 in INVITE | head -n 1)
same "$(timing "$k1" "$k2")" together "3: ... at once, whatever their q"
same "$(peers_of caller3 200/INVITE)" "c2" "3: the caller got c2's 200"
same "$(nmsgs c1 in CANCEL)" 1 "3: c1 (still ringing) was cancelled"

[ "$FAILS" -eq 0 ] || for p in caller1 a1 a2 caller2 b1 b2 caller3 c1 c2; do show "$p"; done
finish
