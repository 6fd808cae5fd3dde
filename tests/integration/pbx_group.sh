#!/bin/sh
# Small-PBX numbers (issue 5): extensions and ring groups, end to end through sipd, with
# phones (peer.py) registered for users made with sipctl.
#  1. Extension: a call to sip:1004@domain reaches dave's phone (Request-URI: its contact),
#     dave answers, the caller's ACK and BYE reach him.
#  2. Parallel ring group 600 (erin, frank): both phones ring at once; erin answers, frank gets
#     a CANCEL for his INVITE (RFC 3261 16.10) and answers it 487; the caller gets erin's 200
#     and no other final response.
#  3. Serial ring group 601 (gina q=1, hank q=0.5, 2 s each): gina rings alone; after 2 s she
#     gets a CANCEL, then hank's phone rings and answers; the caller gets hank's 200.
#  4. Serial group 602: its first member is busy (486) -> the next member rings at once.
#  5. Parallel group 603 with a 2 s timeout that nobody answers: both ring, both are
#     cancelled after 2 s, the caller gets 408 (no answer), not 487.
#  6. Membership changes apply to the next call without restarting sipd: member del, then
#     a call to 600 rings only frank.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
SIPD_DOMAINS='"example.test"'
start_sipd "$PROXY_NOAUTH"
D=example.test
for u in dave:1004 erin:1005 frank:1006 gina:1007 hank:1008 ivan:1009 judy:1010 kim:1011 lou:1012; do
	echo pw | ctl user add "${u%%:*}" -e "${u#*:}"
done
# finals NAME: the final status codes NAME received for its INVITE
finals() { codes "$1" in INVITE | tr ' ' '\n' | grep -v '^1' | tr '\n' ' ' | sed 's/ $//'; }
peers_of() { for f in $(msgs "$1" in "$2"); do hdr "$f" X-Peer; done | sort | tr '\n' ' ' | sed 's/ $//'; }

# ---- 1: extension -------------------------------------------------------------------------------
callee d1 "sip:dave@$D" --invite 180,200@0.3
dial c1 --to "sip:1004@$D" --bye
same "$(finals c1)" 200 "1: a call to extension 1004 is answered"
same "$(peers_of c1 200/INVITE)" d1 "1: ... by dave's phone"
i=$(msgs d1 in INVITE | head -n 1)
same "$(startline "$i" | cut -d' ' -f2)" "sip:d1@127.0.0.1:$CALLEE_PORT" \
    "1: dave's phone got the INVITE at its registered contact"
same "$(nmsgs d1 in ACK) $(nmsgs d1 in BYE)" "1 1" "1: the caller's ACK and BYE reached dave"

# ---- 2: parallel ring group ---------------------------------------------------------------------
ctl group add 600
ctl group member add 600 erin
ctl group member add 600 1006		# frank, by extension
callee e1 "sip:erin@$D" --invite 180,200@1
callee f1 "sip:frank@$D" --invite 180
settle
dial c2 --to "sip:600@$D" --bye
wait_msgs f1 out 487/INVITE	# the caller is done; frank's CANCEL and 487 may trail it
same "$(nmsgs e1 in INVITE) $(nmsgs f1 in INVITE)" "1 1" "2: group 600 rang both members' phones"
ie=$(msgs e1 in INVITE | head -n 1) if=$(msgs f1 in INVITE | head -n 1)
check "2: ... at the same time (within 0.5 s)" between "$(gap "$ie" "$if")" -0.5 0.5
same "$(finals c2)" 200 "2: the caller got one final response, a 200"
same "$(peers_of c2 200/INVITE)" e1 "2: ... erin's"
same "$(nmsgs f1 in CANCEL) $(codes f1 out INVITE)" "1 180 487" "2: frank's phone was CANCELled and answered 487"
same "$(nmsgs e1 in BYE) $(nmsgs f1 in BYE)" "1 0" "2: the BYE went to erin only"

# ---- 3: serial ring group with a ring time per member ------------------------------------------
ctl group add 601 --order serial --timeout 2
ctl group member add 601 hank --q 0.5
ctl group member add 601 gina --q 1
callee g1 "sip:gina@$D" --invite 180
callee h1 "sip:hank@$D" --invite 180,200@0.5
settle
dial c3 --to "sip:601@$D" --bye
same "$(nmsgs g1 in INVITE) $(nmsgs g1 in CANCEL) $(codes g1 out INVITE)" "1 1 180 487" \
    "3: gina (q=1) rang first and was CANCELled"
ig=$(msgs g1 in INVITE | head -n 1) cg=$(msgs g1 in CANCEL | head -n 1) ih=$(msgs h1 in INVITE | head -n 1)
check "3: ... after her 2 s ring time ($(gap "$ig" "$cg") s)" between "$(gap "$ig" "$cg")" 1.8 3.0
check "3: hank's phone rang only after gina's CANCEL" between "$(gap "$cg" "$ih")" 0 1.5
same "$(finals c3)" 200 "3: the caller got one final response, a 200"
same "$(peers_of c3 200/INVITE)" h1 "3: ... hank's"
same "$(nmsgs g1 in ACK)" 1 "3: sipd ACKed gina's 487"

# ---- 4: serial group: a busy member passes the call on at once -----------------------------------
ctl group add 602 --order serial --timeout 10
ctl group member add 602 ivan --q 0.9
ctl group member add 602 judy --q 0.1
callee i1 "sip:ivan@$D" --invite 486
callee j1 "sip:judy@$D" --invite 180,200@0.3
settle
dial c4 --to "sip:602@$D" --bye
same "$(codes i1 out INVITE) $(nmsgs j1 in INVITE)" "486 1" "4: ivan was busy, judy's phone rang"
ii=$(msgs i1 in INVITE | head -n 1) ij=$(msgs j1 in INVITE | head -n 1)
check "4: ... at once, not after the 10 s ring time" between "$(gap "$ii" "$ij")" 0 1.5
same "$(finals c4)" 200 "4: the caller got judy's 200 only (no 486)"

# ---- 5: parallel group rings out ------------------------------------------------------------------
ctl group add 603 --timeout 2
ctl group member add 603 kim
ctl group member add 603 lou
callee k1 "sip:kim@$D" --invite 180
callee l1 "sip:lou@$D" --invite 180
settle
dial c5 --to "sip:603@$D"
same "$(nmsgs k1 in CANCEL) $(nmsgs l1 in CANCEL)" "1 1" "5: after the group's 2 s both phones got a CANCEL"
same "$(finals c5)" 408 "5: the caller got 408 (no answer), not 487"
ik=$(msgs k1 in INVITE | head -n 1) f5=$(msgs c5 in 408/INVITE | head -n 1)
check "5: ... about 2 s after the phones began to ring" between "$(gap "$ik" "$f5")" 1.8 3.5

# ---- 6: changes apply at once ---------------------------------------------------------------------
ctl group member del 600 erin
settle
dial c6 --to "sip:600@$D" --cancel-after 0.5
same "$(nmsgs e1 in INVITE) $(nmsgs f1 in INVITE)" "1 2" "6: after 'group member del 600 erin' only frank rings"
same "$(finals c6)" 487 "6: ... and the caller's CANCEL ends the call (487)"
ctl group del 600
settle
dial c7 --to "sip:600@$D"
same "$(finals c7)" 404 "6: after 'group del 600' the number is unknown (404)"

[ "$FAILS" -eq 0 ] || for p in c1 d1 c2 e1 f1 c3 g1 h1 c4 i1 j1 c5 k1 l1 c6; do show "$p"; done
finish
