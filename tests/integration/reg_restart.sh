#!/bin/sh
# An acknowledged registration survives a crash: the 200 goes out only once the binding is
# committed (README; RFC 3261 10.3 step 8 makes the binding visible with the 200).  SIPp
# registers 50 AORs, sipd is killed with SIGKILL right after the last 200, and a new sipd on
# the same database and ports lists every binding in the answer to a REGISTER query.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

N=50
start_sipd 'auth: { register = 0; };'

if run_sipp reg_many.xml $N -r 100 -key domain "$REG_DOMAIN"; then
	ok "sipp: $N REGISTERs, each answered 200 listing its binding"
else
	not_ok "sipp: $N REGISTERs (see errors above)"
fi
kill -KILL "$SIPD_PID" 2>/dev/null
wait "$SIPD_PID" 2>/dev/null
SIPD_PID=
say "sipd killed with SIGKILL after the last 200"
n200=$(grep -c 'method=REGISTER .*status=200' "$TMP/sipd.log")
same "$n200" $N "sipd logged $N REGISTERs answered 200"

same "$(db "SELECT count(*) FROM location WHERE aor LIKE 'sip:user%@$REG_DOMAIN'")" $N \
    "the database holds $N rows after the kill"

restart_sipd
check "the new sipd loaded $N bindings" wait_log "registrar: $N bindings loaded" 1 1
missing=0
i=1
while [ $i -le $N ]; do
	reg "q$i" "sip:user$i@$REG_DOMAIN" "query-$i" 1
	if [ "$(st "q$i")" != 200 ] || ! contacts "q$i" | grep -q "^<sip:user$i@127\.0\.0\.1:[0-9]*>;.*expires=[0-9]"; then
		missing=$((missing + 1))
		[ $missing -le 3 ] && sed 's/^/    | /' "$TMP/q$i.resp"
	fi
	i=$((i + 1))
done
same "$missing" 0 "AORs whose binding a REGISTER query does not list after the restart"
same "$(db "SELECT count(*) FROM registrations WHERE aor LIKE 'sip:user%@$REG_DOMAIN'")" $N \
    "the registrations view shows $N bindings"

finish
