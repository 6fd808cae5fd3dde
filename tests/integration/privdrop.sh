#!/bin/sh
# Privileges: sipd started as root with server.user = "nobody" binds its sockets, opens the
# database (creating its directory for that user), hands the database files over and becomes
# nobody for good (/proc/PID/status: every uid and gid, no other group).  It still registers
# phones (database writes), reloads, and refuses a new port below 1024 with a message saying
# why.  sipctl run as root switches to the owner of the database directory, so the files stay
# nobody's.  Needs root (skipped otherwise).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root"
getent passwd nobody >/dev/null || skip "no user nobody"
NUID=$(id -u nobody)
NGID=$(id -g nobody)
chmod 755 "$TMP"	# nobody must reach its directory and the config (re-read on SIGHUP)
STATE=$TMP/state
SIPCTL=$(dirname "$SIPD")/sipctl

conf() {
	write_config "$TMP/sipd.conf" "$PROXY_NOAUTH" "$@"
	sed -i -e 's/^server: { name = "sipd-test"; };/server: { name = "sipd-test"; user = "nobody"; };/' \
	    -e "s|^database: .*|database: { path = \"$STATE/sipd.db\"; };|" "$TMP/sipd.conf"
	chmod 644 "$TMP/sipd.conf"
}
try=0
while :; do
	try=$((try + 1))
	PORT=$(free_port) || fail "no free port"
	conf
	launch_sipd "start as root, user nobody" && break
	[ $try -lt 3 ] || fail "sipd could not bind"
done

ids() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$SIPD_PID/status" | tr -s '\t ' ' ' | sed 's/ $//'; }
same "$(ids Uid)" "$NUID $NUID $NUID $NUID" "real, effective, saved and fs uid are nobody's"
same "$(ids Gid)" "$NGID $NGID $NGID $NGID" "every gid is nobody's group"
same "$(ids Groups)" "$NGID" "supplementary groups: only that one"
same "$(ids CapEff)" "0000000000000000" "no capability left"
check "'running as user nobody' logged" grep -q "running as user nobody (uid $NUID" "$TMP/sipd.log"
check "the database directory was created for nobody" test "$(stat -c %u "$STATE")" = "$NUID"
check "the database file belongs to nobody" test "$(stat -c %u "$STATE/sipd.db")" = "$NUID"

# Writes after the drop: a REGISTER is committed before its 200.
lp=$(free_port)
same "$(register r1 "$lp" "sip:amy@127.0.0.1:$PORT" "sip:amy@127.0.0.1:$lp")" 200 "REGISTER after the drop (database written as nobody)"
check "the binding is in the database" \
	test "$(sqlite3 "$STATE/sipd.db" "SELECT count(*) FROM location WHERE aor LIKE 'sip:amy@%'")" = 1

# sipctl as root: becomes the directory's owner, so nothing root-owned appears there.
printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add zed >"$TMP/sipctl.out" 2>&1
check "sipctl user add as root works" grep -q "added zed" "$TMP/sipctl.out"
check "no root-owned file in the database directory after sipctl ($(ls -ln "$STATE" | tr '\n' ' '))" \
	test -z "$(find "$STATE" -user 0)"

# The DynamicUser= layout: the database directory belongs to the service user but sits in a
# directory only root may search (/var/lib/private).  sipctl as root cannot become the owner
# there, so it stays root and hands over what it creates.
stop_sipd
mkdir -p "$TMP/private"
chmod 700 "$TMP/private"
mv "$STATE" "$TMP/private/sipd"
printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" -d "$TMP/private/sipd/sipd.db" user add yan >"$TMP/sipctl2.out" 2>&1
check "sipctl as root in a DynamicUser-like layout works" grep -q "added yan" "$TMP/sipctl2.out"
check "... and leaves no root-owned file there ($(ls -ln "$TMP/private/sipd" | tr '\n' ' '))" \
	test -z "$(find "$TMP/private/sipd" -user 0)"
rm -f "$TMP/private/sipd/sipd.db"*
printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" -d "$TMP/private/sipd/sipd.db" user add yan >"$TMP/sipctl3.out" 2>&1
check "sipctl as root creating a new database there: it belongs to the directory's owner" \
	test "$(stat -c %u "$TMP/private/sipd/sipd.db")" = "$NUID" -a -z "$(find "$TMP/private/sipd" -user 0)"
rm -f "$TMP/private/sipd/sipd.db"*
mv "$TMP/private/sipd" "$STATE"
printf 'pw\n' | "$SIPCTL" -c "$TMP/sipd.conf" user add zed >/dev/null 2>&1
restart_sipd

# Reload as nobody: the config is re-read; a port below 1024 cannot be bound any more.
conf 'registrar: { default_expires = 1800; };'
kill -HUP "$SIPD_PID"
check "reload as nobody applied" wait_log reloaded 1 5
if [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 1000 ]; then
	sed -i "s|\"tcp:127.0.0.1:$PORT\"|\"tcp:127.0.0.1:$PORT\", \"udp:127.0.0.1:999\"|" "$TMP/sipd.conf"
	kill -HUP "$SIPD_PID"
	check "port 999 after the drop: reload refused" wait_log "keeping the running configuration" 1 5
	check "port 999 after the drop: the log says why and what to do" \
		grep -q "udp:127.0.0.1:999: ports below 1024 need root or CAP_NET_BIND_SERVICE (sipd has given up root" "$TMP/sipd.log"
	check "still serving" probe_ok
else
	say "unprivileged ports start below 1000 here: the port-999 check is skipped"
fi

# Restart as root over the existing database.
stop_sipd
restart_sipd
same "$(ids Uid)" "$NUID $NUID $NUID $NUID" "restart: nobody again"
check "restart: started over the existing database" grep -q "registrar: 0 bindings loaded" "$TMP/sipd.log"

# server.allow_root = 0 without server.user: refused at start.
stop_sipd
sed -i -e 's/user = "nobody"; };/user = ""; allow_root = 0; };/' "$TMP/sipd.conf"
"$SIPD" -f -c "$TMP/sipd.conf" >"$TMP/root.log" 2>&1 &
p=$!
wait_until 5 gone $p || { stop_pid $p; not_ok "sipd kept running as root with allow_root = 0"; }
check "allow_root = 0 as root without server.user: refused, says what to do" \
	grep -q "server.allow_root = 0 and started as root: set server.user" "$TMP/root.log"
sed -i -e 's/user = ""; allow_root = 0; };/user = "nobody"; allow_root = 0; };/' "$TMP/sipd.conf"
restart_sipd
same "$(ids Uid)" "$NUID $NUID $NUID $NUID" "allow_root = 0 with server.user: starts and drops to nobody"

# An unknown user is refused at start with what to do.
stop_sipd
sed -i 's/user = "nobody"/user = "no-such-user-sipd"/' "$TMP/sipd.conf"
"$SIPD" -f -c "$TMP/sipd.conf" >"$TMP/nouser.log" 2>&1 &
p=$!
wait_until 5 gone $p || { stop_pid $p; not_ok "sipd kept running with an unknown user"; }
check "unknown user: refused, says how to fix it" grep -q "no user 'no-such-user-sipd' on this system: create it" "$TMP/nouser.log"
finish
