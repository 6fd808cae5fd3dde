#!/bin/sh
# Voicemail (issue 13), leaving a message, with tests/integration/vmua.py as caller and callee:
#  1. noanswer: bob (box, --after 2) has a phone that rings and never answers: 2 s later sipd
#     answers 200 with its own SDP; alice hears the greeting and the beep (sox: a 440 Hz beep
#     at the end), sends a 1 kHz tone for 3 s and hangs up: one vm_messages row of ~3 s whose
#     WAV holds ~3 s of 1 kHz (sox); the CDR says answered_by voicemail.
#  2. busy (erin): the phone answers 486: voicemail answers at once; a message is stored.
#  3. offline: nothing registered for carol: voicemail answers at once.
#  4. a caller who hangs up during the greeting leaves no row and no file.
#  5. quota (carol): voicemail.max_messages reached: the box-full notice, nothing recorded.
#  listening: erin dials *98: 1 plays her message (1 kHz, sox), 7 deletes it (row, file, MWI
#     no), 9 records a new greeting (500 Hz, ended by #).
#  MWI: bob's phone subscribed to message-summary hears no, yes (Voice-Message 1/0) once the
#     message is stored, no again after sipctl vm del (which removes the file); alice may not
#     subscribe to bob's box (403).
#  7. kill -9 while frank's caller is recording: no row is listed (the cut file's header
#     says 0 samples).
#  8. dave dials *98: erin's box (no PIN) cannot be opened with a PIN; bob's opens with
#     "2001#1234#"; wrong PINs are failed authentications: with auth.max_failures = 3 the
#     address is banned (*98 then gets 403).
#  6. a user without a box: a call to an unregistered user still gets 480.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
need sox
RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
start_sipd 'auth: { register = 0; calls = 0; max_failures = 3; };' "relay: { port_min = $RLO; port_max = $((RLO + 199)); };" \
    "voicemail: { max_messages = 3; silence_seconds = 0; };"
for u in bob:2001 carol:2002 dave:2003 erin:2004 frank:2005; do
	echo pw | ctl user add "${u%%:*}" -e "${u#*:}"
done
ctl vm enable bob --after 2 --pin 1234
ctl vm enable carol
ctl vm enable erin
ctl vm enable frank
settle
VMDIR="$TMP/voicemail"
check "the default prompts were generated" test -s "$VMDIR/greeting.wav" -a -s "$VMDIR/beep.wav"

ua() { timeout 60 $PYTHON "$TESTDIR/vmua.py" leave --server-port "$PORT" "$@" >"$TMP/ua.out" 2>&1
	_rc=$?; sed "s/^/$TEST_NAME: /" "$TMP/ua.out"; FAILS=$((FAILS + $(grep -c '^NOT OK' "$TMP/ua.out"))); return $_rc; }
freq() { sox "$1" -n stat 2>&1 | awk '/Rough/ {print $3}'; }
len() { sox "$1" -n stat 2>&1 | awk '/Length/ {print $3}'; }

# ---- MWI (RFC 3842): bob's phone subscribes to his box; alice may not -----------------------
UA="$PYTHON $TESTDIR/presua.py"
mkdir -p "$TMP/mwi" "$TMP/mwi2"
spawn $UA watch --server-port "$PORT" --aor sip:bob@127.0.0.1 --to sip:bob@127.0.0.1 \
    --event message-summary --dir "$TMP/mwi" --time 60
notes() { grep -c '^notify ' "$TMP/mwi/log" 2>/dev/null || echo 0; }
last() { cat "$TMP/mwi/notify.$(notes)"; }
has_notify() { [ "$(notes)" -ge "$1" ]; }
wait_until 5 has_notify 1 || not_ok "no NOTIFY for the message-summary subscription"
check "the first NOTIFY says Messages-Waiting: no" sh -c "grep -q '^Messages-Waiting: no' '$TMP/mwi/notify.1'"
$UA watch --server-port "$PORT" --aor sip:alice@127.0.0.1 --to sip:bob@127.0.0.1 \
    --event message-summary --dir "$TMP/mwi2" --time 2 >/dev/null 2>&1
check "alice may not watch bob's box (403)" grep -q '^sub 403' "$TMP/mwi2/log"

# ---- 1: noanswer ---------------------------------------------------------------------------
ua --callee bob --mode noanswer --expect-after 2 --heard "$TMP/heard1.wav" || not_ok "caller 1"
wait_until 5 test "$(db 'SELECT count(*) FROM vm_messages')" = 1 || not_ok "no message row"
F=$(db "SELECT file FROM vm_messages WHERE username = 'bob'")
D=$(db "SELECT duration FROM vm_messages WHERE username = 'bob'")
check "the message lasts about 3 s ($D ms)" between "$D" 2700 3300
check "its file exists" test -s "$VMDIR/$F"
L=$(len "$VMDIR/$F"); FR=$(freq "$VMDIR/$F")
say "recording: $L s, $FR Hz"
check "the WAV holds about 3 s ($L)" between "$L" 2.7 3.3
check "the WAV holds a 1 kHz tone ($FR Hz)" between "$FR" 950 1050
sox "$TMP/heard1.wav" "$TMP/beep1.wav" trim -1.1 -0.1 2>/dev/null
BF=$(freq "$TMP/beep1.wav")
check "the caller heard the beep last ($BF Hz)" between "$BF" 420 460
cdr_vm() { [ "$(db "SELECT count(*) FROM cdr WHERE answered_by = 'voicemail'")" -ge 1 ]; }
wait_until 5 cdr_vm || not_ok "the CDR says answered_by voicemail ($(db 'SELECT answered_by, status, reason FROM cdr'))"

mwi_yes() { last | grep -q '^Messages-Waiting: yes' && last | grep -q '^Voice-Message: 1/0'; }
wait_until 5 mwi_yes || not_ok "bob's phone was told Messages-Waiting: yes, Voice-Message: 1/0"
N=$(notes)
ID=$(db "SELECT id FROM vm_messages WHERE username = 'bob'")
ctl vm del "$ID"
check "sipctl vm del removed the file" test ! -e "$VMDIR/$F"
mwi_no() { [ "$(notes)" -gt "$N" ] && last | grep -q '^Messages-Waiting: no'; }
wait_until 5 mwi_no || not_ok "after sipctl vm del bob's phone was told Messages-Waiting: no"
ok "MWI: no, then yes (1/0) after the message, then no after vm del"

# ---- 2: busy -------------------------------------------------------------------------------
ua --callee erin --mode busy --tone-seconds 2 --heard "$TMP/heard2.wav" || not_ok "caller 2"
wait_until 5 test "$(db "SELECT count(*) FROM vm_messages WHERE username = 'erin'")" = 1 || not_ok "busy: no message"

# ---- listening: erin dials *98, presses 1 (RFC 4733): her message (2 s of 1 kHz) plays;
# 7 deletes it: row and file gone, her subscribed phone hears Messages-Waiting: no ----------
mkdir -p "$TMP/mwi3"
spawn $UA watch --server-port "$PORT" --aor sip:erin@127.0.0.1 --to sip:erin@127.0.0.1 \
    --event message-summary --dir "$TMP/mwi3" --time 60
enotes() { grep -c '^notify ' "$TMP/mwi3/log" 2>/dev/null || echo 0; }
elast() { cat "$TMP/mwi3/notify.$(enotes)"; }
e_yes() { [ "$(enotes)" -ge 1 ] && elast | grep -q '^Messages-Waiting: yes'; }
wait_until 5 e_yes || not_ok "erin's phone was told Messages-Waiting: yes"
EF=$(db "SELECT file FROM vm_messages WHERE username = 'erin'")
timeout 60 $PYTHON "$TESTDIR/vmua.py" listen --server-port "$PORT" --caller erin --greeting \
    --heard "$TMP/listen.wav" >"$TMP/ua.out" 2>&1 || not_ok "listening"
sed "s/^/$TEST_NAME: /" "$TMP/ua.out"; FAILS=$((FAILS + $(grep -c '^NOT OK' "$TMP/ua.out")))
sox "$TMP/listen.wav" "$TMP/listen1.wav" trim 0 1.5 2>/dev/null
LF=$(freq "$TMP/listen1.wav")
check "erin heard her 1 kHz message back ($LF Hz)" between "$LF" 950 1050
wait_until 5 test "$(db "SELECT count(*) FROM vm_messages WHERE username = 'erin'")" = 0 || not_ok "7 did not delete the row"
check "... and its file" test ! -e "$VMDIR/$EF"
G=$(ls "$VMDIR"/greeting-erin@*.wav 2>/dev/null | head -n 1)
GL=$(len "$G"); GF=$(freq "$G")
check "9 recorded erin's greeting of about 1.5 s ($GL s)" between "$GL" 1.3 1.6
check "... a 500 Hz tone ($GF Hz)" between "$GF" 470 530
e_no() { elast | grep -q '^Messages-Waiting: no'; }
wait_until 5 e_no || not_ok "erin's phone was told Messages-Waiting: no after the delete"

# ---- 3: offline ----------------------------------------------------------------------------
ua --callee carol --mode offline --tone-seconds 2 --heard "$TMP/heard3.wav" || not_ok "caller 3"
wait_until 5 test "$(db "SELECT count(*) FROM vm_messages WHERE username = 'carol'")" = 1 || not_ok "offline: no message"

# ---- 4: hang up during the greeting --------------------------------------------------------
N=$(ls "$VMDIR" | wc -l)
ua --callee carol --mode offline --hangup-during-greeting --heard "$TMP/heard4.wav" || :
sleep 0.5
same "$(db "SELECT count(*) FROM vm_messages WHERE username = 'carol'")" 1 "hanging up during the greeting stores nothing"
same "$(ls "$VMDIR" | wc -l)" "$N" "... and leaves no file"

# ---- 5: quota --------------------------------------------------------------------------------
for i in 2 3; do
	ua --callee carol --mode offline --tone-seconds 2 --heard "$TMP/heard5.wav" || :
	wait_until 5 test "$(db "SELECT count(*) FROM vm_messages WHERE username = 'carol'")" = $i || not_ok "message $i"
done
ua --callee carol --mode offline --tone-seconds 1 --heard "$TMP/heard6.wav" || :
sleep 0.5
same "$(db "SELECT count(*) FROM vm_messages WHERE username = 'carol'")" 3 "a full box records nothing"
check "... and says so in the log" grep -q 'box=carol@.*answered (box full)' "$TMP/sipd.log"

# ---- 6: no box -----------------------------------------------------------------------------
check "a user without a box still gets 4xx when offline" sh -c "$SIPSEND -p $PORT -m INVITE -u sip:dave@127.0.0.1:$PORT -w 3 -n 1 2>/dev/null | grep -q '^SIP/2.0 4'"
# ---- 7: kill -9 during a recording: nothing is listed ------------------------------------
timeout 60 $PYTHON "$TESTDIR/vmua.py" leave --server-port "$PORT" --callee frank --mode offline \
    --tone-seconds 10 --heard "$TMP/heard7.wav" >"$TMP/ua7.out" 2>&1 &
UA7=$!
recording() { grep -q 'call-id=vm-.*box=frank@.*answered' "$TMP/sipd.log"; }
wait_until 10 recording || not_ok "frank's call was not answered"
sleep 4		# greeting and beep (2.7 s), then about a second of recording
kill -9 "$SIPD_PID"; wait "$SIPD_PID" 2>/dev/null; SIPD_PID=
wait "$UA7" 2>/dev/null
same "$(db "SELECT count(*) FROM vm_messages WHERE username = 'frank'")" 0 "kill -9 during the recording lists no message"
# ---- 8: another phone: box number and PIN; wrong PINs ban like wrong passwords ------------
restart_sipd
timeout 60 $PYTHON "$TESTDIR/vmua.py" listen --server-port "$PORT" --caller dave \
    --keys "2004#1234#" --keys-only --heard "$TMP/pin0.wav" >"$TMP/ua8.out" 2>&1 || :
check "a box without a PIN cannot be opened from another phone" sh -c "! grep -q 'box=erin@.*PIN accepted' '$TMP/sipd.log'"
timeout 60 $PYTHON "$TESTDIR/vmua.py" listen --server-port "$PORT" --caller dave \
    --keys "2001#1234#" --heard "$TMP/pin1.wav" >"$TMP/ua8.out" 2>&1 || :
check "dave opened bob's box with its number and PIN" grep -q 'box=bob@.*PIN accepted' "$TMP/sipd.log"
timeout 60 $PYTHON "$TESTDIR/vmua.py" listen --server-port "$PORT" --caller dave \
    --keys "2001#1111#2001#2222#" --keys-only --heard "$TMP/pin2.wav" >"$TMP/ua8.out" 2>&1 || :
check "wrong PINs are logged as failed authentications" test "$(grep -c 'auth failed.*wrong voicemail box or PIN' "$TMP/sipd.log")" -ge 3
check "... the address is banned (3 failures)" grep -q 'ban src=127.0.0.1 .*3 failed authentications' "$TMP/sipd.log"
check "... and dialling *98 again gets 403" sh -c "$SIPSEND -p $PORT -m INVITE -u 'sip:*98@127.0.0.1:$PORT' -w 3 -n 1 2>/dev/null | grep -q '^SIP/2.0 403'"
[ $FAILS = 0 ] || grep -v 'debug:' "$TMP/sipd.log" | tail -60 | sed "s/^/$TEST_NAME: log: /"
finish
