#!/bin/sh
# Presence (presence.c, subs.c, pidf.c; RFC 3856, 3903, 3863, 6665) with a Python UA
# (presua.py): bob (authenticated, same domain) watches alice: 200 and a NOTIFY at once with the
# presence derived from registrations (closed), then open when alice's phone registers.
# alice PUBLISHes a PIDF: 200 with SIP-ETag, and bob gets it; refresh (SIP-If-Match, no body)
# gets a new ETag; an unknown ETag 412; a modification and a second device's publication are
# composed into one document with both tuples; removal (Expires: 0) goes back to the derived
# document.  489 for a PUBLISH without Event or to sipd itself (another package goes to the
# phone), 415 for another body, 413 for a PIDF over
# presence.max_pidf, 400 for a body that is not PIDF, 423 + Min-Expires for too short a
# subscription or publication, a refresh and an unsubscribe (Expires: 0: 200, NOTIFY
# terminated), 481 for a refresh of no subscription.  Who may watch: an outside watcher gets
# 403 for a user and for a user that does not exist alike, until `sipctl presence allow`.
# A resource-list subscription (RFC 4662, RFC 5367 body) gets multipart/related RLMI NOTIFYs
# with the listed users it may see.  Hostile: subscriptions from one address are bounded (subs.max_per_watcher, 403 beyond), a
# NOTIFY answered 481 ends its subscription.  Shutdown ends every subscription with
# Subscription-State: terminated;reason=deactivated; the restarted sipd takes new ones, and
# still has the publications (stored before the 200).
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
UA="$PYTHON $TESTDIR/presua.py"
PHONE="$PYTHON $TESTDIR/msgphone.py"
start_sipd 'auth: { register = 0; };' \
    'subs: { max_per_watcher = 20; };' 'presence: { max_pidf = 2048; };'
for u in alice bob carol; do
	printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add "$u" >/dev/null 2>&1 || fail "sipctl user add $u"
done
same "$(db "PRAGMA user_version")" 5 "the database has schema version 5"

# pub FILE [presua options]: a PUBLISH from alice for her presence; prints "CODE ETAG"
pub() {
	_f=$1; shift
	$UA publish --server-port "$PORT" --aor sip:alice@example.test --to sip:alice@example.test \
	    --user alice --password pw --event presence --body-file "$_f" "$@"
}
# watcher DIR [presua options]: bob watches alice for 60 s (stopped by the test's cleanup)
watcher() {
	_d=$1; shift
	spawn $UA watch --server-port "$PORT" --aor sip:bob@example.test --to sip:alice@example.test \
	    --user bob --password pw --dir "$TMP/$_d" --time 60 "$@"
}
notes() { grep -c '^notify ' "$TMP/$1/log" 2>/dev/null || echo 0; }
# last DIR: the newest NOTIFY bob got
last() { echo "$TMP/$1/notify.$(notes "$1")"; }
has_notify() { [ "$(notes "$1")" -ge "$2" ]; }
pidf() {	# pidf FILE TUPLE BASIC: a PIDF document of alice with one tuple
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.test"><tuple id="%s"><status><basic>%s</basic></status><note>%s</note></tuple></presence>\n' "$2" "$3" "$2-$3" >"$1"
}

# ---- a watcher, registration-derived presence ----------------------------------------------
watcher w1
wait_until 5 has_notify w1 1 || fail "bob got no NOTIFY after subscribing"
same "$(sed -n 1p "$TMP/w1/log")" "sub 200 expires=600" "SUBSCRIBE from bob (authenticated): 200, Expires 600"
check "the first NOTIFY: active, application/pidf+xml, alice closed (no phone)" \
    sh -c "grep -q '^Subscription-State: active;expires=' '$TMP/w1/notify.1' && grep -qi '^Content-Type: application/pidf+xml' '$TMP/w1/notify.1' && grep -q '<basic>closed</basic>' '$TMP/w1/notify.1'"
check "... Event: presence, From alice with a tag" sh -c "grep -q '^Event: presence' '$TMP/w1/notify.1' && grep -q '^From: <sip:alice@example.test>;tag=' '$TMP/w1/notify.1'"
spawn $PHONE --server-port "$PORT" --aor sip:alice@example.test --name alice --dir "$TMP/ph" --time 60 --expires 300
PHONE_PID=$BG_PID
wait_until 5 test -e "$TMP/ph/registered" || fail "alice's phone did not register"
wait_until 5 has_notify w1 2 || fail "no NOTIFY after alice registered"
check "alice registered: bob is told open" grep -q '<basic>open</basic>' "$(last w1)"

# ---- PUBLISH ---------------------------------------------------------------------------------
pidf "$TMP/p1" dev1 open
set -- $(pub "$TMP/p1" --expires 120)
same "$1" 200 "PUBLISH of a PIDF: 200"
E1=$2
check "... with a SIP-ETag" test -n "$E1" -a "$E1" != -
wait_until 5 has_notify w1 3 || fail "no NOTIFY after the PUBLISH"
check "bob gets the published document byte for byte" sh -c "tail -c \$(wc -c <'$TMP/p1') '$(last w1)' | cmp -s - '$TMP/p1'"
set -- $(pub "" --etag "$E1" --expires 120)
same "$1" 200 "refresh (SIP-If-Match, no body): 200"
check "... with a new ETag" test "$2" != "$E1" -a "$2" != -
E1=$2
same "$(pub "" --etag nosuchetag --expires 120 | cut -d' ' -f1)" 412 "refresh with an unknown ETag: 412"
pidf "$TMP/p2" dev1 closed
set -- $(pub "$TMP/p2" --etag "$E1" --expires 120)
same "$1" 200 "modification (SIP-If-Match + body): 200"
E1=$2
wait_until 5 grep -q 'dev1-closed' "$(last w1)" || not_ok "bob was not told of the modification"
pidf "$TMP/p3" dev2 open
set -- $(pub "$TMP/p3" --expires 120)
same "$1" 200 "a second device publishes: 200"
E2=$2
wait_until 5 grep -q 'dev2-open' "$(last w1)" || not_ok "bob was not told of the second device"
check "... one document with both tuples (composition)" sh -c "grep -q '<tuple id=\"dev1\">' '$(last w1)' && grep -q '<tuple id=\"dev2\">' '$(last w1)' && [ \$(grep -c '<presence ' '$(last w1)') = 1 ]"
same "$(pub "" --etag "$E2" --expires 0 | cut -d' ' -f1)" 200 "removal of the second (Expires: 0): 200"
same "$(pub "" --etag "$E1" --expires 0 | cut -d' ' -f1)" 200 "removal of the first: 200"
wait_until 5 grep -q 'tuple id="sipd"' "$(last w1)" || not_ok "after the removals bob is not back to the derived document"
check "... open (the phone is registered)" grep -q '<basic>open</basic>' "$(last w1)"
same "$(pub "" --etag "$E1" --expires 120 | cut -d' ' -f1)" 412 "the removed ETag: 412"

# ---- errors ------------------------------------------------------------------------------------
same "$(pub "$TMP/p1" --event "" | cut -d' ' -f1)" 489 "PUBLISH without Event: 489"
same "$($UA publish --server-port "$PORT" --aor sip:alice@example.test --to sip:example.test \
    --event presence --body-file "$TMP/p1" | cut -d' ' -f1)" 489 "PUBLISH to sipd itself: 489"
same "$(pub "$TMP/p1" --event foo | cut -d' ' -f1)" 200 "PUBLISH Event: foo goes to alice's phone (it answers 200)"
same "$(pub "$TMP/p1" --ctype text/plain | cut -d' ' -f1)" 415 "PUBLISH of text/plain: 415"
printf 'not xml at all' >"$TMP/bad"
same "$(pub "$TMP/bad" | cut -d' ' -f1)" 400 "PUBLISH of a body that is not PIDF: 400"
"$PYTHON" -c 'import sys; print("<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.test\">" + "<note>%s</note>" % ("x" * 4000) + "</presence>")' >"$TMP/huge"
same "$(pub "$TMP/huge" | cut -d' ' -f1)" 413 "a PIDF over presence.max_pidf: 413"
set -- $(pub "$TMP/p1" --expires 5 --show Min-Expires)
same "$1 $3" "423 60" "PUBLISH Expires: 5: 423 with Min-Expires: 60"
$UA watch --server-port "$PORT" --aor sip:bob@example.test --to sip:alice@example.test --user bob \
    --password pw --dir "$TMP/short" --time 0.5 --expires 10
same "$(sed -n 1p "$TMP/short/log")" "sub 423 min-expires=60" "SUBSCRIBE Expires: 10: 423 with Min-Expires: 60"

# ---- refresh and unsubscribe ------------------------------------------------------------------
watcher w2 --refresh-at 1 --end-at 2.5
wait_until 8 grep -qs '^notify .* terminated' "$TMP/w2/log" || not_ok "no terminated NOTIFY after the unsubscribe"
same "$(sed -n 's/^sub //p' "$TMP/w2/log" | tr '\n' ' ')" "200 expires=600 200 expires=600 200 expires=0 " \
    "SUBSCRIBE, refresh, unsubscribe: 200 each (Expires 600, 600, 0)"
check "... the last NOTIFY: terminated;reason=timeout" grep -q 'notify .* terminated;reason=timeout' "$TMP/w2/log"
# a refresh of a subscription that does not exist
cat >"$TMP/stale.req" <<EOR
SUBSCRIBE sip:alice@example.test SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:bob@example.test>;tag=x1
To: <sip:alice@example.test>;tag=nosuchtag
Call-ID: [call_id]
CSeq: 5 SUBSCRIBE
Contact: <sip:bob@[local_ip]:[local_port]>
Event: presence
Expires: 600
Content-Length: 0

EOR
sed -i 's/$/\r/' "$TMP/stale.req"
check "an in-dialog SUBSCRIBE matching no subscription: 481" sh -c "$SIPSEND --subst -p $PORT -n 1 -w 3 '$TMP/stale.req' | grep -q '^SIP/2.0 481'"

# ---- who may watch -----------------------------------------------------------------------------
outside() {	# outside DIR USER: eve from another domain watches USER; prints the answer
	$UA watch --server-port "$PORT" --aor sip:eve@outside.invalid --to "sip:$2@example.test" \
	    --dir "$TMP/$1" --time "${3:-0.5}"
	sed -n 's/^sub \([0-9]*\).*/\1/p' "$TMP/$1/log" | head -n 1
}
same "$(outside o1 alice)" 403 "an outside watcher of alice: 403"
same "$(outside o2 nosuchuser)" 403 "... of a user that does not exist: 403 too (auth.hide_users)"
"$SIPCTL" -c "$TMP/sipd.conf" presence allow sip:eve@outside.invalid alice >/dev/null || not_ok "sipctl presence allow"
check "sipctl presence list shows it" sh -c "'$SIPCTL' -c '$TMP/sipd.conf' presence list | grep -q 'sip:eve@outside.invalid'"
same "$(outside o3 alice 1.5)" 200 "after sipctl presence allow: 200"
check "... and a NOTIFY" test -e "$TMP/o3/notify.1"
same "$(outside o4 nosuchuser)" 403 "... still 403 for a user that does not exist"

# ---- hostile: many subscriptions from one address, a watcher that answers 481 -----------------
"$PYTHON" - "$PORT" >"$TMP/many" <<'EOPY'
import socket, sys, time, random, string
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0)); lp = s.getsockname()[1]
codes = {}
for i in range(60):
    cid = "many%d-%d" % (i, random.randint(0, 1 << 30))
    s.sendto(("SUBSCRIBE sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:%d;branch=z9hG4bKm%s\r\n"
              "Max-Forwards: 70\r\nFrom: <sip:w%d@outside.invalid>;tag=t%d\r\nTo: <sip:alice@example.test>\r\n"
              "Call-ID: %s\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:w@127.0.0.2:%d>\r\nEvent: presence\r\n"
              "Expires: 600\r\nContent-Length: 0\r\n\r\n" % (lp, cid, i, i, cid, lp)).encode(), ("127.0.0.1", port))
end = time.time() + 5
while time.time() < end and sum(codes.values()) < 60:
    s.settimeout(0.5)
    try:
        d = s.recv(65535).decode()
    except socket.timeout:
        continue
    if d.startswith("SIP/2.0 "):
        codes[d.split()[1]] = codes.get(d.split()[1], 0) + 1
    elif d.startswith("NOTIFY"):
        pass		# never answered: those subscriptions time out later
print(" ".join("%s:%d" % kv for kv in sorted(codes.items())))
EOPY
same "$(cat "$TMP/many")" "403:60" "60 outside SUBSCRIBEs from one address (not allowed): 403 each"
for u in $(seq 1 25); do "$SIPCTL" -c "$TMP/sipd.conf" presence allow "sip:w$u@outside.invalid" alice >/dev/null; done
"$PYTHON" - "$PORT" >"$TMP/many2" <<'EOPY'
import socket, sys, time, random
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0)); lp = s.getsockname()[1]
codes = {}
for i in range(1, 26):
    cid = "many%d-%d" % (i, random.randint(0, 1 << 30))
    s.sendto(("SUBSCRIBE sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:%d;branch=z9hG4bKm%s\r\n"
              "Max-Forwards: 70\r\nFrom: <sip:w%d@outside.invalid>;tag=t%d\r\nTo: <sip:alice@example.test>\r\n"
              "Call-ID: %s\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:w@127.0.0.2:%d>\r\nEvent: presence\r\n"
              "Expires: 600\r\nContent-Length: 0\r\n\r\n" % (lp, cid, i, i, cid, lp)).encode(), ("127.0.0.1", port))
    time.sleep(0.01)
end = time.time() + 5
while time.time() < end and sum(codes.values()) < 25:
    s.settimeout(0.5)
    try:
        d = s.recv(65535).decode()
    except socket.timeout:
        continue
    if d.startswith("SIP/2.0 "):
        codes[d.split()[1]] = codes.get(d.split()[1], 0) + 1
    elif d.startswith("NOTIFY"):
        # answer 481: the subscription ends (RFC 6665 4.2.2)
        head = d.split("\r\n\r\n")[0].split("\r\n")[1:]
        keep = [l for l in head if l.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq")]
        s.sendto(("SIP/2.0 481 Gone\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", port))
print(" ".join("%s:%d" % kv for kv in sorted(codes.items())))
EOPY
same "$(cat "$TMP/many2")" "200:20 403:5" "25 allowed SUBSCRIBEs from one address: 20 (subs.max_per_watcher) get 200, 5 get 403"
wait_log "answered 481: subscription ended" 20 5 || not_ok "NOTIFYs answered 481 did not end their 20 subscriptions"

# ---- a resource list (RFC 4662 with an RFC 5367 body), as Linphone sends to its RLS URI -----
cat >"$TMP/list.xml" <<'EOL'
<?xml version="1.0" encoding="UTF-8"?>
<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
<list><entry uri="sip:alice@example.test"/><entry uri="sip:bob@example.test"/>
<entry uri="sip:carol@example.test"/><entry uri="sip:nosuchuser@example.test"/>
<entry uri="sip:mallory@outside.invalid"/></list>
</resource-lists>
EOL
watcher wl --body-file "$TMP/list.xml" --to sip:rls@example.test
wait_until 5 has_notify wl 1 || not_ok "no NOTIFY for the resource-list subscription"
same "$(sed -n 1p "$TMP/wl/log")" "sub 200 expires=600" "resource-list SUBSCRIBE to sip:rls@example.test: 200"
check "... NOTIFY multipart/related with RLMI, Require: eventlist" sh -c "grep -qi '^Content-Type: multipart/related;type=\"application/rlmi+xml\"' '$TMP/wl/notify.1' && grep -qi '^Require: eventlist' '$TMP/wl/notify.1'"
same "$(grep -o '<resource uri="[^"]*"' "$TMP/wl/notify.1" | tr '\n' ' ')" \
    '<resource uri="sip:alice@example.test" <resource uri="sip:bob@example.test" <resource uri="sip:carol@example.test" ' \
    "... the RLMI lists the three users (not the unknown one nor the outside one)"
same "$(grep -c '^Content-Type: application/pidf+xml' "$TMP/wl/notify.1")" 3 "... and a PIDF part for each"
pidf "$TMP/p4" dev9 open
n=$(notes wl)
same "$(pub "$TMP/p4" --expires 120 | cut -d' ' -f1)" 200 "alice publishes"
wait_until 5 has_notify wl $((n + 1)) || not_ok "the list's watcher was not told"
check "... the list's next NOTIFY carries alice's document" grep -q 'dev9-open' "$(last wl)"
check "... with a higher RLMI version" grep -q 'version="[1-9]' "$(last wl)"

# ---- shutdown ends subscriptions; a restarted sipd takes new ones -----------------------------
n=$(notes w1)
stop_sipd
check "at shutdown bob got Subscription-State: terminated;reason=deactivated" \
    grep -q 'terminated;reason=deactivated' "$TMP/w1/log"
launch_sipd restart || fail "sipd did not restart"
watcher w3
wait_until 5 has_notify w3 1 || not_ok "no NOTIFY from the restarted sipd"
check "the restarted sipd: open (alice's binding survived)" grep -q '<basic>open</basic>' "$TMP/w3/notify.1"
check "... with the document alice published before (the publication is stored)" grep -q 'dev9-open' "$TMP/w3/notify.1"
same "$(db "SELECT count(*) FROM publications WHERE aor = 'sip:alice@example.test'")" 1 "... its row in the publications table"
# kill -9 right after the 200 to a PUBLISH loses nothing: the row was committed first
pidf "$TMP/p5" dev10 open
same "$(pub "$TMP/p5" --expires 120 | cut -d' ' -f1)" 200 "a PUBLISH to the restarted sipd: 200"
kill -9 "$SIPD_PID" 2>/dev/null
wait "$SIPD_PID" 2>/dev/null
SIPD_PID=
same "$(db "SELECT count(*) FROM publications WHERE CAST(body AS TEXT) LIKE '%dev10-open%'")" 1 \
    "kill -9 after its 200: the publication's row is on disk"
finish
