#!/bin/sh
# A SUBSCRIBE storm (subs.c, presence.c; issue 17 "Hostile"): 10,000 initial SUBSCRIBEs
# (Event: presence, raw UDP from substorm.py, in bursts of 250 that wait for their answers)
# with subs.max_per_watcher = 50 and subs.max_total = 80:
#   outside  9,000 from watchers nobody allowed, from 127.0.0.1: 403 each;
#   fan        600 from one allowed watcher, from 127.0.0.1: 50 get 200, 550 get 403
#                  (subs.max_per_watcher); then 5 of the 50 end (Expires: 0);
#   many       400 from 40 allowed watchers, from 127.0.0.2: 35 get 200 (80 live in all),
#                  365 get 503 (subs.max_total).
# Every request is answered; each accepted subscription got its NOTIFY; the live ones
# (sipd_subscriptions on the metrics page) are exactly the limit, 80; the ~9,900 refusals are
# a few log lines (one per kind per 10 s), not one per request.  Memory: the refused requests'
# server transactions are held for Timer J (32 s, RFC 3261 17.2.2): about 1.2 kB each
# (sipd_memory_bytes{part="transactions"} said 12.3 MB for 10,096), so the RSS may grow by
# about 12 MB plus the allocator's slack; the bound is 32 MB, under 3.3 kB per request
# (skipped under valgrind/ASan, whose allocators keep freed memory resident).  Afterwards sipd
# still answers OPTIONS, 5 more subscriptions end (200, 75 live), and a local user's normal
# SUBSCRIBE gets 200 and its NOTIFY; a watcher whose Contact is its pub-gruu (RFC 5627, as
# liblinphone) gets its NOTIFYs, at its instance's newest binding once it moved.  Takes ~7 s.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"

SIPCTL=$(dirname "$SIPD")/sipctl
MPORT=$(free_port) || fail "no free port for the metrics endpoint"
start_sipd 'auth: { register = 0; calls = 0; };' 'flood: { rate = 1000000; burst = 1000000; };' \
    'subs: { max_per_watcher = 50; max_total = 80; };' \
    "metrics: { enable = 1; listen = \"127.0.0.1:$MPORT\"; };"
for u in alice bob; do
	printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add "$u" >/dev/null 2>&1 || fail "sipctl user add $u"
done
for w in fan $(seq 0 39 | sed 's/^/w/'); do
	"$SIPCTL" -c "$TMP/sipd.conf" presence allow "sip:$w@outside.invalid" alice \
	    >/dev/null 2>&1 || fail "sipctl presence allow $w"
done

# metric NAME: its value now; empty when the page cannot be read
metric() {
	"$PYTHON" - "http://127.0.0.1:$MPORT/metrics" "$1" <<'PY'
import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    name, _, value = line.rpartition(" ")
    if name == sys.argv[2]:
        print(int(float(value)))
PY
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$SIPD_PID/status"; }
refusals() { grep -cE 'may not watch|refused: subs\.max' "$TMP/sipd.log"; }
STORM="$PYTHON $TESTDIR/substorm.py"
[ "${SIPD_VALGRIND:-0}" = 1 ] && STORM="$STORM --wait 30 --deadline 600"

same "$(metric sipd_subscriptions)" 0 "no subscription before the storm (sipd_subscriptions 0)"
r0=$(rss_kb) l0=$(grep -vc ' txn call-id=' "$TMP/sipd.log")
t0=$(date +%s)
$STORM "$PORT" sip:alice@example.test 127.0.0.1 'outside:9000:sip:x%d@outside.invalid' \
    'fan:600:sip:fan@outside.invalid' --cycle 9000 --end 5 >"$TMP/storm1" 2>>"$TMP/storm.err" ||
    fail "substorm.py (127.0.0.1) failed: $(cat "$TMP/storm.err")"
$STORM "$PORT" sip:alice@example.test 127.0.0.2 'many:400:sip:w%d@outside.invalid' \
    --save "$TMP/dialogs" >"$TMP/storm2" 2>>"$TMP/storm.err" || fail "substorm.py (127.0.0.2) failed: $(cat "$TMP/storm.err")"
t1=$(date +%s)
r1=$(rss_kb)
say "storm: $((t1 - t0)) s; $(cat "$TMP/storm.err" | tr '\n' ' ')"
same "$(sed -n 's/^outside //p' "$TMP/storm1")" "403:9000 unanswered:0" "9,000 SUBSCRIBEs from outside watchers: 403 each"
same "$(sed -n 's/^fan //p' "$TMP/storm1")" "200:50 403:550 unanswered:0" "600 from one allowed watcher: 50 (subs.max_per_watcher) 200, 550 403"
same "$(sed -n 's/^end //p' "$TMP/storm1")" "200:5" "then 5 of those ended (Expires: 0): 200 each"
same "$(sed -n 's/^many //p' "$TMP/storm2")" "200:35 503:365 unanswered:0" "400 from 40 watchers at another address: 35 200 (subs.max_total: 80 live), 365 503"
same "$(( $(sed -n 's/^notify //p' "$TMP/storm1") + $(sed -n 's/^notify //p' "$TMP/storm2") ))" 85 "each of the 85 accepted subscriptions got its NOTIFY"
same "$(metric sipd_subscriptions)" 80 "sipd_subscriptions: 80 live, the limit exactly"
n=$(refusals)
check "the 9,920 refusals are $n log lines (at most one per kind per 10 s), not one each" test "$n" -le 9
l1=$(grep -vc ' txn call-id=' "$TMP/sipd.log")
check "besides the per-transaction lines, the log grew by $((l1 - l0)) lines for 10,000 requests (under 200)" test $((l1 - l0)) -lt 200
say "transactions held now: $(metric sipd_transactions), their heap: $(metric 'sipd_memory_bytes{part="transactions"}') B"
if [ "${SIPD_VALGRIND:-0}" = 1 ] || ldd "$SIPD" 2>/dev/null | grep -q libasan; then
	say "note: valgrind/ASan: the RSS bound is not checked (RSS $r0 -> $r1 kB)"
else
	check "RSS grew by $((r1 - r0)) kB ($r0 -> $r1 kB), under 32 MB" test $((r1 - r0)) -lt 32768
fi

# afterwards: OPTIONS, 5 more subscriptions ended, a local user's SUBSCRIBE
check "sipd still answers OPTIONS" probe_ok
$STORM "$PORT" sip:alice@example.test 127.0.0.2 --load "$TMP/dialogs" --end 5 >"$TMP/storm3" \
    2>>"$TMP/storm.err" || fail "substorm.py (ending 5) failed: $(cat "$TMP/storm.err")"
same "$(sed -n 's/^end //p' "$TMP/storm3")" "200:5" "5 of the second run's subscriptions ended (Expires: 0): 200 each"
same "$(metric sipd_subscriptions)" 75 "sipd_subscriptions: 75 after those 5 ended"
$PYTHON "$TESTDIR/presua.py" watch --server-port "$PORT" --aor sip:bob@example.test \
    --to sip:alice@example.test --event presence --dir "$TMP/wb" --time 2 >/dev/null 2>&1
same "$(sed -n 's/^sub \([0-9]*\).*/\1/p' "$TMP/wb/log" | head -n 1)" 200 "bob's normal SUBSCRIBE to alice afterwards: 200"
check "... and its NOTIFY" grep -q '^notify ' "$TMP/wb/log"
check "sipd_subscriptions: 76 with bob's (which ends when presua.py does, or later)" test "$(metric sipd_subscriptions)" -ge 75
# a watcher whose Contact is its pub-gruu (as liblinphone does, RFC 5627): bob registers with
# +sip.instance and Supported: gruu from 127.0.0.5, subscribes to alice with Contact <pub-gruu>
# and gets the NOTIFY (Request-URI: the GRUU); then its phone registers again from a new port
# (a new NAT mapping), alice's phone registers (her presence changes): that NOTIFY goes to
# bob's instance's new binding (RFC 5627 6.1), not to where the SUBSCRIBE came from
"$PYTHON" - "$PORT" >"$TMP/gruu" 2>&1 <<'EOPY'
import re, socket, sys, time
port = int(sys.argv[1])
def sock(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((ip, 0)); s.settimeout(0.2)
    return s
s1, s2, s3 = sock("127.0.0.5"), sock("127.0.0.5"), sock("127.0.0.6")
def recv(socks, want, until):
    while time.time() < until:
        for s in socks:
            try:
                d = s.recv(65535).decode(errors="replace")
            except socket.timeout:
                continue
            if d.startswith(want):
                return s, d
    return None, ""
def answer(s, d):
    keep = [l for l in d.split("\r\n\r\n")[0].split("\r\n")[1:]
            if l.split(":")[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
    s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", port))
def register(s, user, cseq, inst):
    ip, lp = s.getsockname()
    s.sendto(("REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKgr%d%s\r\n"
              "Max-Forwards: 70\r\nFrom: <sip:%s@example.test>;tag=g%d\r\nTo: <sip:%s@example.test>\r\n"
              "Call-ID: gruu-reg-%s\r\nCSeq: %d REGISTER\r\nSupported: gruu\r\n"
              "Contact: <sip:%s@%s:%d>;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-0000000000%s>\"\r\n"
              "Expires: 300\r\nContent-Length: 0\r\n\r\n" % (ip, lp, cseq, user, user, cseq, user, user,
              cseq, user, ip, lp, inst)).encode(), ("127.0.0.1", port))
    return recv([s], "SIP/2.0 200", time.time() + 5)[1]
m = re.search(r'pub-gruu="([^"]+)"', register(s1, "bob", 1, "b5"))
if not m:
    print("register: no pub-gruu"); sys.exit(0)
gruu = m.group(1)
lp = s1.getsockname()[1]
s1.sendto(("SUBSCRIBE sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:%d;branch=z9hG4bKgrs\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:bob@example.test>;tag=g2\r\nTo: <sip:alice@example.test>\r\n"
           "Call-ID: gruu-sub-%d\r\nCSeq: 1 SUBSCRIBE\r\nContact: <%s>\r\nEvent: presence\r\n"
           "Expires: 600\r\nContent-Length: 0\r\n\r\n" % (lp, lp, gruu)).encode(), ("127.0.0.1", port))
s, n = recv([s1], "NOTIFY", time.time() + 5)
print("first", "gruu" if n and n.split(" ")[1] == gruu else "no")
if s:
    answer(s, n)
register(s2, "bob", 2, "b5")			# the same instance from a new port
register(s3, "alice", 3, "a1")			# alice online: bob is told
s, n = recv([s1, s2], "NOTIFY", time.time() + 5)
print("second", "new-binding" if s is s2 else "old-address" if s is s1 else "none")
if s:
    answer(s, n)
EOPY
same "$(cat "$TMP/gruu" | tr '\n' ' ')" "first gruu second new-binding " "a watcher with its pub-gruu as Contact: NOTIFY to the GRUU, and after it registers from a new port, at its new binding"
finish
