#!/bin/sh
# Bindings expire (RFC 3261 10.2.1, 10.3 step 8): with registrar.min_expires = 1 a 2-second
# lifetime is granted as asked; once it has run out a REGISTER query lists no binding and the
# registrations view hides the row, and the purge timer (every 5 s) deletes it from the
# location table within a few more seconds.  With min_expires = 5 the same request gets 423
# with Min-Expires: 5 (10.3 step 7).
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

start_sipd 'auth: { register = 0; };' 'registrar: { min_expires = 1; };'
A=sip:alice@$REG_DOMAIN A1=sip:alice@127.0.0.1:5061
B=sip:bob@$REG_DOMAIN B1=sip:bob@127.0.0.1:5071
rows() { db "SELECT count(*) FROM location WHERE aor = '$1'"; }
ncontacts() { contacts "$1" | grep -c .; }

# The short binding, and a long one on another AOR that must stay.
reg long "$B" b-1 1 "Contact: <$B1>" "Expires: 3600"
expect long 200 "a one-hour binding for bob"
reg short "$A" a-1 1 "Contact: <$A1>;expires=2"
t0=$(date +%s)
expect short 200 "alice registers with ;expires=2 (min_expires = 1)"
same "$(contact_expires short "$A1")" 2 "the 200 grants 2 s"
same "$(db "SELECT expires - updated FROM location WHERE aor = '$A'")" 2 "2 s lifetime in the database"
reg one "$A" a-2 1 "Contact: <sip:alice@127.0.0.1:5062>;expires=1"
expect one 200 "alice registers a second contact with ;expires=1, the minimum"

sleep 3		# the test: both bindings (2 s and 1 s) have expired by now
reg query "$A" a-q 1
expect query 200 "query after 3 s"
same "$(ncontacts query)" 0 "the query lists no binding: both have expired"
same "$(db "SELECT count(*) FROM registrations WHERE aor = '$A'")" 0 "the registrations view shows none"
same "$(db "SELECT count(*) FROM registrations WHERE aor = '$B'")" 1 "bob's binding is still there"

# The purge runs every 5 s: the rows go at the latest about 7 s after registering.
while [ "$(rows "$A")" != 0 ] && [ $(($(date +%s) - t0)) -lt 9 ]; do sleep 0.2; done
gone=$(($(date +%s) - t0))
same "$(rows "$A")" 0 "the expired rows are purged from the location table (after ${gone} s)"
check "... within about 7 s of registering (took ${gone} s)" test "$gone" -le 8
same "$(rows "$B")" 1 "the purge left bob's row alone"
check "the log notes the expiry" wait_log "registration expired aor=$A" 1 1

# After expiry the AOR takes a fresh registration (no stale Call-ID/CSeq state left).
reg again "$A" a-1 1 "Contact: <$A1>" "Expires: 60"
expect again 200 "alice registers again with the first Call-ID and CSeq"
same "$(rows "$A")" 1 "one row again"

stop_sipd
start_sipd 'auth: { register = 0; };' 'registrar: { min_expires = 5; };'
reg brief "$A" a-3 1 "Contact: <sip:alice@127.0.0.1:5063>;expires=2"
expect brief 423 "min_expires = 5: ;expires=2 is too brief"
same "$(hdrs brief Min-Expires)" 5 "the 423 carries Min-Expires: 5"
same "$(db "SELECT count(*) FROM location WHERE contact LIKE '%:5063'")" 0 "nothing stored"
reg five "$A" a-3 2 "Contact: <sip:alice@127.0.0.1:5063>;expires=5"
expect five 200 "min_expires = 5: ;expires=5"

finish
