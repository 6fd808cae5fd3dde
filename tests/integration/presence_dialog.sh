#!/bin/sh
# The dialog event package (dialoginfo.c, RFC 4235) from the proxy's own call state: bob
# watches alice's dialogs (SUBSCRIBE Event: dialog) and carol's presence; carol calls alice
# through sipd, alice's phone rings (180), answers (200) and hangs up (BYE).  bob's NOTIFYs
# (application/dialog-info+xml, version counting up) say trying/early -> confirmed ->
# terminated for alice (direction recipient) and the watcher of carol's presence sees
# on-the-phone while the call is up, and not once it is over.  Another package (Event: foo)
# is still forwarded to the phone, which answers it.  A call already up (carol -> dave) when
# the first subscription comes shows in its first NOTIFY (presence on-the-phone, dialog
# confirmed), and its end after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
UA="$PYTHON $TESTDIR/presua.py"
start_sipd "$PROXY_NOAUTH"
for u in alice bob carol dave; do
	printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add "$u" >/dev/null 2>&1 || fail "sipctl user add $u"
done
ALICE=sip:alice@127.0.0.1:$PORT
CAROL=sip:carol@127.0.0.1:$PORT
callee alice "$ALICE" --invite 180,200@1.5 --hangup 1.5
notes() { grep -c '^notify ' "$TMP/$1/log" 2>/dev/null || echo 0; }
has_notify() { [ "$(notes "$1")" -ge "$2" ]; }
# states DIR: the dialog states of every NOTIFY bob got, in order ("-" for none)
states() {
	for f in $(ls "$TMP/$1"/notify.* 2>/dev/null | sort -t. -k2 -n); do
		s=$(sed -n 's/.*<state>\([a-z]*\)<\/state>.*/\1/p' "$f" | head -n 1)
		printf '%s ' "${s:--}"
	done
}

# a call already up when the first subscription comes: carol calls dave (answered at once,
# hung up 5 s later) while nobody watches anything; the first NOTIFYs of a presence and then
# a dialog subscription to dave show it (from callrec.c's open calls), and its end
DAVE=sip:dave@127.0.0.1:$PORT
callee dave "$DAVE" --invite 180,200 --hangup 5
mkdir -p "$TMP/c0"
spawn $PEER uac --server-port "$PORT" --name carol --dir "$TMP/c0" --to "$DAVE" --linger 7
wait_msgs dave in ACK 1 5 || not_ok "carol's call to dave was not answered"
spawn $UA watch --server-port "$PORT" --aor "sip:bob@127.0.0.1" --to "$DAVE" --event presence \
    --dir "$TMP/xp" --time 10
wait_until 5 has_notify xp 1 || not_ok "no NOTIFY for dave's presence"
check "a call up before any subscription: dave's first presence NOTIFY says on-the-phone" grep -q on-the-phone "$TMP/xp/notify.1"
spawn $UA watch --server-port "$PORT" --aor "sip:bob@127.0.0.1" --to "$DAVE" --event dialog \
    --dir "$TMP/xd" --time 10
wait_until 5 has_notify xd 1 || not_ok "no NOTIFY for dave's dialogs"
check "... and the first dialog NOTIFY has it confirmed (recipient)" sh -c "grep -q '<state>confirmed</state>' '$TMP/xd/notify.1' && grep -q 'direction=\"recipient\"' '$TMP/xd/notify.1'"
# last_has DIR TEXT: the latest NOTIFY in DIR has TEXT
last_has() { grep -q "$2" "$TMP/$1/notify.$(notes "$1")"; }
check "... then terminated when dave hangs up" wait_until 8 last_has xd '<state>terminated</state>'

spawn $UA watch --server-port "$PORT" --aor "sip:bob@127.0.0.1" --to "$ALICE" --event dialog \
    --dir "$TMP/wd" --time 30
wait_until 5 has_notify wd 1 || fail "no NOTIFY for the dialog subscription"
same "$(sed -n 1p "$TMP/wd/log")" "sub 200 expires=600" "SUBSCRIBE Event: dialog to alice: 200"
check "the first NOTIFY: application/dialog-info+xml, version 0, full, no dialog" sh -c "grep -qi '^Content-Type: application/dialog-info+xml' '$TMP/wd/notify.1' && grep -q 'version=\"0\" state=\"full\"' '$TMP/wd/notify.1' && ! grep -q '<dialog ' '$TMP/wd/notify.1'"
spawn $UA watch --server-port "$PORT" --aor "sip:bob@127.0.0.1" --to "$CAROL" --event presence \
    --dir "$TMP/wp" --time 30
wait_until 5 has_notify wp 1 || fail "no NOTIFY for carol's presence"

dial carol --to "$ALICE" --linger 4
wait_until 8 grep -q '<state>terminated</state>' "$TMP/wd/notify.$(notes wd)" || not_ok "no terminated dialog state"
st=$(states wd)
say "dialog states bob was told: $st"
case $st in
*early*confirmed*terminated*) ok "alice's dialog: early (ringing) -> confirmed -> terminated" ;;
*) not_ok "alice's dialog states: want early, confirmed, terminated in order; got $st" ;;
esac
check "... as the recipient of the call" grep -q 'direction="recipient"' "$TMP/wd/notify.$(notes wd)"
vs=$(cat "$TMP"/wd/notify.* | sed -n 's/.*version="\([0-9]*\)".*/\1/p' | sort -n | tr '\n' ' ')
same "$vs" "$(seq 0 $(($(notes wd) - 1)) | tr '\n' ' ')" "versions 0, 1, 2 ... one per NOTIFY"
check "carol on the call: her presence said on-the-phone" sh -c "grep -l 'on-the-phone' '$TMP'/wp/notify.* >/dev/null"
if wait_until 5 sh -c "! grep -q on-the-phone \"\$(ls '$TMP'/wp/notify.* | sort -t. -k2 -n | tail -n 1)\""; then
	ok "after the call carol's presence no longer says on-the-phone"
else
	not_ok "after the call carol's presence still says on-the-phone"
fi

# another event package is the phone's: forwarded, answered by it (peer.py answers 200)
$UA watch --server-port "$PORT" --aor "sip:bob@127.0.0.1" --to "$ALICE" --event foo \
    --dir "$TMP/wf" --time 0.5
same "$(sed -n 's/^sub \([0-9]*\).*/\1/p' "$TMP/wf/log")" 200 "SUBSCRIBE Event: foo goes to alice's phone (it answers 200)"
check "... which got it" test "$(nmsgs alice in SUBSCRIBE)" -ge 1
finish
