#!/bin/sh
# The store's unit-level tests on PostgreSQL: tests/unit/check_msgstore (store_msg_*, schema
# version, flush) run again with SIPD_TEST_PG_URL, each case on an empty schema of a private
# PostgreSQL (the same binary runs on SQLite in the unit suite).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"

BIN=$(dirname "$SIPD")/tests/unit
pg_start
for t in check_msgstore; do
	[ -x "$BIN/$t" ] || fail "$BIN/$t not built (make check builds it)"
	if SIPD_TEST_PG_URL=$PG_URL CK_VERBOSITY=normal "$BIN/$t" >"$TMP/$t.out" 2>&1; then
		ok "$t on PostgreSQL: $(tail -n 1 "$TMP/$t.out")"
	else
		cat "$TMP/$t.out"
		not_ok "$t on PostgreSQL"
	fi
done
finish
