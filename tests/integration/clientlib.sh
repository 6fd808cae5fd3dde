# clientlib.sh - sourced (from bash) by the real-client tests: lib.sh, the headless baresip and
# linphonec drivers of tests/clients/, their clean-up in the exit trap, and a running sipd
# with the users bob and carol (passwords secret-bob, secret-carol).
. "$(dirname "$0")/lib.sh"
CLIENTS=$(cd "$(dirname "$0")/../clients" && pwd)
command -v baresip >/dev/null 2>&1 || skip "baresip (Debian baresip-core) not installed"
command -v linphonec >/dev/null 2>&1 || skip "linphonec (Debian linphone-cli) not installed"
. "$CLIENTS/baresip.sh"
. "$CLIENTS/linphone.sh"
export SIPCLIENTS_DIR="$TMP/clients"
stop_clients() { bs_stop_all >/dev/null 2>&1; lp_stop_all >/dev/null 2>&1; }
# show_clients: the tail of every client's own log, for a test that failed
show_clients() {
	for f in "$SIPCLIENTS_DIR"/*/log; do
		[ -f "$f" ] || continue
		echo "---- last lines of $f ----"
		tail -n 25 "$f"
	done
}
trap 'x=$?; [ $x -eq 0 ] || show_clients; stop_clients; (exit $x); cleanup' EXIT

# CLIENTS_SIPD_CONF: extra config lines for this test's sipd (e.g. a relay group)
start_sipd ${CLIENTS_SIPD_CONF:+"$CLIENTS_SIPD_CONF"}
SIPCTL="$(dirname "$SIPD")/sipctl"
# add_user NAME PASSWORD
add_user() {
	echo "$2" | "$SIPCTL" -c "$TMP/sipd.conf" user add "$1" >/dev/null || fail "sipctl user add $1"
}
add_user bob secret-bob
add_user carol secret-carol
