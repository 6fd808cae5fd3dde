#!/bin/sh
# Where responses go (RFC 3261 18.2.1/18.2.2, RFC 3581): received= is added when the sent-by
# host is not the packet's source; rport is filled in and used; over TCP the response goes back
# on the connection the request came on.
. "$(dirname "$0")/lib.sh"

start_sipd

# req FILE VIA-SENT-BY VIA-PARAMS: an OPTIONS in --subst form
req() {
	cat >"$1" <<EOF2
OPTIONS sip:127.0.0.1:$PORT SIP/2.0
Via: SIP/2.0/[transport] $2;branch=[branch]$3
Max-Forwards: 70
From: <sip:via@127.0.0.1>;tag=via-$$
To: <sip:127.0.0.1:$PORT>
Call-ID: via-[call_id]
CSeq: 1 OPTIONS
Content-Length: 0

EOF2
}
via_of() { grep -i '^Via[ 	]*:' "$1" | head -n 1; }

# (a) sent-by is a host name with our port: answered there, received=127.0.0.1 added.
req "$TMP/a" 'client.invalid:[local_port]' ''
$SIPSEND -p "$PORT" --crlf --subst -v -n 1 -w 2 "$TMP/a" >"$TMP/out.a" 2>&1
say "(a) $(via_of "$TMP/out.a")"
check "(a) answered at the sent-by port" grep -q '^SIP/2.0 200 ' "$TMP/out.a"
check "(a) received=127.0.0.1 added to the top Via" sh -c \
	"grep -i '^Via' '$TMP/out.a' | head -n 1 | grep -q ';received=127\\.0\\.0\\.1'"
check "(a) only one Via in the response" test "$(grep -ci '^Via[ 	]*:' "$TMP/out.a")" -eq 1

# (b) rport: sent-by names port 9, the response must come to our real source port.
req "$TMP/b" '127.0.0.1:9' ';rport'
$SIPSEND -p "$PORT" --crlf --subst -v -n 1 -w 2 "$TMP/b" >"$TMP/out.b" 2>&1
say "(b) $(via_of "$TMP/out.b")"
check "(b) rport: answered at the source port" grep -q '^SIP/2.0 200 ' "$TMP/out.b"
check "(b) rport=<source port> filled in" sh -c \
	"grep -i '^Via' '$TMP/out.b' | head -n 1 | grep -q ';rport=[0-9][0-9]*'"
check "(b) received=127.0.0.1 added with rport (RFC 3581 4)" sh -c \
	"grep -i '^Via' '$TMP/out.b' | head -n 1 | grep -q ';received=127\\.0\\.0\\.1'"

# (c) TCP: the sent-by names port 9, the response still comes back on our connection.
req "$TMP/c" '127.0.0.1:9' ''
$SIPSEND -p "$PORT" -t tcp --crlf --subst -v -n 1 -w 2 "$TMP/c" >"$TMP/out.c" 2>&1
say "(c) $(via_of "$TMP/out.c")"
check "(c) TCP: answered on the same connection" grep -q '^SIP/2.0 200 ' "$TMP/out.c"

# (d) Via header values echoed in order, several in one header and in separate ones.
cat >"$TMP/d" <<EOF2
OPTIONS sip:127.0.0.1:$PORT SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch], SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-second
v: SIP/2.0/TCP [::1]:9;branch=z9hG4bK-third
Max-Forwards: 70
From: <sip:via@127.0.0.1>;tag=via-$$
To: <sip:127.0.0.1:$PORT>
Call-ID: via-d-[call_id]
CSeq: 1 OPTIONS
Content-Length: 0

EOF2
$SIPSEND -p "$PORT" --crlf --subst -v -n 1 -w 2 "$TMP/d" >"$TMP/out.d" 2>&1
tr -d '\r' <"$TMP/out.d" | grep -iE '^(Via|v)[ 	]*:' | tr '\n' '|' >"$TMP/vias.d"
say "(d) $(cat "$TMP/vias.d")"
check "(d) 3 Via values echoed in order (RFC 3261 8.2.6.2)" sh -c \
	"grep -q 'z9hG4bK-.*z9hG4bK-second.*z9hG4bK-third' '$TMP/vias.d'"

finish
