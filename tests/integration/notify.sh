#!/bin/sh
# sd_notify: sipd started the way systemd starts a Type=notify service ($NOTIFY_SOCKET,
# $WATCHDOG_USEC) tells the manager READY=1 once it answers SIP, RELOADING=1 then READY=1
# on SIGHUP, WATCHDOG=1 every half of WATCHDOG_USEC, and STOPPING=1 on SIGTERM.  Run once
# with an abstract socket (@name, as systemd uses) and once with a socket path.
. "$(dirname "$0")/lib.sh"

# state LINE [N]: the notification log holds at least N (1) lines equal to LINE, within 5 s
state() { wait_until 5 noted "$1" "${2:-1}"; }
noted() { [ "$(grep -cx -- "$1" "$TMP/notify.log" 2>/dev/null)" -ge "$2" ]; }

run() {	# run SOCKETNAME
	rm -f "$TMP/notify.log" "$TMP/notify.ready"
	spawn "$PYTHON" "$TESTDIR/notifysock.py" "$1" "$TMP/notify.ready" "$TMP/notify.log" --seconds 60
	NPID=$BG_PID
	wait_until 5 test -s "$TMP/notify.ready" || fail "the notification socket $1 was not bound"
	NOTIFY_SOCKET=$1 WATCHDOG_USEC=400000
	export NOTIFY_SOCKET WATCHDOG_USEC
	start_sipd
	unset NOTIFY_SOCKET WATCHDOG_USEC
	check "$1: READY=1 once sipd answers" state READY=1
	check "$1: a STATUS= line with it" grep -q '^STATUS=serving 2 listener' "$TMP/notify.log"
	check "$1: nothing before READY=1 but WATCHDOG=1 (READY comes after binding)" \
		test "$(grep -v -e '^--$' -e '^WATCHDOG=1$' "$TMP/notify.log" | head -n 1)" = READY=1
	# the 2 s are the test (a rate), not a wait for something
	check "$1: WATCHDOG=1 at least 4 times within 2 s (WATCHDOG_USEC=400000: every 200 ms)" \
		sh -c "sleep 2; test \$(grep -cx WATCHDOG=1 '$TMP/notify.log') -ge 4"
	kill -HUP "$SIPD_PID"
	check "$1: SIGHUP: RELOADING=1" state RELOADING=1
	check "$1: SIGHUP: MONOTONIC_USEC= with it" grep -q '^MONOTONIC_USEC=[0-9][0-9]*$' "$TMP/notify.log"
	check "$1: SIGHUP: READY=1 again after the reload" state READY=1 2
	check "$1: RELOADING=1 comes before the second READY=1" \
		sh -c "grep -n -x -e RELOADING=1 -e READY=1 '$TMP/notify.log' | sed -n 2p | grep -q RELOADING"
	check "$1: still answering after the reload" probe_ok
	kill -TERM "$SIPD_PID"
	check "$1: SIGTERM: STOPPING=1" state STOPPING=1
	stop_sipd
	stop_pid "$NPID"
}

run "@sipd-notify-test-$$"
run "$TMP/notify.sock"

# Outside systemd (no NOTIFY_SOCKET) nothing is sent and nothing fails.
start_sipd
check "without NOTIFY_SOCKET: sipd runs" probe_ok
check "without NOTIFY_SOCKET: no notify errors logged" sh -c "! grep -q 'notify: ' '$TMP/sipd.log'"
finish
