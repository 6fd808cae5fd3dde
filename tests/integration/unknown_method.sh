#!/bin/sh
# A request with a method the server does not know gets 501 Not Implemented with an Allow header
# (RFC 3261 8.2.1 / 21.5.2); method names are case-sensitive (RFC 3261 7.1).
. "$(dirname "$0")/lib.sh"

start_sipd

for t in udp tcp; do
	for m in FOO options; do
		$SIPSEND -p "$PORT" -t "$t" -m "$m" -n 1 -w 3 -v >"$TMP/resp" 2>&1
		check "$t $m: 501" grep -q '^SIP/2.0 501 ' "$TMP/resp"
		check "$t $m: 501 has Allow" grep -qi '^Allow[ 	]*:' "$TMP/resp"
		check "$t $m: Allow does not list $m" \
			sh -c "! grep -i '^Allow[ 	]*:' '$TMP/resp' | grep -q '[ ,:]$m\\([ ,]\\|\$\\)'"
		check "$t $m: CSeq echoed" grep -qi "^CSeq[ 	]*: *1 $m" "$TMP/resp"
		check "$t $m: exactly one response" test "$(grep -c '^SIP/2.0 ' "$TMP/resp")" -eq 1
	done
done
check "server still answers OPTIONS" probe_ok

finish
