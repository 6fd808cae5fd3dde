# pglib.sh - a private PostgreSQL for the pg_*.sh tests, sourced after lib.sh.
#
# pg_start: initdb in $TMP/pg (as the user nobody when run as root: initdb refuses root), then a
# postgres listening on 127.0.0.1:$PG_PORT and a socket in $TMP/pg; stopped by the EXIT trap.
# The tests FAIL (never skip) when PostgreSQL is missing: it is a build and test dependency
# (scripts/deps.sh).  After pg_start: PG_URL (for database.url) and psql_q SQL (unaligned, '|').
# write_config is replaced: database.url = $PG_URL instead of database.path.

PG_BIN=
for _d in /usr/lib/postgresql/*/bin; do [ -x "$_d/initdb" ] && PG_BIN=$_d; done
[ -n "$PG_BIN" ] || { _i=$(command -v initdb) && PG_BIN=$(dirname "$_i"); }
[ -n "$PG_BIN" ] || fail "PostgreSQL (initdb, pg_ctl) not installed: apt-get install postgresql"
command -v psql >/dev/null 2>&1 || fail "psql not installed: apt-get install postgresql-client"
PG_DIR=$TMP/pg
PG_AS=
[ "$(id -u)" = 0 ] && PG_AS="runuser -u nobody --"

pg_ctl_() { $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }

# pg_start: a fresh cluster on a free port; database "sipd", superuser "sipd", trust auth.
pg_start() {
	mkdir -p "$PG_DIR" && chmod 777 "$PG_DIR" "$TMP"
	PG_PORT=$(free_port) || fail "no free port for PostgreSQL"
	$PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -U sipd -A trust -E UTF8 --no-sync \
	    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; fail "initdb failed"; }
	pg_up
	psql_admin -c "CREATE DATABASE sipd" >/dev/null || fail "CREATE DATABASE failed"
	PG_URL="postgresql://sipd@127.0.0.1:$PG_PORT/sipd"
	PG_UP=1
}

# pg_up: start (again) the cluster made by pg_start.
pg_up() {
	pg_ctl_ -w -t 30 -l "$PG_DIR/postgres.log" -o "-p $PG_PORT -k $PG_DIR \
	    -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=50" start >/dev/null ||
	    { tail -n 20 "$PG_DIR/postgres.log"; fail "PostgreSQL did not start"; }
	PG_UP=1
}

# pg_down: stop it now (immediate: like a crash or a network cut, clients see no goodbye).
pg_down() {
	pg_ctl_ -m immediate -w -t 30 stop >/dev/null 2>&1
	PG_UP=
}

psql_admin() { psql -X -q -h "$PG_DIR" -p "$PG_PORT" -U sipd -d postgres "$@"; }
# psql_q SQL: run SQL on the sipd database; rows unaligned, fields '|' separated.
psql_q() { psql -X -q -A -t -h "$PG_DIR" -p "$PG_PORT" -U sipd -d sipd -c "$1"; }

pg_cleanup() {
	_prc=$?
	[ -n "${PG_UP:-}" ] && pg_down
	[ -f "$PG_DIR/data/postmaster.pid" ] && pg_ctl_ -m immediate stop >/dev/null 2>&1
	(exit "$_prc")
	cleanup
}
trap pg_cleanup EXIT

write_config() {
	_f=$1; shift
	{
		echo "# written by tests/integration/pglib.sh for $TEST_NAME"
		echo "server: { name = \"sipd-test\"; };"
		echo "sip: {"
		echo "	listen = [ \"udp:${NODE_IP:-127.0.0.1}:$PORT\", \"tcp:${NODE_IP:-127.0.0.1}:$PORT\" ];"
		echo "	domains = [ $SIPD_DOMAINS ];"
		echo "};"
		echo "log: { level = \"$SIPD_LOG_LEVEL\"; };"
		echo "database: { url = \"$PG_URL\"; };"
		for _l in "$@"; do echo "$_l"; done
	} >"$_f"
}
