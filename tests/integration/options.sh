#!/bin/sh
# OPTIONS to the server (RFC 3261 11): 200 with Allow, Accept and Supported, over UDP and TCP,
# driven by SIPp, then checked header by header with sipsend.py.
. "$(dirname "$0")/lib.sh"

start_sipd

for t in u1 t1; do
	if run_sipp options.xml 3 -t "$t" -trace_logs -log_file "$TMP/sipp-options-$t.log"; then
		ok "sipp OPTIONS over $t: 3 calls, each 200 with Allow (listing OPTIONS), Accept, Supported"
	else
		not_ok "sipp OPTIONS over $t"
	fi
done

# The same, header by header, so a failure says which header is missing.
for t in udp tcp; do
	$SIPSEND -p "$PORT" -t "$t" -m OPTIONS -n 1 -w 3 -v >"$TMP/resp-$t" 2>&1
	check "$t: status 200" grep -q '^SIP/2.0 200 ' "$TMP/resp-$t"
	for h in Allow Accept Supported; do
		check "$t: 200 has a $h header" grep -qi "^$h[ 	]*:" "$TMP/resp-$t"
	done
	check "$t: Allow lists OPTIONS" grep -qi '^Allow[ 	]*:.*OPTIONS' "$TMP/resp-$t"
	check "$t: To tag added" grep -qi '^To[ 	]*:.*;tag=' "$TMP/resp-$t"
	check "$t: CSeq echoed" grep -qi '^CSeq[ 	]*: *1 OPTIONS' "$TMP/resp-$t"
done

# One transaction line per OPTIONS at info level (STYLE.md): 3+3 from sipp, 2 here, plus probes.
n=$(grep -c 'txn call-id=.* method=OPTIONS .*status=200' "$TMP/sipd.log")
check "log has a transaction line per OPTIONS (saw $n, want >= 8)" test "$n" -ge 8

finish
