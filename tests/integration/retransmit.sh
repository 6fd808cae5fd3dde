#!/bin/sh
# UDP retransmissions (RFC 3261 17.2): a retransmitted request is absorbed by its server
# transaction, which resends the very same response; the transaction is logged once.
. "$(dirname "$0")/lib.sh"

start_sipd

# (a) OPTIONS sent 3 times with the same branch: 3 byte-identical responses, one log line.
cid="retrans-opt-$$-$(date +%s)@127.0.0.1"
cat >"$TMP/options.sip" <<EOF2
OPTIONS sip:127.0.0.1:$PORT SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK-retrans-opt-$$
Max-Forwards: 70
From: <sip:test@127.0.0.1>;tag=retrans-$$
To: <sip:127.0.0.1:$PORT>
Call-ID: $cid
CSeq: 7 OPTIONS
Content-Length: 0

EOF2
$SIPSEND -p "$PORT" --crlf --subst --gap 0.2 -w 1 -o "$TMP/opt" \
	"$TMP/options.sip" "$TMP/options.sip" "$TMP/options.sip" >"$TMP/out" 2>&1
cat "$TMP/out"
check "OPTIONS x3: three responses" test "$(grep -c '^SIP/2.0 200 ' "$TMP/out")" -eq 3
check "OPTIONS x3: response 2 byte-identical to response 1" cmp -s "$TMP/opt.1" "$TMP/opt.2"
check "OPTIONS x3: response 3 byte-identical to response 1" cmp -s "$TMP/opt.1" "$TMP/opt.3"
for i in 1 2 3; do
	tr -d '\r' <"$TMP/opt.$i" 2>/dev/null | grep -i '^To[ 	]*:' >"$TMP/to.$i"
done
check "OPTIONS x3: the To tag is there and the same in all three" sh -c \
	"grep -q 'tag=' '$TMP/to.1' && cmp -s '$TMP/to.1' '$TMP/to.2' && cmp -s '$TMP/to.1' '$TMP/to.3'"
n=$(log_count "txn call-id=$cid ")
check "OPTIONS x3: 'txn call-id=$cid' logged exactly once (saw $n)" test "$n" -eq 1

# (b) INVITE answered with a non-2xx final: Timer G retransmits it until the ACK, a retransmitted
# INVITE gets it again, and after the ACK it stops (RFC 3261 17.2.1).
cid="retrans-inv-$$-$(date +%s)@127.0.0.1"
cat >"$TMP/invite.sip" <<EOF2
INVITE sip:nobody-$$@127.0.0.1:$PORT SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK-retrans-inv-$$
Max-Forwards: 70
From: <sip:test@127.0.0.1>;tag=retrans-$$
To: <sip:nobody-$$@127.0.0.1:$PORT>
Call-ID: $cid
CSeq: 1 INVITE
Contact: <sip:test@[local_ip]:[local_port]>
Content-Length: 0

EOF2
# INVITE at 0 s, again at 0.8 s; the first final after that is ACKed; then 2.5 s of silence.
$SIPSEND -p "$PORT" --crlf --subst --gap 0.8 --ack -T -w 2.5 -o "$TMP/inv" \
	"$TMP/invite.sip" "$TMP/invite.sip" >"$TMP/out" 2>&1
cat "$TMP/out"
finals=$(grep -c '^[0-9.]* SIP/2.0 [3-6][0-9][0-9] ' "$TMP/out")
before=$(sed -n '/ ACK$/q;p' "$TMP/out" | grep -c ' SIP/2.0 [3-6][0-9][0-9] ')
after=$(sed -n '/ ACK$/,$p' "$TMP/out" | grep -c ' SIP/2.0 [3-6][0-9][0-9] ')
check "INVITE: a final response came" test "$finals" -ge 1
check "INVITE: no 2xx to an INVITE for an unknown user" sh -c "! grep -q ' SIP/2.0 2' '$TMP/out'"
check "INVITE: final retransmitted (Timer G / retransmitted INVITE) before the ACK: $before copies, want >= 3" \
	test "$before" -ge 3
check "INVITE: an ACK was sent" grep -q ' ACK$' "$TMP/out"
check "INVITE: no final response after the ACK (saw $after)" test "$after" -eq 0
same=1
for f in "$TMP"/inv.*; do
	case $(head -c 12 "$f") in "SIP/2.0 100 ") continue ;; esac
	[ -n "${first:-}" ] || first=$f
	cmp -s "$first" "$f" || same=0
done
check "INVITE: every copy of the final response byte-identical" test "$same" -eq 1
n=$(log_count "txn call-id=$cid ")
check "INVITE: 'txn call-id=$cid' logged exactly once (saw $n)" test "$n" -eq 1
# (c) Over TCP there is no Timer G (RFC 3261 17.2.1): one final response, even without an ACK.
$SIPSEND -p "$PORT" -t tcp -m INVITE -u "sip:nobody-$$@127.0.0.1:$PORT" -T -w 2.5 >"$TMP/out" 2>&1
cat "$TMP/out"
check "INVITE over TCP, no ACK: exactly one final response in 2.5 s" \
	test "$(grep -c ' SIP/2.0 [2-6][0-9][0-9] ' "$TMP/out")" -eq 1
check "server still answers OPTIONS" probe_ok

finish
