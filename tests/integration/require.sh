#!/bin/sh
# Require with an option tag the server does not support: 420 Bad Extension listing the tags in
# Unsupported (RFC 3261 8.2.2.3).  Requests without Require are answered normally.
. "$(dirname "$0")/lib.sh"

start_sipd

for t in udp tcp; do
	$SIPSEND -p "$PORT" -t "$t" -m OPTIONS -x 'Require: foo' -n 1 -w 3 -v >"$TMP/resp" 2>&1
	check "$t Require: foo -> 420" grep -q '^SIP/2.0 420 ' "$TMP/resp"
	check "$t 420 has Unsupported: foo" grep -qi '^Unsupported[ 	]*: *foo[ 	]*$' "$TMP/resp"

	$SIPSEND -p "$PORT" -t "$t" -m OPTIONS -x 'Require: foo, bar' -x 'Require: baz' \
		-n 1 -w 3 -v >"$TMP/resp" 2>&1
	check "$t Require: foo, bar + Require: baz -> 420" grep -q '^SIP/2.0 420 ' "$TMP/resp"
	for tag in foo bar baz; do
		check "$t Unsupported lists $tag" sh -c \
			"grep -i '^Unsupported[ 	]*:' '$TMP/resp' | grep -qw $tag"
	done
done
# Compact form of Require does not exist, but header names are case-insensitive.
$SIPSEND -p "$PORT" -m OPTIONS -x 'rEQUIRE: foo' -n 1 -w 3 -v >"$TMP/resp" 2>&1
check "rEQUIRE (case-insensitive name) -> 420" grep -q '^SIP/2.0 420 ' "$TMP/resp"
check "server still answers OPTIONS" probe_ok

finish
