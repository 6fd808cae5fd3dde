#!/bin/sh
# Requests and responses that belong to nothing: CANCEL without its INVITE gets 481 (RFC 3261
# 9.2), a stray ACK and a stray response get no answer (17.2.3, 18.1.2), Max-Forwards: 0 for a
# foreign domain gets 483 (16.3 step 2).
. "$(dirname "$0")/lib.sh"

start_sipd

$SIPSEND -p "$PORT" -m CANCEL -u "sip:nobody@127.0.0.1:$PORT" -n 1 -w 2 >"$TMP/out" 2>&1
say "CANCEL -> $(cat "$TMP/out")"
check "CANCEL matching no INVITE: 481" grep -q '^SIP/2.0 481 ' "$TMP/out"

$SIPSEND -p "$PORT" -m ACK -u "sip:nobody@127.0.0.1:$PORT" -w 1 >"$TMP/out" 2>&1
check "ACK matching nothing: no answer" test ! -s "$TMP/out"

printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-stray-%s\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: stray-%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' $$ $$ >"$TMP/resp"
$SIPSEND -p "$PORT" -w 1 "$TMP/resp" >"$TMP/out" 2>&1
check "stray response: no answer" test ! -s "$TMP/out"

$SIPSEND -p "$PORT" -m OPTIONS -u 'sip:someone@elsewhere.invalid' -x 'Max-Forwards: 0' \
	-n 1 -w 2 >"$TMP/out" 2>&1
say "Max-Forwards 0, foreign domain -> $(cat "$TMP/out")"
check "Max-Forwards: 0 for a foreign domain: 483" grep -q '^SIP/2.0 483 ' "$TMP/out"

$SIPSEND -p "$PORT" -m INVITE -u 'sip:someone@elsewhere.invalid' -x 'Max-Forwards: 0' \
	-n 1 -w 2 --ack >"$TMP/out" 2>&1
say "INVITE Max-Forwards 0, foreign domain -> $(tr '\n' ' ' <"$TMP/out")"
check "INVITE with Max-Forwards: 0 for a foreign domain: 483" grep -q '^SIP/2.0 483 ' "$TMP/out"

$SIPSEND -p "$PORT" -m OPTIONS -x 'Max-Forwards: 0' -n 1 -w 2 >"$TMP/out" 2>&1
say "Max-Forwards 0, OPTIONS to the server -> $(cat "$TMP/out")"
check "Max-Forwards: 0 OPTIONS for the server itself: 200 or 483 (RFC 3261 16.3)" \
	grep -qE '^SIP/2.0 (200|483) ' "$TMP/out"

check "server still answers OPTIONS" probe_ok
finish
