#!/bin/sh
# RFC 5118 IPv6 torture messages: sent to sipd with the top Via rewritten to our address, judged
# against conformance_expect.tsv (from shared/conformance/rfc5118/EXPECTED.tsv); the server must
# answer OPTIONS after each.  Runs in a network namespace with only loopback, where the
# documentation addresses the messages use are given to lo: 2001:db8::10 (the Request-URI host,
# so it is one of sipd's own addresses) and 2001:db8::9:255 (a Via received= address, where the
# sender listens too, since RFC 3261 18.2.2 sends responses there).
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"

# a missing corpus is a failure, not a skip: the test would otherwise pass having checked nothing
CORPUS=$(shared_dir)/conformance || fail "no shared/ beside the source tree: set SIPD_SHARED"
[ -f "$CORPUS/rfc5118/EXPECTED.tsv" ] || fail "no RFC 5118 corpus in $CORPUS"

for a in 2001:db8::10 2001:db8::192.0.2.1 2001:db8::9:255; do
	"$IP" -6 addr add "$a/128" dev lo nodad 2>/dev/null || skip "cannot add $a to lo (no IPv6?)"
done

SIPD_DOMAINS='"example.com", "example.net", "example.org", "company.com", "chair-dnrc.example.com",
	"registrar.example.com", "host.example.net", "biloxi.example.com"'
SIPD_EXTRA_LISTEN=', "udp:[::1]:@PORT@", "tcp:[::1]:@PORT@"'
start_sipd

"$PYTHON" "$TESTDIR/conformance.py" --both --port "$PORT" --suite rfc5118 --corpus "$CORPUS" \
	--expect "$TESTDIR/conformance_expect.tsv" --listen 2001:db8::9:255 \
	${CONFORMANCE_ONLY:+--only "$CONFORMANCE_ONLY"} ${CONFORMANCE_VERBOSE:+-v} || FAILS=$((FAILS + 1))
kill -0 "$SIPD_PID" 2>/dev/null || not_ok "sipd is gone"
finish
