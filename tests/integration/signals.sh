#!/bin/sh
# Signals: SIGHUP reloads a valid config (swapped in whole), keeps the running one when the new
# file is broken (never half-applied); SIGTERM stops sipd cleanly (exit 0) within 3 s.
. "$(dirname "$0")/lib.sh"

SIPD_LOG_LEVEL=debug
start_sipd

# stray: a response matching no transaction, which sipd drops with a debug line
stray() {
	printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-stray-%s\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: stray-%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' "$1" "$1" >"$TMP/stray"
	$SIPSEND -p "$PORT" -w 0.3 "$TMP/stray" >/dev/null 2>&1
	probe_ok	# a round trip after it, so the log line is written by now
}
# domain_status DOMAIN: the status code of an OPTIONS to sip:DOMAIN
domain_status() {
	$SIPSEND -p "$PORT" -m OPTIONS -u "sip:$1" -n 1 -w 2 2>/dev/null | sed -n 's/^SIP\/2.0 \([0-9]*\) .*/\1/p'
}

stray 1
check "log level debug at start: debug line for a stray response" wait_log 'matches no transaction' 1 2
st=$(domain_status reload.test)
check "reload.test not served before the reload (got $st, want 403)" test "$st" = 403

# 1. A valid changed config: level info, one more domain.
SIPD_LOG_LEVEL=info SIPD_DOMAINS='"reload.test"' write_config "$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
check "SIGHUP with a valid config: 'reloaded' logged" wait_log 'reloaded' 1 3
stray 2
check "new level info in force: no debug line for the second stray response" \
	test "$(log_count 'matches no transaction')" -eq 1
st=$(domain_status reload.test)
check "new domain served after the reload (got $st, want 200)" test "$st" = 200
check "still answering OPTIONS" probe_ok

# 2. A broken config (syntax error): the running configuration stays.
printf 'log: { level = "debug"; };\nsip: { domains = [ ];\n' >"$TMP/sipd.conf"
kill -HUP "$SIPD_PID"
check "SIGHUP with a syntax error: 'keeping the running configuration' logged" \
	wait_log 'keeping the running configuration' 1 3
check "after the broken reload: OPTIONS over UDP answered" probe_ok udp
check "after the broken reload: OPTIONS over TCP answered" probe_ok tcp
st=$(domain_status reload.test)
check "after the broken reload: old domains kept (got $st, want 200)" test "$st" = 200

# 3. A config valid in syntax with one bad value: nothing of it is applied (not half-applied).
SIPD_LOG_LEVEL=debug write_config "$TMP/sipd.conf" 'timers: { t1 = 5; };'
kill -HUP "$SIPD_PID"
check "SIGHUP with an out-of-range value: 'keeping the running configuration' logged" \
	wait_log 'keeping the running configuration' 2 3
stray 3
check "rejected config not half-applied: level still info (no debug line)" \
	test "$(log_count 'matches no transaction')" -eq 1
st=$(domain_status reload.test)
check "rejected config not half-applied: domains kept (got $st, want 200)" test "$st" = 200
check "the bad value is reported with file:line" grep -q "$TMP/sipd.conf:[0-9][0-9]*:.*t1" "$TMP/sipd.log"

# 4. SIGTERM: exit status 0 within 3 s.
pid=$SIPD_PID
kill -TERM "$pid"
if ! wait_until 3 gone "$pid"; then
	not_ok "SIGTERM: sipd still running after 3 s"
else
	wait "$pid"; st=$?
	SIPD_PID=
	check "SIGTERM: exited within 3 s ($((i * 100)) ms) with status 0 (got $st)" test "$st" -eq 0
	check "SIGTERM: 'sipd stopped' logged" grep -q 'sipd stopped' "$TMP/sipd.log"
fi

finish
