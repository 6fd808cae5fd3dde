#!/bin/sh
# A primary and a streaming-replication standby (synchronous: a commit returns once the standby
# has it, so an acknowledged REGISTER survives the failover); database.url names both with
# target_session_attrs=read-write.  The primary dies, the standby is promoted: sipd answers
# 503 meanwhile, then follows the new primary by itself (no restart); the binding acknowledged
# before the failover is there.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"
. "$(dirname "$0")/pglib.sh"

pg_start
psql_admin -c "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null || fail "ALTER SYSTEM"
SB_DIR=$PG_DIR/standby
SB_PORT=$(free_port) || fail "no free port for the standby"
$PG_AS "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U sipd -D "$SB_DIR" -R -X stream \
    >"$PG_DIR/basebackup.log" 2>&1 || { cat "$PG_DIR/basebackup.log"; fail "pg_basebackup"; }
# the standby, once promoted, must not wait for a standby of its own (the copied setting)
sed -i '/synchronous_standby_names/d' "$SB_DIR/postgresql.auto.conf"
sb_ctl() { $PG_AS "$PG_BIN/pg_ctl" -D "$SB_DIR" "$@"; }
sb_ctl -w -t 30 -l "$PG_DIR/standby.log" -o "-p $SB_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" \
    start >/dev/null || { tail -n 20 "$PG_DIR/standby.log"; fail "the standby did not start"; }
SB_UP=1
pg_failover_cleanup() {
	_frc=$?
	[ -n "${SB_UP:-}" ] && sb_ctl -m immediate -w stop >/dev/null 2>&1
	(exit "$_frc")
	pg_cleanup
}
trap pg_failover_cleanup EXIT
psql_admin -c "SELECT pg_reload_conf()" >/dev/null
wait_until 10 sh -c "[ \"\$(psql -X -A -t -h '$PG_DIR' -p '$PG_PORT' -U sipd -d postgres -c \"SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'\")\" = 1 ]" ||
    fail "the standby is not a synchronous standby"

PG_URL="postgresql://sipd@127.0.0.1:$PG_PORT,127.0.0.1:$SB_PORT/sipd?target_session_attrs=read-write"
start_sipd 'auth: { register = 0; };'
reg before sip:alice@example.test fo-1 1 "Contact: <sip:alice@127.0.0.1:5070>"
same "$(st before)" 200 "REGISTER on the primary: 200"

pg_down
say "primary stopped"
reg during sip:bob@example.test fo-2 1 "Contact: <sip:bob@127.0.0.1:5071>"
same "$(st during)" 503 "no primary: 503"
sb_ctl -w promote >/dev/null || fail "promote"
say "standby promoted"
_i=0; got=
while [ $_i -lt 30 ]; do
	reg after sip:bob@example.test fo-3 $((_i + 2)) "Contact: <sip:bob@127.0.0.1:5071>"
	[ "$(st after)" = 200 ] && { got=1; break; }
	sleep 0.5; _i=$((_i + 1))
done
if [ -n "$got" ]; then ok "sipd follows the promoted standby without a restart"
else not_ok "sipd did not follow the promoted standby within 15 s"; fi
sbq() { psql -X -q -A -t -h "$PG_DIR" -p "$SB_PORT" -U sipd -d sipd -c "$1"; }
same "$(sbq "SELECT count(*) FROM location WHERE aor = 'sip:alice@example.test'")" 1 "the binding acknowledged before the failover is on the new primary"
same "$(sbq "SELECT count(*) FROM location WHERE aor = 'sip:bob@example.test'")" 1 "the REGISTER after the failover is on the new primary"
same "$(sbq "SELECT pg_is_in_recovery()")" f "it is a primary now"
finish
