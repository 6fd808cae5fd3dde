#!/bin/sh
# TCP framing (RFC 3261 18.3): messages are delimited by Content-Length whatever the segment
# boundaries; CRLFCRLF keepalives get a CRLF back (RFC 5626 3.5.1).
. "$(dirname "$0")/lib.sh"

start_sipd

# options N [extra header]: an OPTIONS with CSeq N in --subst form, into $TMP/opt.N
options() {
	cat >"$TMP/opt.$1" <<EOF2
OPTIONS sip:127.0.0.1:$PORT SIP/2.0
Via: SIP/2.0/TCP [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:test@127.0.0.1>;tag=framing-$$
To: <sip:127.0.0.1:$PORT>
Call-ID: framing-$$-[call_id]
CSeq: $1 OPTIONS
${2:+$2
}Content-Length: [len]

EOF2
}

# (a) one OPTIONS in 3 writes 200 ms apart: one 200.
options 1
$SIPSEND -p "$PORT" -t tcp --crlf --subst --chunks 3 --delay 0.2 -w 2 -n 1 --linger 0.3 -v \
	"$TMP/opt.1" >"$TMP/out.a" 2>&1
check "(a) split in 3 chunks: one 200" test "$(grep -c '^SIP/2.0 ' "$TMP/out.a")" -eq 1 -a \
	"$(grep -c '^SIP/2.0 200 ' "$TMP/out.a")" -eq 1
check "(a) nothing left over" sh -c "! grep -q '^PARTIAL' '$TMP/out.a'"

# (a') the split falls inside the CRLFCRLF ending the header section, and byte by byte
# around it: cut just after the first CRLF of the pair.
n=$($PYTHON -c "import sys; d=open(sys.argv[1],'rb').read().replace(b'\r\n',b'\n').replace(b'\n',b'\r\n'); print(d.find(b'\r\n\r\n')+2)" "$TMP/opt.1")
$SIPSEND -p "$PORT" -t tcp --crlf --subst --split "$n,$((n + 1))" --delay 0.2 -w 2 -n 1 \
	--linger 0.3 "$TMP/opt.1" >"$TMP/out.a2" 2>&1
check "(a') split inside the blank line: one 200" test "$(grep -c '^SIP/2.0 200 ' "$TMP/out.a2")" -eq 1

# (b) three OPTIONS coalesced in one write: three 200s, CSeq 1, 2, 3 in order.
options 1; options 2; options 3
$SIPSEND -p "$PORT" -t tcp --crlf --subst --coalesce -w 3 -n 3 --linger 0.3 -v \
	"$TMP/opt.1" "$TMP/opt.2" "$TMP/opt.3" >"$TMP/out.b" 2>&1
check "(b) coalesced x3: three 200s" test "$(grep -c '^SIP/2.0 200 ' "$TMP/out.b")" -eq 3
cseqs=$(grep -i '^CSeq[ 	]*:' "$TMP/out.b" | tr -d ' \t' | tr '\n' ' ')
check "(b) coalesced x3: CSeqs in order (got: $cseqs)" \
	test "$cseqs" = "CSeq:1OPTIONS CSeq:2OPTIONS CSeq:3OPTIONS "

# (c) CRLFCRLF keepalive: a CRLF comes back, and the connection stays usable.
printf '\r\n\r\n' >"$TMP/ping"
$SIPSEND -p "$PORT" -t tcp -w 1 "$TMP/ping" >"$TMP/out.c" 2>&1
check "(c) CRLFCRLF ping: CRLF pong" grep -q '^CRLF$' "$TMP/out.c"
check "(c) CRLFCRLF ping: exactly one pong" test "$(grep -c '^CRLF$' "$TMP/out.c")" -eq 1
check "(c) connection not closed by a ping" sh -c "! grep -q '^CLOSED' '$TMP/out.c'"
$SIPSEND -p "$PORT" -t tcp --crlf --subst --coalesce -w 2 -n 1 --linger 0.3 \
	"$TMP/ping" "$TMP/opt.1" >"$TMP/out.c2" 2>&1
check "(c) ping then OPTIONS in one write: pong and 200" sh -c \
	"grep -q '^CRLF\$' '$TMP/out.c2' && grep -q '^SIP/2.0 200 ' '$TMP/out.c2'"

# (d) a message with a body, the body split across segments.
body='v=0
o=test 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 49170 RTP/AVP 0
'
options 4 'Content-Type: application/sdp'
printf '%s' "$body" >>"$TMP/opt.4"
hlen=$($PYTHON -c "import sys; d=open(sys.argv[1],'rb').read().replace(b'\r\n',b'\n').replace(b'\n',b'\r\n'); print(d.find(b'\r\n\r\n')+4)" "$TMP/opt.4")
$SIPSEND -p "$PORT" -t tcp --crlf --subst --split "$((hlen + 10)),$((hlen + 40))" --delay 0.2 \
	-w 2 -n 1 --linger 0.5 -v "$TMP/opt.4" >"$TMP/out.d" 2>&1
check "(d) body split over 3 segments: one 200" test "$(grep -c '^SIP/2.0 ' "$TMP/out.d")" -eq 1 -a \
	"$(grep -c '^SIP/2.0 200 ' "$TMP/out.d")" -eq 1
check "(d) CSeq 4" grep -qi '^CSeq[ 	]*: *4 OPTIONS' "$TMP/out.d"
# and a body message followed at once by another message in the same write
options 5
$SIPSEND -p "$PORT" -t tcp --crlf --subst --coalesce -w 2 -n 2 --linger 0.3 -v \
	"$TMP/opt.4" "$TMP/opt.5" >"$TMP/out.d2" 2>&1
cseqs=$(grep -i '^CSeq[ 	]*:' "$TMP/out.d2" | tr -d ' \t' | tr '\n' ' ')
check "(d) body message + next message in one write: 200 for CSeq 4 then 5 (got: $cseqs)" \
	test "$cseqs" = "CSeq:4OPTIONS CSeq:5OPTIONS "

check "server still answers OPTIONS over UDP" probe_ok udp
check "server still answers OPTIONS over TCP" probe_ok tcp
finish
