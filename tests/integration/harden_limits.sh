#!/bin/sh
# Resource limits from the config, each with its behaviour when hit:
#   limits.max_transactions = 100: the 101st live transaction gets 503 with Retry-After
#   limits.max_message_size = 2048, limits.max_headers = 32, limits.max_line_length = 512:
#     513 over UDP (a request too large / with too many headers / too long a line)
#   limits.tcp_max_per_address = 3: a 4th connection from one address is closed at once, the
#     first three keep working, another address still connects
#   relay.max_calls = 1: while one call is relayed, a second gets 503 with Retry-After
#   registrar.max_bindings = 2: a third contact for one AOR gets 403 Too Many Bindings
SIPD_DOMAINS='"example.test"'
SIPD_LOG_LEVEL=info
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

RLO=$(( ($(free_port) % 1000) * 20 + 20000 ))
start_sipd 'auth: { register = 0; calls = 0; };' \
    'limits: { max_transactions = 100; max_message_size = 2048; max_headers = 32; max_line_length = 512; tcp_max_per_address = 3; };' \
    "relay: { mode = \"always\"; port_min = $RLO; port_max = $((RLO + 99)); max_calls = 1; };" \
    'registrar: { max_bindings = 2; };' 'timers: { t1 = 100; t2 = 400; };'

# max_transactions: 120 OPTIONS at once (each its own branch); server transactions of non-INVITE
# requests live on for Timer J (64 x T1 over UDP: 6.4 s with t1 = 100 ms), so they add up
$SIPSEND -p "$PORT" -m OPTIONS --count 120 -n 120 -w 5 -v >"$TMP/txn.out" 2>&1
n200=$(grep -c '^SIP/2.0 200 ' "$TMP/txn.out")
n503=$(grep -c '^SIP/2.0 503 ' "$TMP/txn.out")
check "max_transactions = 100: at most 100 of 120 OPTIONS answered 200 ($n200)" [ "$n200" -le 100 -a "$n200" -ge 90 ]
check "the others got 503 ($n503)" [ "$n503" -ge 20 -a $((n200 + n503)) -eq 120 ]
check "each 503 carries Retry-After" [ "$(grep -ci '^Retry-After: ' "$TMP/txn.out")" -eq "$n503" ]
say "waiting for the transactions to end (Timer J, 6.4 s)"
check "once they ended, a new OPTIONS is answered 200" wait_until 12 probe_ok udp

# message size, header count, line length over UDP: 513 (RFC 3261 21.5.14)
big=$(printf 'X-Pad: %0500d' 0)
hdrs=""
i=0; while [ $i -lt 40 ]; do hdrs="$hdrs -x X-H$i:$i"; i=$((i + 1)); done
body=$(printf '%03000d' 0)
code() { sed -n 's/^SIP\/2.0 \([0-9]*\) .*/\1/p' | head -n 1; }
check "a 3000-byte request over max_message_size = 2048: 513" \
    [ "$($SIPSEND -p "$PORT" -m OPTIONS --body "$body" -n 1 -w 2 2>/dev/null | code)" = 513 ]
check "a request with 48 header fields over max_headers = 32: 513" \
    [ "$($SIPSEND -p "$PORT" -m OPTIONS $hdrs -n 1 -w 2 2>/dev/null | code)" = 513 ]
check "a 600-byte header line over max_line_length = 512: 513" \
    [ "$($SIPSEND -p "$PORT" -m OPTIONS -x "$big$big" -n 1 -w 2 2>/dev/null | code)" = 513 ]
check "a request within the limits: 200" \
    [ "$($SIPSEND -p "$PORT" -m OPTIONS -x "$big" -n 1 -w 2 2>/dev/null | code)" = 200 ]

# TCP connections per address
"$PYTHON" - "$PORT" >"$TMP/tcp.out" 2>&1 <<'EOF2'
import socket, sys, time
port = int(sys.argv[1])
def conn(src):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s
def alive(s):
    """the connection answers an OPTIONS (200), or False when the server closed it"""
    lh, lp = s.getsockname()
    msg = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/TCP %s:%d;branch=z9hG4bK%d%d\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:t@%s>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: %d@%s\r\n"
           "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % (port, lh, lp, lp, time.time_ns() % 1000, lh, lp, lh))
    try:
        s.settimeout(2)
        s.sendall(msg.encode())
        data = s.recv(4096)
        return data.startswith(b"SIP/2.0 200 ")
    except OSError:
        return False
first = [conn("127.0.0.1") for _ in range(3)]
first_ok = all(alive(s) for s in first)    # answered: the server holds all three
extra = [conn("127.0.0.1") for _ in range(2)]
print("first three answer: %s" % first_ok)
print("fourth and fifth closed: %s" % (not any(alive(s) for s in extra)))  # alive waits for it
print("another address connects: %s" % alive(conn("127.0.0.2")))
EOF2
sed 's/^/    | /' "$TMP/tcp.out"
check "tcp_max_per_address = 3: the first three connections work" grep -q "first three answer: True" "$TMP/tcp.out"
check "a fourth and fifth from the same address are closed at once" grep -q "fourth and fifth closed: True" "$TMP/tcp.out"
check "the limit is logged" wait_log "limits.tcp_max_per_address reached" 1 2
check "127.0.0.2 still connects" grep -q "another address connects: True" "$TMP/tcp.out"

# registrar.max_bindings
LP=$(free_port)
same "$(register b1 "$LP" "sip:dora@example.test" "sip:dora@127.0.0.1:5001")" 200 "first binding"
same "$(register b2 "$LP" "sip:dora@example.test" "sip:dora@127.0.0.1:5002")" 200 "second binding"
same "$(register b3 "$LP" "sip:dora@example.test" "sip:dora@127.0.0.1:5003")" 403 "third binding over max_bindings = 2"
check "the 403 says why" grep -q "^SIP/2.0 403 Too Many Bindings" "$TMP/b3.resp"

# relay.max_calls: bob answers; alice's call stays up (no BYE), carol's second call is refused
PHONE="$PYTHON $TESTDIR/phone.py"
spawn $PHONE uas --server-port "$PORT" --bind 127.0.0.4 --user bob --password x \
    --domain example.test --time 60 --ready "$TMP/bob.ready"
wait_until 10 test -e "$TMP/bob.ready" || fail "bob did not register"
$PHONE uac --server-port "$PORT" --bind 127.0.0.3 --user alice --password x --domain example.test \
    --to bob --no-bye >"$TMP/call1.out" 2>&1
check "the first call is answered 200 (relayed)" grep -q "INVITE: SIP/2.0 200 " "$TMP/call1.out"
$PHONE uac --server-port "$PORT" --bind 127.0.0.5 --user carol --password x --domain example.test \
    --to bob --timeout 5 >"$TMP/call2.out" 2>&1
check "a second call while one is relayed: 503 (relay.max_calls = 1)" \
    grep -q "INVITE: SIP/2.0 503 Too Many Relayed Calls" "$TMP/call2.out"
check "sipd logged the refusal" wait_log "relay.max_calls (1) reached" 1 2
[ "$FAILS" -eq 0 ] || { sed 's/^/    | /' "$TMP/call1.out" "$TMP/call2.out"; }
finish
