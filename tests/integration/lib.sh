# lib.sh - sourced by every integration test (POSIX sh).
#
# Gives the test its own sipd: free ports on 127.0.0.1, a temp dir with config, database and log,
# and an EXIT trap that stops sipd and every helper the test started, shows the sipd log tail when
# the test failed, and removes the temp dir.  Exit codes follow automake: 0 pass, 1 fail, 77 skip.
#
# Environment: SIPD (the sipd binary, required unless ./sipd exists), SRCDIR (source top dir).
# A test that must run without a network (it sends messages naming foreign hosts) sets
# SIPD_TEST_NETNS=1 before sourcing this file: the test then re-executes itself under
# `unshare -n` with only loopback up, or skips when that is not permitted.

TESTDIR=$(cd "$(dirname "$0")" && pwd)
: "${SRCDIR:=$(cd "$TESTDIR/../.." && pwd)}"
TEST_NAME=$(basename "$0" .sh)

say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

# Isolation: re-execute inside a fresh network namespace before anything else is set up.
if [ "${SIPD_TEST_NETNS:-0}" = 1 ] && [ -z "${SIPD_IN_NETNS:-}" ]; then
	if ! command -v unshare >/dev/null 2>&1; then
		say "SKIP: unshare(1) not available, refusing to run un-isolated"
		exit 77
	fi
	if unshare -n true 2>/dev/null; then
		set -- unshare -n
	elif unshare -r -n true 2>/dev/null; then
		set -- unshare -r -n
	else
		say "SKIP: network namespaces not permitted here, refusing to run un-isolated"
		exit 77
	fi
	SIPD_IN_NETNS=1
	export SIPD_IN_NETNS SRCDIR
	[ -n "${SIPD:-}" ] && export SIPD
	exec "$@" /bin/sh "$TESTDIR/$(basename "$0")"
fi
if [ -n "${SIPD_IN_NETNS:-}" ]; then
	IP=$(command -v ip || echo /sbin/ip)
	if ! "$IP" link set lo up 2>/dev/null; then
		say "SKIP: cannot bring up lo in the network namespace"
		exit 77
	fi
	if "$IP" -o link show | grep -qv ': lo:'; then
		say "FAIL: the network namespace holds more than loopback"
		"$IP" -o link show
		exit 1
	fi
	say "running in a network namespace holding only loopback"
fi
# Helpers are run from the source tree, which may be read-only: no __pycache__ there.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

if [ -z "${SIPD:-}" ]; then
	if [ -x "$SRCDIR/sipd" ]; then SIPD=$SRCDIR/sipd; else
		say "FAIL: SIPD is not set and $SRCDIR/sipd does not exist"; exit 1
	fi
fi
case $SIPD in /*) ;; *) SIPD=$(pwd)/$SIPD ;; esac
if [ ! -x "$SIPD" ]; then say "FAIL: $SIPD is not executable"; exit 1; fi

# The real interpreter, not a version-manager shim: it is started many times.
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -z "$PYTHON" ]; then say "SKIP: python3 not found"; exit 77; fi
SIPSEND="$PYTHON $TESTDIR/sipsend.py"
SCENARIOS=$TESTDIR/scenarios

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipd-$TEST_NAME.XXXXXX") || exit 1
SIPD_PID=
BG_PIDS=
FAILS=0
SIPD_DOMAINS=${SIPD_DOMAINS:-}
SIPD_LOG_LEVEL=${SIPD_LOG_LEVEL:-debug}
SIPD_EXTRA_LISTEN=${SIPD_EXTRA_LISTEN:-}

# SIPD_VALGRIND=1: every sipd runs under valgrind memcheck (leaks included); a test whose
# sipd reports a memory error or a definite/indirect leak fails (see cleanup).
SIPD_WRAP=
GRACE=30
START_TRIES=40
if [ "${SIPD_VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null 2>&1 || { say "SKIP: valgrind not installed"; exit 77; }
	SIPD_WRAP="valgrind -q --vgdb=no --leak-check=full --show-leak-kinds=definite,indirect
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$TMP/valgrind.%p.log"
	GRACE=200	# leak checking at exit takes a while
	START_TRIES=160
fi

# Stop a process started here: TERM, up to ~3 s of grace (more under valgrind), then KILL.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $GRACE ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	trap '' PIPE	# a reader gone (| head) must not stop the clean-up half way
	for _p in $BG_PIDS; do stop_pid "$_p"; done
	stop_pid "$SIPD_PID"
	# a sanitizer build (./configure --enable-sanitizers) reports into the sipd logs
	if grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$TMP"/*.log >/dev/null 2>&1; then
		echo "---- sanitizer report ----"
		grep -h -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$TMP"/*.log | head -n 80
		[ "$_rc" -eq 0 ] || [ "$_rc" -eq 77 ] && _rc=1
	fi
	# valgrind (SIPD_VALGRIND=1) writes one log per sipd; any content is an error or a leak
	for _v in "$TMP"/valgrind.*.log; do
		[ -s "$_v" ] || continue
		echo "---- valgrind report ($(basename "$_v")) ----"
		head -n 60 "$_v"
		[ "$_rc" -eq 0 ] || [ "$_rc" -eq 77 ] && _rc=1
	done
	if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ] && [ -s "$TMP/sipd.log" ]; then
		echo "---- last lines of the sipd log ($TMP/sipd.log) ----"
		tail -n 40 "$TMP/sipd.log"
		echo "----"
	fi
	if [ -n "${KEEP_TMP:-}" ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# Should this shell die without running its trap (SIGKILL), the kernel stops what it started.
ORPHAN_GUARD=
if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig TERM true 2>/dev/null; then
	ORPHAN_GUARD="setpriv --pdeathsig TERM --"
fi

pass() { say "PASS${1:+: $*}"; exit 0; }
fail() { say "FAIL: $*"; exit 1; }
skip() { say "SKIP: $*"; exit 77; }
# ok/not_ok record one check and go on; finish exits with the verdict.
ok() { say "ok: $*"; }
not_ok() { say "NOT OK: $*"; FAILS=$((FAILS + 1)); }
check() {	# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	_d=$1; shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}
# need WHAT VALUE...: true when every VALUE is non-empty; else one failed check "WHAT missing".
# Guards a check on a message that may be absent: a missing message fails, it never passes.
need() {
	_nw=$1; shift
	for _nv in "$@"; do
		[ -n "$_nv" ] || { not_ok "$_nw missing"; return 1; }
	done
	return 0
}
finish() {
	if [ "$FAILS" -eq 0 ]; then pass "all checks passed"; fi
	fail "$FAILS check(s) failed"
}

# A port free for both UDP and TCP on 127.0.0.1 (and ::1 when it exists).
free_port() {
	"$PYTHON" - <<'EOF'
import socket, sys
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    held = [u]
    try:
        for fam, typ, host in ((socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1"),
                               (socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                               (socket.AF_INET6, socket.SOCK_STREAM, "::1")):
            try:
                s = socket.socket(fam, typ)
            except OSError:
                continue
            held.append(s)
            try:
                s.bind((host, p))
            except OSError as e:
                if fam == socket.AF_INET6 and e.errno == 99:   # no ::1 here
                    continue
                raise
        print(p)
        sys.exit(0)
    except OSError:
        pass
    finally:
        for s in held:
            s.close()
sys.exit(1)
EOF
}

# write_config FILE [extra top-level config lines...]
write_config() {
	_f=$1; shift
	{
		echo "# written by tests/integration/lib.sh for $TEST_NAME"
		echo "server: { name = \"sipd-test\"; };"
		echo "sip: {"
		# SIPD_EXTRA_LISTEN: more list entries (", \"udp:[::1]:@PORT@\"", @PORT@ = the port)
		echo "	listen = [ \"udp:127.0.0.1:$PORT\", \"tcp:127.0.0.1:$PORT\"$(printf '%s' "$SIPD_EXTRA_LISTEN" | sed "s/@PORT@/$PORT/g") ];"
		echo "	domains = [ $SIPD_DOMAINS ];"
		echo "};"
		echo "log: { level = \"$SIPD_LOG_LEVEL\"; };"
		echo "database: { path = \"$TMP/sipd.db\"; };"
		for _l in "$@"; do echo "$_l"; done
	} >"$_f"
}

# probe [udp|tcp] [seconds]: one OPTIONS to the server; prints the status line(s).
probe() {
	$SIPSEND -p "$PORT" -t "${1:-udp}" -m OPTIONS -w "${2:-2}" -n 1 2>/dev/null
}

# probe_ok [udp|tcp]: the server answers an OPTIONS with 200.
probe_ok() {
	probe "${1:-udp}" 2 | grep -q '^SIP/2.0 200 '
}

# launch_sipd WHAT: start sipd on $TMP/sipd.conf and wait until it answers an OPTIONS.
# Returns 0 when up, 2 when it exited at once after a failed bind (the caller may try another
# port), and fails the test otherwise.
launch_sipd() {
	echo "==== $1 (port $PORT)" >>"$TMP/sipd.log"
	$ORPHAN_GUARD $SIPD_WRAP "$SIPD" -f -c "$TMP/sipd.conf" >>"$TMP/sipd.log" 2>&1 &
	SIPD_PID=$!
	_i=0
	while [ $_i -lt $START_TRIES ]; do	# up to ~10 s (~40 s under valgrind)
		if ! kill -0 "$SIPD_PID" 2>/dev/null; then
			wait "$SIPD_PID"; _st=$?
			SIPD_PID=
			tail -n 5 "$TMP/sipd.log" | grep -q "bind" && return 2
			fail "sipd exited with status $_st at $1"
		fi
		if probe udp 0.25 | grep -q '^SIP/2.0 '; then
			say "sipd (pid $SIPD_PID) is up on 127.0.0.1:$PORT ($1)"
			return 0
		fi
		_i=$((_i + 1))
	done
	fail "sipd (pid $SIPD_PID) does not answer OPTIONS on udp:127.0.0.1:$PORT ($1)"
}

# start_sipd [extra config lines...]: write $TMP/sipd.conf, start sipd, wait until it answers.
start_sipd() {
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		PORT=$(free_port) || fail "no free port found"
		write_config "$TMP/sipd.conf" "$@"
		launch_sipd "start $_try" && return 0	# a lost race for the port: try another
	done
	fail "sipd could not bind a port after 3 tries"
}

# stop_sipd: SIGTERM and wait (at most ~3 s, then KILL).
stop_sipd() {
	stop_pid "$SIPD_PID"
	SIPD_PID=
}

# spawn CMD...: run CMD in the background, remembered for cleanup; its pid is in $BG_PID.
spawn() {
	$ORPHAN_GUARD "$@" &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

# run_sipp SCENARIO CALLS [sipp options...]: run a SIPp scenario (from scenarios/) against
# the server, bounded by -m CALLS and -timeout; its output goes to $TMP/sipp-NAME.*.
# Returns sipp's exit status (0: every call succeeded).
run_sipp() {
	_sc=$1; _calls=$2; shift 2
	command -v "${SIPP:-sipp}" >/dev/null 2>&1 || skip "sipp not installed"
	_n=$(basename "$_sc" .xml)
	_lp=$(free_port) || fail "no free port for sipp"
	# sipp's own -timeout ends a stuck run; timeout(1) is the backstop should sipp hang itself
	timeout -k 5 $((${SIPP_TIMEOUT:-20} + 10)) "${SIPP:-sipp}" -sf "$SCENARIOS/$_sc" \
		-i 127.0.0.1 -p "$_lp" -m "$_calls" -timeout "${SIPP_TIMEOUT:-20}s" -timeout_error \
		-nostdin -trace_err -error_file "$TMP/sipp-$_n.err" \
		-trace_msg -message_file "$TMP/sipp-$_n.msg" \
		-trace_screen -screen_file "$TMP/sipp-$_n.screen" \
		"$@" "127.0.0.1:$PORT" >"$TMP/sipp-$_n.out" 2>&1
	_st=$?
	if [ $_st -ne 0 ]; then
		say "sipp $_sc exited with status $_st; its errors:"
		tail -n 20 "$TMP/sipp-$_n.err" 2>/dev/null
		tail -n 5 "$TMP/sipp-$_n.out" 2>/dev/null
	fi
	return $_st
}

# log_count PATTERN: how many lines of the sipd log match the fixed string PATTERN.
log_count() {
	grep -cF -- "$1" "$TMP/sipd.log"
}

# wait_until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds, for at most SECONDS
# (decimals allowed); returns 1 on timeout.  Tests wait on the condition itself with this (a log
# line, a DB row, a file, a port, a process state), never on a fixed sleep.
wait_until() {
	_wu_n=$(awk -v s="$1" 'BEGIN { printf "%d", s * 10 }')
	shift
	_wu_i=0
	until "$@"; do
		[ "$_wu_i" -ge "$_wu_n" ] && return 1
		sleep 0.1
		_wu_i=$((_wu_i + 1))
	done
	return 0
}

# log_has STRING [N]: the sipd log holds at least N (1) lines containing the fixed string STRING.
log_has() {
	[ "$(log_count "$1")" -ge "${2:-1}" ]
}

# wait_log STRING [N] [SECONDS]: wait until the sipd log holds at least N (1) lines containing
# the fixed string STRING, for at most SECONDS (5); fails (returns 1) on timeout.
wait_log() {
	wait_until "${3:-5}" log_has "$1" "${2:-1}"
}

# gone PID: the process PID has exited (for wait_until).
gone() {
	! kill -0 "$1" 2>/dev/null
}

# same GOT WANT DESCRIPTION: one check that the strings GOT and WANT are equal.
same() {
	if [ "$1" = "$2" ]; then ok "$3 ($1)"; else not_ok "$3: got '$1', want '$2'"; fi
}

# between X LO HI: LO <= X <= HI, as decimal numbers; false when X is empty.
between() {
	awk -v x="$1" -v l="$2" -v h="$3" 'BEGIN { exit !(x != "" && x + 0 >= l + 0 && x + 0 <= h + 0) }'
}

# db SQL: run SQL on the test's database ($TMP/sipd.db) read-only; fields '|' separated.
db() {
	sqlite3 -readonly -batch "$TMP/sipd.db" "$1"
}

# shared_dir: the directory of data shared beside the source tree (the conformance corpus,
# the bench references): $SIPD_SHARED, else ../shared next to the checkout, else ../../shared
# (a worktree one level further down).  Prints nothing (and returns 1) when there is none.
shared_dir() {
	for _sd in "${SIPD_SHARED:-}" "$SRCDIR/../shared" "$SRCDIR/../../shared"; do
		[ -n "$_sd" ] && [ -d "$_sd" ] && { (cd "$_sd" && pwd); return 0; }
	done
	return 1
}

# restart_sipd: start sipd again with the existing $TMP/sipd.conf (same ports, same database),
# after stop_sipd or a kill; waits until it answers.
restart_sipd() {
	launch_sipd restart || fail "sipd could not bind its ports again at restart"
}
