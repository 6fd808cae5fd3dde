#!/bin/sh
# Hostile input over UDP and TCP: the daemon survives each message and keeps answering an
# OPTIONS probe; oversized things over the configured limits are not accepted; a TCP stream whose
# framing cannot be recovered (bad Content-Length) is closed; a stalled TCP connection neither
# blocks others nor lives past limits.tcp_idle_timeout.  Header text that is not UTF-8, or holds
# a NUL that is not a quoted-pair (RFC 3261 25.1), gets a 400 naming the header.
. "$(dirname "$0")/lib.sh"

start_sipd 'limits: { tcp_idle_timeout = 5; tcp_max_connections = 4; };'

# Write the hostile messages into $TMP/m.* (deterministic bytes).
"$PYTHON" - "$TMP" "$PORT" <<'EOF2'
import random, sys
d, port = sys.argv[1], sys.argv[2]
rnd = random.Random(4475)
def req(extra=b"", cl=b"0", body=b"", transport=b"UDP"):
    return (b"OPTIONS sip:127.0.0.1:" + port.encode() + b" SIP/2.0\r\n"
            b"Via: SIP/2.0/" + transport + b" 127.0.0.1:9;branch=z9hG4bK-hostile-" +
            str(rnd.randrange(1 << 30)).encode() + b"\r\n"
            b"Max-Forwards: 70\r\nFrom: <sip:h@127.0.0.1>;tag=h\r\nTo: <sip:127.0.0.1>\r\n"
            b"Call-ID: hostile-" + str(rnd.randrange(1 << 30)).encode() + b"\r\nCSeq: 1 OPTIONS\r\n"
            + extra + b"Content-Length: " + cl + b"\r\n\r\n" + body)
def w(name, data):
    with open("%s/m.%s" % (d, name), "wb") as f:
        f.write(data)
w("garbage", bytes(rnd.randrange(256) for _ in range(4096)))
# the same ending with an empty line: a "header section" whose start line is garbage
w("garbage.tcp", bytes(rnd.randrange(256) for _ in range(4096)) + b"\r\n\r\n")
# 65507 bytes is the largest UDP/IPv4 payload: a 70 KB datagram cannot be sent at all.
w("junk64k", bytes(rnd.randrange(256) for _ in range(65507)))
w("junk70k", bytes(rnd.randrange(256) for _ in range(70 * 1024)))
w("sipjunk64k", b"OPTIONS sip:127.0.0.1 SIP/2.0\r\n" + b"X" * (65507 - 31))
w("longline", req(b"X-Long: " + b"a" * 20000 + b"\r\n"))
w("longline.tcp", req(b"X-Long: " + b"a" * 20000 + b"\r\n", transport=b"TCP"))
w("headers500", req(b"".join(b"X-H-%d: v\r\n" % i for i in range(500))))
w("headers500.tcp", req(b"".join(b"X-H-%d: v\r\n" % i for i in range(500)), transport=b"TCP"))
w("nul", req(b"X-N\x00ul: a\x00b\r\n"))
w("novia", b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nMax-Forwards: 70\r\nFrom: <sip:h@x>;tag=1\r\n"
  b"To: <sip:x>\r\nCall-ID: novia\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
w("empty", b"")
w("crlf", b"\r\n\r\n")
w("cutheaders", req()[:60])
w("clneg.tcp", req(cl=b"-1", transport=b"TCP") + b"abc")
w("clhuge.tcp", req(cl=b"99999999999", transport=b"TCP"))
w("clbig.tcp", req(cl=b"2000000", transport=b"TCP") + b"x" * 1000)
w("cljunk.tcp", req(cl=b"12abc", transport=b"TCP") + b"x" * 12)
w("half.tcp", req(transport=b"TCP")[:100])
w("latin1", req(b"Subject: caf\xe9\r\n"))
w("overlong", req(b"X-Note: \"\xc0\xaf\"\r\n"))
w("nulvalue", req(b"Subject: a\x00b\r\n"))
w("utf8", req(b"Subject: caf\xc3\xa9 \xe2\x82\xac\r\n"))
w("nulquoted", req(b'X-Note: "a\\\x00b"\r\n'))
EOF2

# alive WHAT: the server still answers OPTIONS over UDP and TCP after WHAT
alive() {
	check "after $1: OPTIONS over UDP answered 200" probe_ok udp
	check "after $1: OPTIONS over TCP answered 200" probe_ok tcp
	kill -0 "$SIPD_PID" 2>/dev/null || fail "sipd died after $1"
}

# udp NAME WANT: send m.NAME in one datagram; WANT is none (no answer), notok (no 2xx) or any
udp() {
	$SIPSEND -p "$PORT" --via -w 0.7 -n 1 --linger 0.2 "$TMP/m.$1" >"$TMP/out.$1" 2>&1
	got=$(grep -v '^SENDERR' "$TMP/out.$1" | head -n 1)
	say "udp $1 -> ${got:-nothing}"
	case $2 in
	none) check "udp $1: no answer" test -z "$got" ;;
	notok) check "udp $1: not accepted (no 2xx)" sh -c "! grep -q '^SIP/2.0 2' '$TMP/out.$1'" ;;
	esac
	check "udp $1: sent" sh -c "! grep -q '^SENDERR' '$TMP/out.$1'"
	alive "udp $1"
}

# tcp NAME WANT: send m.NAME on a TCP connection; WANT is closed (the server must close the
# connection within 3 s: its framing cannot be recovered) or notok (no 2xx)
tcp() {
	if [ "$2" = closed ]; then lim="-w 3"; else lim="-w 3 -n 1 --linger 0.3"; fi
	$SIPSEND -p "$PORT" -t tcp --via $lim "$TMP/m.$1" >"$TMP/out.$1" 2>&1
	say "tcp $1 -> $(tr '\n' ' ' <"$TMP/out.$1")"
	check "tcp $1: no 2xx" sh -c "! grep -q '^SIP/2.0 2' '$TMP/out.$1'"
	[ "$2" = closed ] && check "tcp $1: connection closed by the server" \
		grep -qE '^(CLOSED|RESET)' "$TMP/out.$1"
	alive "tcp $1"
}

udp garbage none
udp junk64k none
udp sipjunk64k notok
udp longline notok
udp headers500 notok
udp nul any
udp novia none
udp empty none
udp crlf none
udp cutheaders notok

# answer NAME: the status line sipd answers m.NAME with
answer() {
	$SIPSEND -p "$PORT" --via -w 1 -n 1 "$TMP/m.$1" 2>/dev/null | grep -m 1 '^SIP/2.0 ' | tr -d '\r'
}
same "$(answer latin1)" "SIP/2.0 400 Bad Subject header: invalid UTF-8" "a Latin-1 Subject: 400 naming it"
same "$(answer overlong)" "SIP/2.0 400 Bad X-Note header: invalid UTF-8" "an overlong UTF-8 form: 400"
same "$(answer nulvalue)" "SIP/2.0 400 Bad Subject header: NUL byte" "a NUL in a Subject: 400 naming it"
same "$(answer utf8)" "SIP/2.0 200 OK" "a UTF-8 Subject is accepted"
same "$(answer nulquoted)" "SIP/2.0 200 OK" "a NUL as a quoted-pair (RFC 4475 3.1.1.2) is accepted"
alive "header text that is not UTF-8"

tcp garbage.tcp closed
tcp junk70k closed
tcp longline.tcp notok
tcp headers500.tcp notok
tcp clneg.tcp closed
tcp clhuge.tcp closed
tcp clbig.tcp closed
tcp cljunk.tcp closed

# tcp_clients N: at least N TCP connections to sipd's port are established
tcp_clients() { [ "$(ss -Htn state established "( dport = :$PORT )" | wc -l)" -ge "$1" ]; }
# A stalled half message: others are served meanwhile, and the idle timeout (5 s) closes it.
spawn $SIPSEND -p "$PORT" -t tcp -w 9 "$TMP/m.half.tcp" >"$TMP/out.half" 2>&1
stalled=$BG_PID
wait_until 5 tcp_clients 1 || not_ok "the stalled connection was not established"
alive "a stalled half message (while it stalls)"
# Three more stalled connections reach limits.tcp_max_connections (4): a fifth is refused, UDP
# goes on, and once the idle timeout has closed them TCP is served again.
for i in 1 2 3; do
	spawn $SIPSEND -p "$PORT" -t tcp -w 9 "$TMP/m.half.tcp" >"$TMP/out.half.$i" 2>&1
done
wait_until 5 tcp_clients 4 || not_ok "the four stalled connections were not established"
probe tcp 1 >"$TMP/out.fifth" 2>&1
say "fifth TCP connection while 4 stall -> $(tr '\n' ' ' <"$TMP/out.fifth")"
check "fifth TCP connection over tcp_max_connections = 4 refused" \
	sh -c "! grep -q '^SIP/2.0' '$TMP/out.fifth'"
check "UDP served while TCP is at its connection limit" probe_ok udp
wait_until 10 gone "$stalled"
say "tcp half message, stalled -> $(tr '\n' ' ' <"$TMP/out.half")"
check "stalled connection closed by the server (tcp_idle_timeout = 5 s)" \
	grep -qE '^(CLOSED|RESET)' "$TMP/out.half"
check "the stalled half message got no answer" sh -c "! grep -q '^SIP/2.0' '$TMP/out.half'"
for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
alive "a stalled half message and a full connection table"

finish
