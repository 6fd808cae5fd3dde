#!/bin/sh
# Monitoring: with metrics.enable = 1, sipd serves Prometheus text at http://LISTEN/metrics.
# After known traffic the counters move by exactly what was sent: OPTIONS in and 200 out,
# REGISTERs and the registrations gauge, calls (INVITE/BYE through the proxy: started,
# answered, ended, no dialog left), an auth failure after a reload that turns authentication
# on, the reload counters, SQLite commits; sipctl status shows the same numbers.  Anything
# but GET /metrics is refused, and metrics.enable = 0 (the default) serves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

MPORT=$(free_port) || fail "no free port for the metrics endpoint"
METRICS_CONF="metrics: { enable = 1; listen = \"127.0.0.1:$MPORT\"; };"
start_sipd "$PROXY_NOAUTH" "$METRICS_CONF"
SIPCTL=$(dirname "$SIPD")/sipctl

# scrape NAME: the metrics page into $TMP/NAME.prom
scrape() {
	"$PYTHON" - "http://127.0.0.1:$MPORT/metrics" >"$TMP/$1.prom" <<'PY' || return 1
import sys, urllib.request
r = urllib.request.urlopen(sys.argv[1], timeout=5)
assert r.status == 200, r.status
assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]
sys.stdout.write(r.read().decode())
PY
}
# m NAME SERIES: the value of SERIES (name{labels} exactly as printed) in NAME.prom, 0 if absent
m() {
	awk -v s="$2" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' "$TMP/$1.prom"
}
# delta SERIES A B: how much SERIES grew from scrape A to scrape B
delta() {
	echo $(( $(m "$3" "$1") - $(m "$2" "$1") ))
}

check "GET /metrics answers 200 text/plain version 0.0.4" scrape s0
check "every sample line is NAME{labels} VALUE" \
	sh -c "! grep -v -e '^#' -e '^[a-z_]*\({[a-z]*=\"[^\"]*\"\(,[a-z]*=\"[^\"]*\"\)*}\)\{0,1\} [-+0-9.e]*$' '$TMP/s0.prom' | grep -q ."
check "every metric has HELP and TYPE" \
	sh -c "test \$(grep -c '^# HELP sipd_' '$TMP/s0.prom') -eq \$(grep -c '^# TYPE sipd_' '$TMP/s0.prom')"

# ---- 7 OPTIONS --------------------------------------------------------------------------------
for i in 1 2 3 4 5 6 7; do probe_ok || not_ok "OPTIONS $i not answered 200"; done
scrape s1
same "$(delta 'sipd_requests_total{direction="in",method="OPTIONS"}' s0 s1)" 7 "OPTIONS received"
same "$(delta 'sipd_responses_total{direction="out",method="OPTIONS",code="200"}' s0 s1)" 7 "200 OPTIONS sent"

# ---- 4 REGISTERs from 4 phones -----------------------------------------------------------------
for u in u1 u2 u3 u4; do
	lp=$(free_port) || fail "no free port"
	st=$(register "$u" "$lp" "sip:$u@127.0.0.1:$PORT" "sip:$u@127.0.0.1:$lp")
	[ "$st" = 200 ] || not_ok "REGISTER $u: got '$st'"
done
scrape s2
same "$(delta 'sipd_requests_total{direction="in",method="REGISTER"}' s1 s2)" 4 "REGISTERs received"
same "$(delta 'sipd_responses_total{direction="out",method="REGISTER",code="200"}' s1 s2)" 4 "200 REGISTER sent"
same "$(m s2 sipd_registrations)" 4 "registrations gauge"
check "database commits counted (REGISTERs are committed before the 200)" \
	test "$(delta sipd_db_commit_seconds_count s1 s2)" -ge 1
check "commit histogram: the +Inf bucket equals the count" \
	test "$(m s2 'sipd_db_commit_seconds_bucket{le="+Inf"}')" = "$(m s2 sipd_db_commit_seconds_count)"

# ---- 3 calls through the proxy, answered and hung up -------------------------------------------
BOB=sip:bob@127.0.0.1:$PORT
callee bob "$BOB" --invite 180,200
scrape s3
for i in 1 2 3; do
	dial "alice$i" --to "$BOB" --bye || not_ok "call $i did not complete"
done
wait_log 'call end call-id=' 3 5 || not_ok "the three calls did not end"
scrape s4
# What the phones' transcripts show went over the wire (retransmissions included, should the
# machine be slow): sipd's counters must equal them exactly.
wire() {	# wire in|out WHAT: the callers' messages summed
	_t=0
	for _c in alice1 alice2 alice3; do _t=$((_t + $(nmsgs "$_c" "$1" "$2"))); done
	echo "$_t"
}
same "$(delta 'sipd_requests_total{direction="in",method="INVITE"}' s3 s4)" "$(wire out INVITE)" "INVITEs received = INVITEs the callers sent"
same "$(delta 'sipd_requests_total{direction="out",method="INVITE"}' s3 s4)" "$(nmsgs bob in INVITE)" "INVITEs forwarded = INVITEs the callee got"
same "$(delta 'sipd_responses_total{direction="out",method="INVITE",code="200"}' s3 s4)" "$(wire in 200/INVITE)" "200 INVITE sent = 200s the callers got"
same "$(delta 'sipd_responses_total{direction="in",method="INVITE",code="200"}' s3 s4)" "$(nmsgs bob out 200/INVITE)" "200 INVITE received = 200s the callee sent"
same "$(delta 'sipd_responses_total{direction="out",method="INVITE",code="100"}' s3 s4)" "$(wire in 100/INVITE)" "100 Trying sent = 100s the callers got"
same "$(delta 'sipd_requests_total{direction="in",method="BYE"}' s3 s4)" "$(wire out BYE)" "BYEs received = BYEs the callers sent"
same "$(delta 'sipd_responses_total{direction="out",method="BYE",code="200"}' s3 s4)" "$(wire in 200/BYE)" "200 BYE sent = 200s the callers got"
check "at least one INVITE, 200 and BYE per call" test "$(wire out INVITE)" -ge 3 -a "$(wire in 200/INVITE)" -ge 3 -a "$(wire out BYE)" -ge 3
same "$(delta sipd_calls_started_total s3 s4)" 3 "calls started"
same "$(delta sipd_calls_answered_total s3 s4)" 3 "calls answered"
same "$(delta sipd_calls_ended_total s3 s4)" 3 "calls ended"
same "$(m s4 sipd_dialogs)" 0 "no dialog left"
same "$(m s4 sipd_calls_ringing)" 0 "no call left ringing"
check "one 'call start' info line per call" test "$(log_count 'call start call-id=')" -eq 3
check "one 'call answered' info line per call" test "$(log_count 'call answered call-id=')" -eq 3
check "one 'call end' info line per call, with its cause" test "$(log_count 'call end call-id=' )" -eq 3 -a "$(log_count 'cause=bye')" -eq 3

# ---- a call to a phone that is busy -------------------------------------------------------------
callee carol "sip:carol@127.0.0.1:$PORT" --invite 486
dial dave --to "sip:carol@127.0.0.1:$PORT"
scrape s5
same "$(delta sipd_calls_failed_total s4 s5)" 1 "busy call counted as failed"
check "'call failed ... status=486 cause=busy' logged" grep -q 'call failed call-id=.* status=486 cause=busy' "$TMP/sipd.log"

# ---- reload with authentication on, then a wrong password ---------------------------------------
write_config "$TMP/sipd.conf" 'auth: { register = 1; calls = 0; };' "$METRICS_CONF"
kill -HUP "$SIPD_PID"
wait_log reloaded 1 5 || not_ok "no reload logged"
printf 'secret\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add erin >/dev/null 2>&1 || not_ok "sipctl user add"
"$PYTHON" "$TESTDIR/digest.py" -p "$PORT" --aor "sip:erin@127.0.0.1" --user erin --password wrong \
	>"$TMP/digest.out" 2>&1
scrape s6
same "$(delta sipd_auth_failures_total s5 s6)" 1 "auth failure counted"
same "$(delta sipd_reloads_total s5 s6)" 1 "reload counted"
printf 'sip: {\n' >"$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
wait_log 'keeping the running configuration' 1 5 || not_ok "broken config not refused"
scrape s7
same "$(delta sipd_reload_failures_total s6 s7)" 1 "refused reload counted"
check "the endpoint survived both reloads" test -s "$TMP/s7.prom"
write_config "$TMP/sipd.conf" 'auth: { register = 1; calls = 0; };' "$METRICS_CONF"

# ---- sipctl status: the same numbers for a person -----------------------------------------------
"$SIPCTL" -c "$TMP/sipd.conf" status >"$TMP/status.out" 2>&1; st=$?
sed 's/^/    | /' "$TMP/status.out"
same "$st" 0 "sipctl status exit status"
check "sipctl status: registrations" grep -q "^registrations   $(m s7 sipd_registrations) contacts" "$TMP/status.out"
check "sipctl status: calls" grep -q "since start 4 started, 3 answered, 1 failed, 3 ended" "$TMP/status.out"
check "sipctl status: auth failures" grep -q "^auth failures   1$" "$TMP/status.out"
check "sipctl status: OPTIONS received (7 + the probes)" \
	grep -q "^requests in .*OPTIONS $(m s7 'sipd_requests_total{direction="in",method="OPTIONS"}')" "$TMP/status.out"
check "sipctl status: reloads" grep -q "^reloads         1 applied, 1 refused" "$TMP/status.out"
check "sipctl status: relay numbers (0: no relay yet)" grep -q "^relay " "$TMP/status.out"

# ---- what the endpoint refuses ------------------------------------------------------------------
code=$("$PYTHON" - "$MPORT" <<'PY'
import sys, urllib.request, urllib.error
def status(path, method="GET"):
    try:
        return urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s%s" % (sys.argv[1], path), method=method), timeout=5).status
    except urllib.error.HTTPError as e:
        return e.code
print(status("/"), status("/metrics?x"), status("/metrics", "POST"))
PY
)
check "GET / 404, GET /metrics?x 404, POST /metrics refused 405 or 501 (got $code)" \
	sh -c "echo '$code' | grep -Eq '^404 404 (405|501)$'"

# ---- bad input on the metrics port: garbage, a 100 kB header, many idle connections ----------
"$PYTHON" - "$MPORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def send(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(data)
        s.settimeout(5)
        try:
            s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            pass
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()
send(b"\x00\xff garbage \r\n\r\n" * 100)
send(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n")
send(b"GET /metrics HTTP/1.1\r\n" + b"H: v\r\n" * 5000 + b"\r\n")
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
time.sleep(0.2)   # part of the test, not a wait: the idle connections are held a moment
for c in idle:
    c.close()
PY
check "after garbage, a 100 kB header, 5000 headers and 50 idle connections: scrape still works" scrape s8
check "... and SIP still answered" probe_ok

# ---- off by default ------------------------------------------------------------------------------
stop_sipd
write_config "$TMP/sipd.conf"
restart_sipd
check "metrics.enable unset: nothing listens on the metrics port" sh -c "! scrape off 2>/dev/null"
"$SIPCTL" -c "$TMP/sipd.conf" status >"$TMP/status2.out" 2>&1
check "sipctl status with metrics off says how to turn them on" grep -q "metrics: { enable = 1; }" "$TMP/status2.out"
finish
