#!/bin/sh
# User enumeration (svwar, Debian sipvicious) learns nothing: users 1001, 1050 and 1099 exist
# (1099 has a phone registered); svwar scanning extensions 1000-1100 with REGISTER, INVITE and
# OPTIONS, with and without --force, reports none.  Then, on the wire: requests without
# credentials for a user that exists (registered or not) and for one that does not get the same
# status line and the same header fields (values aside: tags, nonces), for REGISTER, INVITE,
# OPTIONS, MESSAGE and SUBSCRIBE, with a From of our domain and of another one; a request from
# outside to a user that does not exist and to one who exists but is not registered alike.
SIPD_DOMAINS='"example.test"'
SIPD_LOG_LEVEL=info
. "$(dirname "$0")/lib.sh"

command -v svwar >/dev/null 2>&1 || skip "svwar (Debian sipvicious) not installed"
SIPCTL=$(dirname "$SIPD")/sipctl
PHONE="$PYTHON $TESTDIR/phone.py"
# the interpreter sipvicious was installed for (its #! line), to run it through svbind.py
SVPY=$(sed -n '1s/^#! *//p' "$(command -v svcrack)")

start_sipd 'auth: { max_failures = 5; };'
for u in 1001 1050 1099; do
	printf 'pw-%s\n' "$u" | "$SIPCTL" -c "$TMP/sipd.conf" user add "$u" >/dev/null 2>&1 ||
		fail "sipctl user add $u"
done
spawn $PHONE uas --server-port "$PORT" --bind 127.0.0.4 --user 1099 --password pw-1099 \
    --domain example.test --time 120 --ready "$TMP/1099.ready"
wait_until 10 test -e "$TMP/1099.ready" || fail "1099 did not register"
ok "1099 registered from 127.0.0.4"

for m in REGISTER INVITE OPTIONS; do
	for f in "" --force; do
		_lp=$(free_port) || fail "no free port"
		timeout -k 5 90 $SVPY "$TESTDIR/svbind.py" 127.0.0.6 svwar -e1000-1100 -m "$m" $f \
		    -P "$_lp" -p "$PORT" --domain example.test 127.0.0.1 >"$TMP/war-$m$f.out" 2>&1
		found=$(grep -cE '^\| *[0-9]+ *\|' "$TMP/war-$m$f.out")
		check "svwar -m $m $f: no extension found ($found rows)" [ "$found" -eq 0 ]
		[ "$found" -eq 0 ] || sed 's/^/    | /' "$TMP/war-$m$f.out" | tail -n 15
	done
done
# svwar stops early ("We got an unknown response") when every answer looks the same; the
# comparison below covers the whole range of cases by hand
check "svwar's requests reached sipd from 127.0.0.6" [ "$(grep -c 'src=udp:127.0.0.6:' "$TMP/sipd.log")" -gt 5 ]
check "svwar was not banned for scanning without credentials" \
    [ "$(log_count 'ban src=127.0.0.6')" -eq 0 ]

# The same comparison by hand: status line and header names for existing vs unknown users.
"$PYTHON" - "$PORT" "$TESTDIR" >"$TMP/wire.out" 2>&1 <<'EOF2'
import os, re, sys
sys.path.insert(0, sys.argv[2])
import sipsend
port = int(sys.argv[1])
def shape(user, method, from_dom):
    uri = "sip:%s@example.test" % user
    frm = "<sip:%s@%s>;tag=t%s" % ("1001" if from_dom == "example.test" else "scan", from_dom,
                                   os.urandom(3).hex())
    to = "<%s>" % uri
    ruri = uri
    if method == "REGISTER":
        frm, ruri = "<%s>;tag=r%s" % (uri, os.urandom(3).hex()), "sip:example.test"
    lines = ["%s %s SIP/2.0" % (method, ruri),
             "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]",
             "Max-Forwards: 70", "From: " + frm, "To: " + to,
             "Call-ID: [call_id]@scan", "CSeq: 1 %s" % method,
             "Contact: <sip:scan@[local_ip]:[local_port]>"]
    if method == "SUBSCRIBE":
        lines.append("Event: presence")
    msg = ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()
    ev = sipsend.exchange("127.0.0.1", port, "udp", [msg], bind="127.0.0.6", subst=True,
                          wait=3.0, final_count=1)
    for k, m, _ in ev:
        if k == "msg" and (sipsend.status_of(m) or 0) >= 200:
            head = m.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            names = sorted(h.split(":", 1)[0].strip().lower() for h in head[1:])
            return head[0] + " | " + ",".join(names)
    return "no answer"
bad = 0
for method in ("REGISTER", "INVITE", "OPTIONS", "MESSAGE", "SUBSCRIBE"):
    for dom in ("example.test", "outside.example"):
        got = {u: shape(u, method, dom) for u in ("1000", "1050", "1100")}
        same = len(set(got.values())) == 1
        print("%s %s from %s: %s" % ("same" if same else "DIFFERENT", method, dom,
                                      " / ".join("%s=%s" % kv for kv in got.items())))
        bad += not same
sys.exit(1 if bad else 0)
EOF2
st=$?
sed 's/^/    | /' "$TMP/wire.out"
check "unknown (1000, 1100) and existing (1050) users get identical answers on the wire" [ $st -eq 0 ]
finish
