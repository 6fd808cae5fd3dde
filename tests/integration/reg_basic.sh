#!/bin/sh
# The registrar without authentication (RFC 3261 10.3): add, refresh, several contacts with
# q-values, query, removal (Expires: 0, ;expires=0, "*"), Expires header against the contact
# param, Min-Expires (423) and the max_expires cap, Date, Call-ID/CSeq ordering, binding identity
# by +sip.instance/reg-id (RFC 5626 6), max_bindings with and without replace_oldest, and the
# To checks (400 not SIP, 404 not ours).  Each step is checked on the wire and in the database.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

start_sipd 'auth: { register = 0; };' 'registrar: { max_expires = 600; };'

D=$REG_DOMAIN
rows() { db "SELECT count(*) FROM location WHERE aor = '$1'"; }
# col AOR CONTACT COLUMN: one column of a location row
col() { db "SELECT $3 FROM location WHERE aor = '$1' AND contact = '$2'"; }
ncontacts() { contacts "$1" | grep -c .; }
has_contact() { contacts "$1" | grep -qF "<$2>"; }
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
not_listed() { ! has_contact "$1" "$2"; }
# contact_has NAME URI ERE: the Contact naming URI in NAME's answer matches ERE
contact_has() { contacts "$1" | grep -F "<$2>" | grep -qE "$3"; }
# all_have NAME ERE: every Contact of NAME's answer (at least one) matches ERE
all_have() { [ "$(contacts "$1" | grep -c .)" -gt 0 ] && ! contacts "$1" | grep -qvE "$2"; }
date_ok() {
	[ "$(hdrs "$1" Date | grep -cE '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$')" = 1 ]
}

# ---- add -------------------------------------------------------------------------------------
A=sip:alice@$D
A1=sip:alice@127.0.0.1:5061
LP=$(free_port) || fail "no free port"
REG_LPORT=$LP reg add "$A" a-1 1 "Contact: <$A1>" "Expires: 120"
expect add 200 "add: REGISTER with one Contact"
check "add: 200 lists the contact" has_contact add "$A1"
same "$(contact_expires add "$A1")" 120 "add: the contact carries ;expires= as granted"
check "add: 200 has one Date header, RFC 1123 form (RFC 3261 20.17)" date_ok add
same "$(rows "$A")" 1 "add: one location row"
same "$(db "SELECT aor, contact, received, q, user_agent, instance, reg_id FROM registrations WHERE aor = '$A'")" \
    "$A|$A1|udp:127.0.0.1:$LP|1.0|reg-test/1.0||0" "add: registrations view row"
left=$(db "SELECT seconds_left FROM registrations WHERE aor = '$A'")
check "add: seconds_left ($left) is about 120" in_range "$left" 115 120
same "$(db "SELECT expires_at = datetime(expires, 'unixepoch', 'localtime') FROM registrations r
    JOIN location l USING (aor, contact) WHERE aor = '$A'")" 1 "add: expires_at is the expiry in local time"
same "$(col "$A" "$A1" "call_id || ' ' || cseq || ' ' || (expires - updated)")" "a-1 1 120" \
    "add: call_id, cseq and lifetime stored"
exp1=$(col "$A" "$A1" expires)

# ---- refresh ---------------------------------------------------------------------------------
reg refresh "$A" a-1 2 "Contact: <$A1>" "Expires: 600"
expect refresh 200 "refresh: same Call-ID, higher CSeq"
same "$(contact_expires refresh "$A1")" 600 "refresh: new lifetime in the 200"
same "$(rows "$A")" 1 "refresh: still one row"
exp2=$(col "$A" "$A1" expires)
check "refresh: expires in the database moved on ($exp1 -> $exp2)" test "${exp2:-0}" -gt "${exp1:-0}"
same "$(col "$A" "$A1" cseq)" 2 "refresh: cseq stored"

# ---- several contacts with q-values ------------------------------------------------------------
A2=sip:alice@127.0.0.1:5062 A3=sip:alice@127.0.0.1:5063 A4=sip:alice@127.0.0.1:5064
reg multi "$A" a-1 3 "Contact: <$A2>;q=0.8, <$A3>;q=0.5" "Contact: <$A4>;q=0.1" "Expires: 300"
expect multi 200 "multi: three more contacts in two Contact headers"
same "$(ncontacts multi)" 4 "multi: the 200 lists all four bindings"
check "multi: every Contact has ;expires=" all_have multi ';expires=[0-9]+'
for cq in "$A2 0.8" "$A3 0.5" "$A4 0.1"; do
	set -- $cq
	check "multi: $1 listed with ;q=$2" contact_has multi "$1" ";q=${2}0*(;|\$)"
	same "$(col "$A" "$1" q)" "$2" "multi: q of $1 in the database"
done
# the two replies may straddle a second boundary: one second less is the same lifetime
e_multi=$(contact_expires multi "$A1") e_refresh=$(contact_expires refresh "$A1")
check "multi: the older binding keeps its lifetime ($e_multi vs $e_refresh)" \
    test "$e_multi" -le "$e_refresh" -a "$e_multi" -ge "$((e_refresh - 1))"
same "$(rows "$A")" 4 "multi: four rows"

# ---- query -----------------------------------------------------------------------------------
reg query "$A" a-q 1
expect query 200 "query: REGISTER without Contact"
same "$(ncontacts query)" 4 "query: 200 lists the four bindings"
check "query: each with ;expires=" all_have query ';expires=[0-9]+'
same "$(rows "$A")" 4 "query: changes nothing"

# ---- Expires header against the contact's expires param ----------------------------------------
B=sip:bob@$D B1=sip:bob@127.0.0.1:5071 B2=sip:bob@127.0.0.1:5072
reg prec "$B" b-1 1 "Contact: <$B1>;expires=120, <$B2>" "Expires: 300"
expect prec 200 "precedence: Expires: 300, one contact with ;expires=120"
same "$(contact_expires prec "$B1")" 120 "precedence: the contact param wins"
same "$(contact_expires prec "$B2")" 300 "precedence: the header applies to the other"
same "$(col "$B" "$B1" "expires - updated") $(col "$B" "$B2" "expires - updated")" "120 300" \
    "precedence: lifetimes in the database"

# ---- removal ---------------------------------------------------------------------------------
reg del1 "$A" a-1 4 "Contact: <$A2>;expires=0"
expect del1 200 "remove: ;expires=0"
check "remove: $A2 no longer listed" not_listed del1 "$A2"
same "$(ncontacts del1)" 3 "remove: three bindings left in the 200"
same "$(rows "$A")" 3 "remove: three rows left"
reg del2 "$A" a-1 5 "Contact: <$A3>" "Expires: 0"
expect del2 200 "remove: Expires: 0"
same "$(ncontacts del2)" 2 "remove: two bindings left in the 200"
same "$(col "$A" "$A3" count\(\*\))" 0 "remove: $A3 row gone"
same "$(rows "$A")" 2 "remove: two rows left"

# ---- wildcard --------------------------------------------------------------------------------
reg star1 "$A" a-1 6 "Contact: *" "Contact: <$A1>" "Expires: 0"
expect star1 400 "wildcard: * with another Contact"
reg star2 "$A" a-1 7 "Contact: *" "Expires: 300"
expect star2 400 "wildcard: * with Expires: 300"
reg star3 "$A" a-1 8 "Contact: *"
expect star3 400 "wildcard: * without Expires (the default lifetime is not zero)"
reg star4 "$A" a-1 1 "Contact: *" "Expires: 0"
# 10.3 step 6: "*" removes a binding of the same Call-ID only when the CSeq is higher than the
# binding's; otherwise the update is aborted and the request fails (no code is named: any >= 400).
case $(st star4) in
[456]??) ok "wildcard: * from the same Call-ID with a CSeq not above the bindings' fails ($(st star4))" ;;
*) not_ok "wildcard: * from the same Call-ID with a CSeq not above the bindings' (10.3 step 6): want a failure, got $(st star4)" ;;
esac
same "$(rows "$A")" 2 "wildcard: refused requests removed nothing"
reg star "$A" a-1 10 "Contact: *" "Expires: 0"
expect star 200 "wildcard: * with Expires: 0"
same "$(ncontacts star)" 0 "wildcard: the 200 lists no binding"
same "$(rows "$A")" 0 "wildcard: every row of the AOR gone"
same "$(db "SELECT count(*) FROM registrations WHERE aor = '$A'")" 0 "wildcard: registrations view empty"
same "$(rows "$B")" 2 "wildcard: another AOR untouched"

# ---- Min-Expires and max_expires -------------------------------------------------------------
C=sip:carol@$D C1=sip:carol@127.0.0.1:5081
reg short1 "$C" c-1 1 "Contact: <$C1>" "Expires: 30"
expect short1 423 "min: Expires: 30 below min_expires 60"
same "$(hdrs short1 Min-Expires)" 60 "min: 423 carries Min-Expires: 60"
reg short2 "$C" c-1 2 "Contact: <$C1>;expires=59"
expect short2 423 "min: ;expires=59"
same "$(hdrs short2 Min-Expires)" 60 "min: 423 carries Min-Expires: 60"
same "$(rows "$C")" 0 "min: nothing stored"
reg minok "$C" c-1 3 "Contact: <$C1>" "Expires: 60"
expect minok 200 "min: Expires: 60 exactly"
same "$(contact_expires minok "$C1")" 60 "min: granted 60"
reg cap "$C" c-1 4 "Contact: <$C1>" "Expires: 100000"
expect cap 200 "max: Expires: 100000 above max_expires 600"
same "$(contact_expires cap "$C1")" 600 "max: granted the cap"
same "$(col "$C" "$C1" "expires - updated")" 600 "max: lifetime 600 in the database"

# ---- Call-ID / CSeq ordering (10.3 step 7) ----------------------------------------------------
E=sip:erin@$D E1=sip:erin@127.0.0.1:5091
reg ord1 "$E" e-1 5 "Contact: <$E1>" "Expires: 300"
expect ord1 200 "order: Call-ID e-1 CSeq 5"
e_exp=$(col "$E" "$E1" expires)
reg ord2 "$E" e-1 4 "Contact: <$E1>" "Expires: 600"
expect ord2 500 "order: same Call-ID, lower CSeq, new branch"
reg ord3 "$E" e-1 5 "Contact: <$E1>" "Expires: 600"
expect ord3 500 "order: same Call-ID, same CSeq, new branch"
same "$(col "$E" "$E1" "call_id || ' ' || cseq || ' ' || expires")" "e-1 5 $e_exp" \
    "order: the refused requests changed nothing"
reg ord4 "$E" e-2 1 "Contact: <$E1>" "Expires: 600"
expect ord4 200 "order: a new Call-ID with a lower CSeq"
same "$(rows "$E") $(col "$E" "$E1" "call_id || ' ' || cseq || ' ' || (expires - updated)")" \
    "1 e-2 1 600" "order: the binding now belongs to the new Call-ID"

# ---- binding identity: +sip.instance / reg-id -------------------------------------------------
F=sip:frank@$D F1=sip:frank@127.0.0.1:6001 F2=sip:frank@127.0.0.1:6002
INST='"<urn:uuid:00000000-0000-1000-8000-00000000f001>"'
P1=$(free_port) P2=$(free_port)
REG_LPORT=$P1 reg inst1 "$F" f-1 1 "Contact: <$F1>;+sip.instance=$INST;reg-id=1" "Expires: 300"
expect inst1 200 "instance: first registration"
REG_LPORT=$P2 reg inst2 "$F" f-2 1 "Contact: <$F2>;+sip.instance=$INST;reg-id=1" "Expires: 300"
expect inst2 200 "instance: same instance and reg-id from a new port, new Call-ID, new URI"
same "$(ncontacts inst2)" 1 "instance: the 200 lists one binding"
check "instance: ... the new one" has_contact inst2 "$F2"
same "$(rows "$F")" 1 "instance: one row"
same "$(db "SELECT contact, received, reg_id FROM registrations WHERE aor = '$F'")" \
    "$F2|udp:127.0.0.1:$P2|1" "instance: the row holds the new contact and source"
case $(db "SELECT instance FROM registrations WHERE aor = '$F'") in
*'<urn:uuid:00000000-0000-1000-8000-00000000f001>'*) ok "instance: instance column holds the URN" ;;
*) not_ok "instance: instance column holds the URN" ;;
esac
G=sip:gina@$D G1=sip:gina@127.0.0.1:6011 G2=sip:gina@127.0.0.1:6012
REG_LPORT=$P1 reg noinst1 "$G" g-1 1 "Contact: <$G1>" "Expires: 300"
REG_LPORT=$P2 reg noinst2 "$G" g-2 1 "Contact: <$G2>" "Expires: 300"
expect noinst2 200 "no instance: a second contact URI from a new Call-ID"
same "$(ncontacts noinst2)" 2 "no instance: the 200 lists both"
same "$(rows "$G")" 2 "no instance: two rows"

# ---- the AOR in canonical form (10.3 step 5) -------------------------------------------------
# URI parameters removed, escaped characters unescaped, the host compared without case; the
# user part keeps its case (RFC 3261 19.1.4).
K=sip:kim@$D
REG_TO="sip:kim@EXAMPLE.Test" reg canon1 "$K" k-1 1 "Contact: <sip:kim@127.0.0.1:6101>" "Expires: 300"
expect canon1 200 "canonical: To <sip:kim@EXAMPLE.Test>"
REG_TO="sip:kim@$D;transport=udp;user=phone" reg canon2 "$K" k-2 1 "Contact: <sip:kim@127.0.0.1:6102>" "Expires: 300"
expect canon2 200 "canonical: To with URI parameters"
REG_TO="sip:%6Bim@$D" reg canon3 "$K" k-3 1 "Contact: <sip:kim@127.0.0.1:6103>" "Expires: 300"
expect canon3 200 "canonical: To with an escaped user part (%6B = k)"
reg canonq "$K" k-q 1
same "$(ncontacts canonq)" 3 "canonical: a query for $K lists all three bindings"
same "$(db "SELECT group_concat(DISTINCT aor) FROM location WHERE contact LIKE 'sip:kim@%'")" "$K" \
    "canonical: all three rows are stored under $K"
REG_TO="sip:Kim@$D" reg canon4 "$K" k-4 1 "Contact: <sip:Kim@127.0.0.1:6104>" "Expires: 300"
expect canon4 200 "canonical: To <sip:Kim@$D> (another user: user parts are case-sensitive)"
same "$(rows "sip:Kim@$D")" 1 "canonical: sip:Kim@ is an AOR of its own"

# ---- To checks (10.3 step 3) -----------------------------------------------------------------
REG_TO=tel:+15551234567 reg tel "$A" t-1 1 "Contact: <$A1>"
expect tel 400 "To: a tel: URI"
REG_TO=sip:alice@elsewhere.invalid reg foreign "$A" t-2 1 "Contact: <$A1>"
expect foreign 404 "To: a domain that is not ours"
same "$(db "SELECT count(*) FROM location WHERE aor LIKE '%elsewhere%'") $(rows "$A")" "0 0" \
    "To: refused requests stored nothing"

# ---- max_bindings, replace_oldest = 0 ----------------------------------------------------------
stop_sipd
start_sipd 'auth: { register = 0; };' 'registrar: { max_bindings = 2; replace_oldest = 0; };'
H=sip:harry@$D
reg mb1 "$H" h-1 1 "Contact: <sip:harry@127.0.0.1:7001>" "Expires: 300"
reg mb2 "$H" h-1 2 "Contact: <sip:harry@127.0.0.1:7002>" "Expires: 300"
expect mb2 200 "max_bindings=2: second contact"
reg mb3 "$H" h-1 3 "Contact: <sip:harry@127.0.0.1:7003>" "Expires: 300"
expect mb3 403 "max_bindings=2, replace_oldest=0: third contact"
same "$(rows "$H")" 2 "max_bindings: still two rows"
same "$(db "SELECT count(*) FROM location WHERE aor = '$H' AND contact LIKE '%:7003'")" 0 \
    "max_bindings: the third was not stored"
reg mb4 "$H" h-1 4 "Contact: <sip:harry@127.0.0.1:7001>" "Expires: 600"
expect mb4 200 "max_bindings: refreshing an existing binding at the limit"

# ---- max_bindings, replace_oldest = 1 ----------------------------------------------------------
stop_sipd
start_sipd 'auth: { register = 0; };' 'registrar: { max_bindings = 2; replace_oldest = 1; };'
I=sip:ivan@$D I1=sip:ivan@127.0.0.1:7101 I2=sip:ivan@127.0.0.1:7102 I3=sip:ivan@127.0.0.1:7103
reg ro1 "$I" i-1 1 "Contact: <$I1>" "Expires: 300"
sleep 1.1	# "oldest" is by the second of the last update
reg ro2 "$I" i-1 2 "Contact: <$I2>" "Expires: 300"
reg ro3 "$I" i-1 3 "Contact: <$I3>" "Expires: 300"
expect ro3 200 "replace_oldest=1: third contact accepted"
same "$(ncontacts ro3)" 2 "replace_oldest: the 200 lists two bindings"
check "replace_oldest: ... the new one" has_contact ro3 "$I3"
check "replace_oldest: ... not the oldest" not_listed ro3 "$I1"
same "$(rows "$I")" 2 "replace_oldest: still two rows"
same "$(db "SELECT group_concat(contact, ' ') FROM (SELECT contact FROM location WHERE aor = '$I' ORDER BY contact)")" \
    "$I2 $I3" "replace_oldest: the oldest row was replaced"

finish
