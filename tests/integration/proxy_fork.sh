#!/bin/sh
# Parallel forking (RFC 3261 16.5-16.7, 16.10): an AOR with two registered contacts gets the
# INVITE on both, each branch with a branch parameter of its own.
#  1. b1 rings then answers 200, b2 rings for ever: the caller gets both 180s, exactly one 200
#     (b1's) and nothing else final; b2 gets a CANCEL for its INVITE (9.1: same branch,
#     Request-URI, Call-ID, From, To, CSeq number), answers 200 + 487 and gets sipd's ACK for
#     the 487; b1 gets the caller's ACK and BYE.
#  2. Best response (16.7 step 6): 500 from one and 486 from the other -> the caller gets one
#     final, the 486 (lowest class), once both branches are done; both are ACKed by sipd.
#  3. 6xx (16.7 step 5): 603 from one -> sipd CANCELs the other, which is still ringing, and the
#     caller gets the 603 (6xx wins over the 487), once.
#  4. Both answer 200, the second after sipd's CANCEL crossed it: both 200s reach the caller
#     (16.7 step 5), which ACKs and BYEs both dialogs through sipd.
# Serial forking (q-values) is not tested here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH"

# top_branch FILE: the branch of FILE's top Via
top_branch() { hdr "$1" Via | sed -n '1s/.*;[ ]*branch=\([^; ]*\).*/\1/p'; }
# same_as_invite WHAT CANCEL INVITE: the CANCEL matches the INVITE as 9.1 asks
same_as_invite() {
	same "$(top_branch "$2")" "$(top_branch "$3")" "$1: the CANCEL's branch is the INVITE's (9.1)"
	same "$(startline "$2" | cut -d' ' -f2)" "$(startline "$3" | cut -d' ' -f2)" \
	    "$1: the CANCEL's Request-URI is the INVITE's"
	for h in Call-ID From To; do
		same "$(hdr "$2" "$h")" "$(hdr "$3" "$h")" "$1: the CANCEL's $h is the INVITE's"
	done
	same "$(hdr "$2" CSeq)" "$(hdr "$3" CSeq | sed 's/INVITE$/CANCEL/')" "$1: CSeq number the INVITE's, method CANCEL"
}
peers_of() {	# peers_of NAME WHAT: the X-Peer values of NAME's received WHAT responses, sorted
	for f in $(msgs "$1" in "$2"); do hdr "$f" X-Peer; done | sort | tr '\n' ' ' | sed 's/ $//'
}

# ---- 1: one answers, the other is cancelled ------------------------------------------------------
BOB=sip:bob@127.0.0.1:$PORT
callee b1 "$BOB" --invite 180,200@1
callee b2 "$BOB" --invite 180
dial alice --to "$BOB" --bye
wait_msgs b2 in ACK	# the CANCEL to b2, its 487 and sipd's ACK may trail the caller's BYE

same "$(nmsgs b1 in INVITE) $(nmsgs b2 in INVITE)" "1 1" "1: each contact received the INVITE once"
i1=$(msgs b1 in INVITE | head -n 1) i2=$(msgs b2 in INVITE | head -n 1)
if need "1: the INVITEs b1 and b2 got" "$i1" "$i2"; then
	check "1: the two branches have different sipd branch parameters" \
	    test "$(top_branch "$i1")" != "$(top_branch "$i2")"
fi
same "$(codes alice in INVITE)" "100 180 180 200" "1: the caller received 100 from sipd, both 180s, then one 200 (in order)"
same "$(peers_of alice 180/INVITE)" "b1 b2" "1: ... the 180s from b1 and from b2"
same "$(peers_of alice 200/INVITE)" "b1" "1: ... the 200 from b1"
same "$(codes alice in BYE)" 200 "1: the BYE got its 200"
same "$(nmsgs b1 in ACK) $(nmsgs b1 in BYE) $(nmsgs b1 in CANCEL)" "1 1 0" \
    "1: b1 got the ACK and the BYE, no CANCEL"
same "$(nmsgs b2 in CANCEL)" 1 "1: b2 got one CANCEL"
c2=$(msgs b2 in CANCEL | head -n 1)
need "1: b2's CANCEL and INVITE" "$c2" "$i2" && same_as_invite "1: b2" "$c2" "$i2"
same "$(codes b2 out CANCEL) $(codes b2 out INVITE)" "200 180 487" "1: b2 answered 200 to the CANCEL and 487 to the INVITE"
a2=$(msgs b2 in ACK | head -n 1)
same "$(nmsgs b2 in ACK)" 1 "1: b2 got one ACK (for its 487)"
need "1: b2's ACK and INVITE" "$a2" "$i2" && same "$(top_branch "$a2")" "$(top_branch "$i2")" \
    "1: ... sipd's, with the INVITE's branch (17.1.1.3)"
same "$(nmsgs b2 in BYE)" 0 "1: b2 got no BYE"

# ---- 2: two failures, the lowest class wins ------------------------------------------------------
CAROL=sip:carol@127.0.0.1:$PORT
callee c1 "$CAROL" --invite 180,500@0.3
callee c2 "$CAROL" --invite 180,486@1
dial alice2 --to "$CAROL"
finals=$(codes alice2 in INVITE | tr ' ' '\n' | grep -v '^1' | tr '\n' ' ' | sed 's/ $//')
same "$finals" 486 "2: 500 from c1 and 486 from c2: the caller gets only the 486 (16.7 step 6)"
same "$(nmsgs c1 in ACK) $(nmsgs c2 in ACK)" "1 1" "2: sipd ACKed both failures"
same "$(nmsgs c1 in CANCEL) $(nmsgs c2 in CANCEL)" "0 0" "2: nobody was cancelled"

# ---- 3: a 6xx ends the forking -------------------------------------------------------------------
DAVE=sip:dave@127.0.0.1:$PORT
callee d1 "$DAVE" --invite 180
callee d2 "$DAVE" --invite 180,603@0.5
dial alice3 --to "$DAVE"
finals=$(codes alice3 in INVITE | tr ' ' '\n' | grep -v '^1' | tr '\n' ' ' | sed 's/ $//')
same "$finals" 603 "3: 603 from d2 while d1 rings: the caller gets only the 603"
same "$(nmsgs d1 in CANCEL)" 1 "3: d1 got a CANCEL (16.7 step 5: a 6xx cancels the pending branches)"
c1=$(msgs d1 in CANCEL | head -n 1) i1=$(msgs d1 in INVITE | head -n 1)
need "3: d1's CANCEL and INVITE" "$c1" "$i1" && same_as_invite "3: d1" "$c1" "$i1"
same "$(nmsgs d1 in ACK) $(nmsgs d2 in ACK)" "1 1" "3: sipd ACKed d1's 487 and d2's 603"

# ---- 4: a 200 from each branch (the second crossed sipd's CANCEL) ------------------------------------
ERIN=sip:erin@127.0.0.1:$PORT
callee e1 "$ERIN" --invite 180,200@0.4
callee e2 "$ERIN" --invite 180,200@0.8 --ignore-cancel
dial alice4 --to "$ERIN" --bye
c=$(msgs e2 in CANCEL | head -n 1) a=$(msgs e2 out 200/INVITE | head -n 1)
check "4: e2 got sipd's CANCEL before it sent its 200 (the race this step is about)" \
    test -n "$c" -a -n "$a" -a "${c##*.}" -lt "${a##*.}"
same "$(peers_of alice4 200/INVITE)" "e1 e2" "4: both 200s reached the caller (16.7 step 5: every 2xx is forwarded)"
same "$(nmsgs e1 in ACK) $(nmsgs e2 in ACK)" "1 1" "4: each callee got the caller's ACK"
same "$(nmsgs e1 in BYE) $(nmsgs e2 in BYE)" "1 1" "4: ... and its BYE"

[ "$FAILS" -eq 0 ] || for p in alice b1 b2 alice2 c1 c2 alice3 d1 d2 alice4 e1 e2; do show "$p"; done
finish
