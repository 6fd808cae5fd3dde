#!/bin/sh
# CANCEL through the proxy (RFC 3261 9, 16.10).
#  1. The callee rings (180) and never answers; the caller CANCELs: sipd answers the CANCEL 200
#     itself, sends its own CANCEL to the callee (9.1: the INVITE's branch, Request-URI,
#     Call-ID, From, To and CSeq number, and a single Via), the callee answers 200 and 487, sipd
#     ACKs the 487 (17.1.1.3) and the caller gets the 487 once (its ACK taken by sipd).
#  2. The callee's first provisional response comes 1.2 s late; the caller CANCELs at once:
#     sipd must hold its CANCEL until that provisional response has arrived (9.1), then
#     proceed as in 1.
#  3. A CANCEL that matches no transaction gets 481 (whether sipd answers it or forwards it
#     statelessly, 16.10).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH"

top_branch() { hdr "$1" Via | sed -n '1s/.*;[ ]*branch=\([^; ]*\).*/\1/p'; }
# cancel_matches WHAT CANCEL INVITE: sipd's CANCEL matches the INVITE it cancels (9.1)
cancel_matches() {
	same "$(top_branch "$2")" "$(top_branch "$3")" "$1: the CANCEL's branch is the INVITE's"
	same "$(hdr "$2" Via | grep -c .)" 1 "$1: the CANCEL has a single Via"
	same "$(startline "$2" | cut -d' ' -f2)" "$(startline "$3" | cut -d' ' -f2)" \
	    "$1: the CANCEL's Request-URI is the INVITE's"
	for h in Call-ID From To; do
		same "$(hdr "$2" "$h")" "$(hdr "$3" "$h")" "$1: the CANCEL's $h is the INVITE's"
	done
	same "$(hdr "$2" CSeq)" "$(hdr "$3" CSeq | sed 's/INVITE$/CANCEL/')" "$1: CSeq number the INVITE's, method CANCEL"
}
# after NAME WAY1 WHAT1 WAY2 WHAT2: NAME's first WHAT1 (WAY1) came before its first WHAT2 (WAY2)
after_first() {
	_a=$(msgs "$1" "$2" "$3" | head -n 1) _b=$(msgs "$1" "$4" "$5" | head -n 1)
	[ -n "$_a" ] && [ -n "$_b" ] && [ "${_a##*.}" -lt "${_b##*.}" ]
}

# ---- 1: ringing, cancelled -------------------------------------------------------------------------
BOB=sip:bob@127.0.0.1:$PORT
callee bob "$BOB" --invite 180
dial alice --to "$BOB" --cancel-after 0.5
wait_msgs bob in ACK	# sipd's ACK for the callee's 487 may trail the caller
same "$(codes alice in INVITE)" "100 180 487" "1: the caller got 100, 180, then the 487 once (its ACK stopped retransmissions)"
same "$(codes alice in CANCEL)" 200 "1: the caller's CANCEL got 200"
same "$(nmsgs bob in CANCEL)" 1 "1: the callee got one CANCEL"
c=$(msgs bob in CANCEL | head -n 1) i=$(msgs bob in INVITE | head -n 1)
need "1: the callee's CANCEL and INVITE" "$c" "$i" && cancel_matches "1" "$c" "$i"
same "$(codes bob out CANCEL) $(codes bob out INVITE)" "200 180 487" "1: the callee answered 200 to the CANCEL, 487 to the INVITE"
same "$(nmsgs bob in ACK)" 1 "1: the callee got one ACK for its 487"
a=$(msgs bob in ACK | head -n 1)
need "1: the callee's ACK and INVITE" "$a" "$i" && same "$(top_branch "$a")" "$(top_branch "$i")" "1: ... sipd's, with the INVITE's branch (17.1.1.3)"
bad=0
for f in $(msgs alice in 487/INVITE) $(msgs alice in 200/CANCEL); do
	[ "$(hdr "$f" Via | grep -c .)" = 1 ] || { bad=$((bad + 1)); say "  $f: Vias $(hdr "$f" Via | tr '\n' ' ')"; }
done
same "$bad" 0 "1: responses to the caller with a Via other than its own"

# ---- 2: CANCEL before the callee's first provisional response --------------------------------------
CAROL=sip:carol@127.0.0.1:$PORT
callee carol "$CAROL" --invite 180@1.2
dial alice2 --to "$CAROL" --cancel-after 0.1
wait_msgs carol in ACK	# sipd's ACK for the callee's 487 may trail the caller
same "$(codes alice2 in CANCEL)" 200 "2: the caller's CANCEL got 200"
finals=$(codes alice2 in INVITE | tr ' ' '\n' | grep -v '^1' | tr '\n' ' ' | sed 's/ $//')
same "$finals" 487 "2: the caller got the 487"
same "$(nmsgs carol in CANCEL)" 1 "2: the callee got one CANCEL"
check "2: ... only after it had sent its 180 (9.1: no CANCEL before a provisional response)" \
    after_first carol out 180/INVITE in CANCEL
c=$(msgs carol in CANCEL | head -n 1) i=$(msgs carol in INVITE | head -n 1)
need "2: the callee's CANCEL and INVITE" "$c" "$i" && cancel_matches "2" "$c" "$i"
same "$(nmsgs carol in ACK)" 1 "2: the callee got one ACK for its 487"

# ---- 3: a CANCEL for nothing -----------------------------------------------------------------------
$SIPSEND -p "$PORT" -m CANCEL -u "$BOB" -n 1 -w 3 >"$TMP/stray.resp" 2>&1
same "$(sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/stray.resp" | tr '\n' ' ' | sed 's/ $//')" 481 \
    "3: a CANCEL matching no transaction gets 481"
say "note: that CANCEL $( [ "$(nmsgs bob in CANCEL)" -gt 1 ] && echo 'was forwarded to the callee (16.10)' || echo 'was answered by sipd itself')"

[ "$FAILS" -eq 0 ] || for p in alice bob alice2 carol; do show "$p"; done
finish
