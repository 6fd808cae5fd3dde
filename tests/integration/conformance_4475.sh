#!/bin/sh
# RFC 4475 SIP torture messages (49 + the baddn variant): each message is sent to sipd with its
# top Via rewritten to our address; the reply is judged against conformance_expect.tsv (derived
# from shared/conformance/rfc4475/EXPECTED.tsv) and the server must answer OPTIONS afterwards.
# The messages name foreign hosts: everything runs in a network namespace with only loopback.
SIPD_TEST_NETNS=1
. "$(dirname "$0")/lib.sh"

# a missing corpus is a failure, not a skip: the test would otherwise pass having checked nothing
CORPUS=$(shared_dir)/conformance || fail "no shared/ beside the source tree: set SIPD_SHARED"
[ -f "$CORPUS/rfc4475/EXPECTED.tsv" ] || fail "no RFC 4475 corpus in $CORPUS"

SIPD_DOMAINS='"example.com", "example.net", "example.org", "company.com", "chair-dnrc.example.com",
	"registrar.example.com", "host.example.net", "biloxi.example.com"'
# the corpus tests parsing: its From users are in our domains, and caller authentication
# (proxy_auth.sh) would answer 407 before the replies it looks for
start_sipd 'auth: { register = 0; calls = 0; };'

"$PYTHON" "$TESTDIR/conformance.py" --both --port "$PORT" --suite rfc4475 --corpus "$CORPUS" \
	--expect "$TESTDIR/conformance_expect.tsv" ${CONFORMANCE_ONLY:+--only "$CONFORMANCE_ONLY"} \
	${CONFORMANCE_VERBOSE:+-v} || FAILS=$((FAILS + 1))
kill -0 "$SIPD_PID" 2>/dev/null || not_ok "sipd is gone"
finish
