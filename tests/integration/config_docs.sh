#!/bin/sh
# Documentation of the configuration: every key in src/config.c's table (as sipd -H lists it)
# has an entry in man/sipd.conf.5 stating its default exactly, and appears in its group of the
# sample etc/sipd.conf; the page documents no key sipd does not know.  A failure says what to
# add where.  (Renders the page with mandoc: skipped when mandoc is absent.)
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null 2>&1 || skip "mandoc not installed (Debian: mandoc)"
"$PYTHON" "$TESTDIR/config_docs.py" "$SIPD" "$SRCDIR" >"$TMP/docs.out" 2>&1
st=$?
sed 's/^/    | /' "$TMP/docs.out"
[ $st -eq 0 ] || fail "configuration keys are missing from the documentation (above)"
pass "$(tail -n 1 "$TMP/docs.out")"
