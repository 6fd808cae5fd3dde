#!/bin/sh
# IPv6 signalling end to end on ::1, and calls between the families: sipd listens on 127.0.0.1
# and ::1; an IPv4 caller reaches an IPv6 phone and an IPv6 caller an IPv4 phone (Record-Route
# with one entry per family, so each side's in-dialog requests reach sipd on its own family);
# an IPv6 caller reaches an IPv6 phone registered over TCP.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/proxy_lib.sh"
. "$TESTDIR/transport_lib.sh"

"$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' \
	2>/dev/null || skip "no ::1 here"
SIPD_EXTRA_LISTEN=', "udp:[::1]:@PORT@", "tcp:[::1]:@PORT@"'
start_sipd "$PROXY_NOAUTH"

phone v6 "sip:v6@[::1]" --bind ::1 --server ::1
same "$(bindings v6 | cut -d'|' -f3 | sed 's/:[0-9]*$//')" "udp:::1" "the IPv6 phone's binding: received over udp from ::1"
call "sip:v6@127.0.0.1:$PORT"; code=$CODE
same "$code" 200 "IPv4 caller -> IPv6 phone: answered"
same "$(received v6 INVITE)" 1 "the INVITE reached the IPv6 phone"
same "$(received v6 BYE)" 1 "the IPv4 caller's BYE reached the IPv6 phone"
inv=$(msgs v6 in INVITE 2>/dev/null | head -n 1)
[ -n "$inv" ] || inv=$TMP/v6/in.001
rr=$(grep -i '^Record-Route' "$TMP/v6/in.001" | tr -d '\r' | tr '\n' ' ')
say "INVITE at the IPv6 phone: $rr"
check "Record-Route: an [::1] entry and a 127.0.0.1 entry" \
	sh -c "printf '%s' '$rr' | grep -q '\[::1\]:$PORT;lr' && printf '%s' '$rr' | grep -q '127.0.0.1:$PORT;lr'"
check "the INVITE's top Via is sipd's IPv6 address" sh -c "grep -i '^Via:' '$TMP/v6/in.001' | head -n 1 | grep -q '\[::1\]'"

phone v4 "sip:v4@127.0.0.1"
mkdir -p "$TMP/c6"
timeout 30 $FLOWPHONE --port "$PORT" --server ::1 --bind ::1 --name c6 --aor - --dir "$TMP/c6" \
    --call "sip:v4@[::1]:$PORT" >"$TMP/c6.out" 2>&1
same "$(cat "$TMP/c6/final" 2>/dev/null)" 200 "IPv6 caller -> IPv4 phone: answered"
same "$(received v4 INVITE)" 1 "the INVITE reached the IPv4 phone"
check "the IPv6 caller's BYE got its 200" grep -q '^final 200 BYE' "$TMP/c6/log"
same "$(received v4 BYE)" 1 "the BYE reached the IPv4 phone"

phone t6 "sip:t6@[::1]" --bind ::1 --server ::1 --proto tcp --listener
mkdir -p "$TMP/c6b"
timeout 30 $FLOWPHONE --port "$PORT" --server ::1 --bind ::1 --name c6b --aor - --dir "$TMP/c6b" \
    --call "sip:t6@[::1]:$PORT" >"$TMP/c6b.out" 2>&1
same "$(cat "$TMP/c6b/final" 2>/dev/null)" 200 "IPv6 caller -> IPv6 phone on TCP: answered"
same "$(received t6 BYE)" 1 "the BYE reached the IPv6 TCP phone down its connection"
finish
