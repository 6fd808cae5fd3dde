#!/bin/sh
# Call forwarding per user (issue 5), set with sipctl while sipd runs, end to end with phones
# (peer.py) registered for users made with sipctl:
#  1. always: calls to jack go to kate's phone; jack's phone never rings.
#  2. busy: liam's phone answers 486 -> mia's phone rings and answers; the caller never sees
#     the 486; sipd ACKed it.
#  3. noanswer after 2 s: noah's phone rings, gets a CANCEL 2 s later (RFC 3261 16.10), then
#     olga's phone rings and answers; the caller gets olga's 200.
#  4. noanswer, nobody registered for pete: olga's phone rings at once.
#  5. A chain A -> B -> A (quinn always rita, rita always quinn) ends: quinn's own phone rings.
#  6. A SIP URI of another server as target (sam always sip:ext@127.0.0.2:PORT): the INVITE goes
#     there with that Request-URI.
#  7. forward clear applies to the next call without restarting sipd: jack's phone rings.
#  8. busy and noanswer on one user: a busy answer follows the busy target only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
SIPD_DOMAINS='"example.test"'
start_sipd "$PROXY_NOAUTH"
D=example.test
for u in jack:2001 kate:2002 liam:2003 mia:2004 noah:2005 olga:2006 pete:2007 quinn:2008 \
    rita:2009 sam:2010 tina:2011 uma:2012 vic:2013; do
	echo pw | ctl user add "${u%%:*}" -e "${u#*:}"
done
finals() { codes "$1" in INVITE | tr ' ' '\n' | grep -v '^1' | tr '\n' ' ' | sed 's/ $//'; }
peers_of() { for f in $(msgs "$1" in "$2"); do hdr "$f" X-Peer; done | sort | tr '\n' ' ' | sed 's/ $//'; }

# ---- 1: always ----------------------------------------------------------------------------------
ctl forward set jack always kate
callee j1 "sip:jack@$D" --invite 180,200@0.3
callee k1 "sip:kate@$D" --invite 180,200@0.3
settle
dial c1 --to "sip:jack@$D" --bye
same "$(finals c1) $(peers_of c1 200/INVITE)" "200 k1" "1: jack forwards always to kate: kate's phone answered"
same "$(nmsgs j1 in INVITE)" 0 "1: jack's phone did not ring"
same "$(nmsgs k1 in BYE)" 1 "1: the BYE reached kate"

# ---- 2: busy ------------------------------------------------------------------------------------
ctl forward set liam busy 2004		# mia, by extension
callee l1 "sip:liam@$D" --invite 486
callee m1 "sip:mia@$D" --invite 180,200@0.3
settle
dial c2 --to "sip:liam@$D" --bye
same "$(codes l1 out INVITE) $(nmsgs l1 in ACK)" "486 1" "2: liam's phone answered 486, sipd ACKed it"
same "$(finals c2) $(peers_of c2 200/INVITE)" "200 m1" "2: the caller got mia's 200, and no 486"

# ---- 3: no answer --------------------------------------------------------------------------------
ctl forward set noah noanswer olga --after 2
callee n1 "sip:noah@$D" --invite 180
callee o1 "sip:olga@$D" --invite 180,200@0.5
settle
dial c3 --to "sip:noah@$D" --bye
in_=$(msgs n1 in INVITE | head -n 1) cn=$(msgs n1 in CANCEL | head -n 1) io=$(msgs o1 in INVITE | head -n 1)
same "$(nmsgs n1 in INVITE) $(nmsgs n1 in CANCEL) $(codes n1 out INVITE)" "1 1 180 487" \
    "3: noah's phone rang and was CANCELled (487)"
check "3: ... after the 2 s of --after ($(gap "$in_" "$cn") s)" between "$(gap "$in_" "$cn")" 1.8 3.0
check "3: olga's phone rang after noah's CANCEL" between "$(gap "$cn" "$io")" 0 1.5
same "$(startline "$io" | cut -d' ' -f2)" "sip:o1@127.0.0.1:$CALLEE_PORT" \
    "3: olga's phone got the INVITE at its own contact"
same "$(finals c3) $(peers_of c3 200/INVITE)" "200 o1" "3: the caller got olga's 200 only"
same "$(nmsgs n1 in ACK)" 1 "3: sipd ACKed noah's 487"

# ---- 4: no answer, nobody registered ----------------------------------------------------------------
ctl forward set pete noanswer olga --after 30
settle
dial c4 --to "sip:pete@$D" --bye
same "$(finals c4) $(peers_of c4 200/INVITE)" "200 o1" "4: pete has no phone registered: olga's phone answered"
same "$(nmsgs o1 in INVITE)" 2 "4: ... at once (olga's second INVITE)"

# ---- 5: a loop of forwards ends --------------------------------------------------------------------
ctl forward set quinn always rita
ctl forward set rita always quinn
callee q1 "sip:quinn@$D" --invite 180,200@0.3
callee r1 "sip:rita@$D" --invite 180,200@0.3
settle
dial c5 --to "sip:quinn@$D" --bye
same "$(finals c5)" 200 "5: quinn -> rita -> quinn: the call is answered (no loop)"
same "$(nmsgs q1 in INVITE) $(nmsgs r1 in INVITE)" "1 0" "5: ... by quinn's own phone, once"

# ---- 6: another server ------------------------------------------------------------------------------
XPORT=$(free_port)
ctl forward set sam always "sip:ext@127.0.0.2:$XPORT"
callee x1 - --port "$XPORT" --bind 127.0.0.2 --invite 180,200@0.3
settle
dial c6 --to "sip:sam@$D" --bye
ix=$(msgs x1 in INVITE | head -n 1)
same "$(finals c6) $(peers_of c6 200/INVITE)" "200 x1" "6: forwarded to sip:ext@127.0.0.2:$XPORT, which answered"
same "$(startline "$ix" | cut -d' ' -f2)" "sip:ext@127.0.0.2:$XPORT" \
    "6: ... with that Request-URI"

# ---- 7: clear --------------------------------------------------------------------------------------
ctl forward clear jack
settle
dial c7 --to "sip:jack@$D" --bye
same "$(finals c7) $(peers_of c7 200/INVITE)" "200 j1" "7: after 'forward clear jack' jack's own phone answers"

# ---- 8: busy and noanswer both set -------------------------------------------------------------------
ctl forward set tina busy uma
ctl forward set tina noanswer vic --after 5
callee t1 "sip:tina@$D" --invite 486
callee u1 "sip:uma@$D" --invite 180,486@0.3
callee v1 "sip:vic@$D" --invite 180,200@0.3
settle
dial c8 --to "sip:tina@$D"
same "$(nmsgs u1 in INVITE) $(nmsgs v1 in INVITE)" "1 0" "8: tina busy -> uma rang, vic (no answer target) did not"
same "$(finals c8)" 486 "8: uma busy too: the caller got 486"

[ "$FAILS" -eq 0 ] || for p in c1 j1 k1 c2 l1 m1 c3 n1 o1 c4 c5 q1 r1 c6 x1 c7 c8 t1 u1 v1; do show "$p"; done
finish
