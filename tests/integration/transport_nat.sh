#!/bin/sh
# NAT traversal (RFC 3581, RFC 5626 8): a phone whose Contact and Via name one address
# (127.0.0.2, its "private" address) while its packets come from another (127.0.0.3, the NAT's
# public side) is registered as NAT'd and its calls reach it at 127.0.0.3.  NAT'd UDP phones get
# OPTIONS keep-alives (nat.keepalive_interval = 1 s): one that answers stays registered, one that
# stops answering loses its binding, in memory (480) and in the database, after
# nat.keepalive_failures = 2 unanswered ones.  STUN Binding requests on the SIP UDP port are
# answered with the sender's address (XOR-MAPPED-ADDRESS).
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.3", 0))' \
	2>/dev/null || skip "cannot bind 127.0.0.3"
start_sipd "$PROXY_NOAUTH" 'nat: { keepalive_interval = 1; keepalive_failures = 2; };' \
	'timers: { t1 = 50; t2 = 400; t4 = 500; };'

NP=$(free_port)
phone nat sip:nat@127.0.0.1 --bind 127.0.0.3 --contact "sip:nat@127.0.0.2:$NP" --via "127.0.0.2:$NP"
same "$(bindings nat | cut -d'|' -f2,3)" "1|udp:127.0.0.3:$(sed -n 's/.*src=udp:127.0.0.3:\([0-9]*\).*/\1/p' "$TMP/sipd.log" | head -n 1)" \
	"the binding is NAT'd (nat=1) and remembers where the REGISTER came from (127.0.0.3)"
call "sip:nat@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "INVITE to the NAT'd phone answered"
same "$(received nat INVITE)" 1 "the INVITE reached the phone at its public address 127.0.0.3"
same "$(received nat BYE)" 1 "the caller's BYE reached it too"

# A phone on its own address (no NAT) is reached at its Contact and gets no keep-alives.
phone plain sip:plain@127.0.0.1
same "$(bindings plain | cut -d'|' -f2)" 0 "a phone whose Contact is its source is not NAT'd (nat=0)"

# Keep-alives: the NAT'd phone answers them for 3 s, then stops (it died).
phone mute sip:mute@127.0.0.1 --bind 127.0.0.3 --contact "sip:mute@127.0.0.2:$NP" --via "127.0.0.2:$NP" \
	--mute-after 3
sleep 2.5	# the test: how many keep-alives come in 2.5 s
n=$(received mute OPTIONS)
check "sipd sends OPTIONS keep-alives to the NAT'd phone every second ($n in 2.5 s)" test "$n" -ge 2
same "$(bindings mute | wc -l)" 1 "while it answers, the binding stays"
no_binding() { [ -z "$(bindings "$1")" ]; }
wait_until 15 no_binding mute
same "$(bindings mute | wc -l)" 0 "once it stops answering, its binding is removed from the database"
check "the log says why" grep -q "keepalive: aor=sip:mute@.* registration removed" "$TMP/sipd.log"
call "sip:mute@127.0.0.1:$PORT"; code=$CODE
case $code in 404|480) ok "and from memory: an INVITE to it is not forwarded ($code)" ;;
*) not_ok "an INVITE to the removed phone got $code" ;; esac
same "$(received mute INVITE)" 0 "the dead phone got no INVITE"
same "$(received plain OPTIONS)" 0 "the phone that is not NAT'd got no keep-alives"
check "the NAT'd phone that answers is still registered" test -n "$(bindings nat)"

# STUN Binding request on the SIP port.
"$PYTHON" - "$PORT" >"$TMP/stun.out" 2>&1 <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 0))
s.settimeout(3)
tid = os.urandom(12)
s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + tid, ("127.0.0.1", int(sys.argv[1])))
data, _ = s.recvfrom(2048)
typ, ln, cookie = struct.unpack("!HHI", data[:8])
assert data[8:20] == tid, "transaction id"
off = 20
while off < 20 + ln:
    at, al = struct.unpack("!HH", data[off:off + 4])
    if at == 0x20:
        port = struct.unpack("!H", data[off + 6:off + 8])[0] ^ 0x2112
        ip = bytes(b ^ k for b, k in zip(data[off + 8:off + 12], struct.pack("!I", 0x2112A442)))
        print("type=%04x mapped=%s:%d local=%s:%d" % (typ, socket.inet_ntoa(ip), port, *s.getsockname()))
    off += 4 + ((al + 3) & ~3)
PY
say "STUN: $(cat "$TMP/stun.out")"
check "a STUN Binding request gets a success response (0101)" grep -q 'type=0101' "$TMP/stun.out"
check "its XOR-MAPPED-ADDRESS is the sender's address and port" \
	sh -c "sed -n 's/.*mapped=\([^ ]*\) local=\(.*\)/\1 \2/p' '$TMP/stun.out' | awk '\$1 != \$2 {exit 1} NF != 2 {exit 1}'"
check "sipd still answers SIP on that port" probe_ok udp
finish
