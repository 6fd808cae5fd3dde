#!/bin/sh
# Every method is proxied to a registered user (RFC 3261 16): OPTIONS, SUBSCRIBE, NOTIFY, PUBLISH,
# INFO and a method sipd has never heard of reach the phone (Request-URI = its Contact, sipd's
# Via on top) and the phone's 200 comes back.  (SUBSCRIBE and PUBLISH for the presence and
# dialog packages sipd serves itself, presence.sh; other packages, here "foo", are the phones'.)  SUBSCRIBE creates a dialog and is record-routed (RFC 6665 4.1.2.1), the
# others are not.  The same methods addressed to sipd itself (no user part) are answered by sipd:
# OPTIONS with 200, an unknown one with 501 (RFC 3261 8.2.1), SUBSCRIBE/PUBLISH 489, a NOTIFY
# 481 or 400 (its Subscription-State parsed by libosip2, sipval.c) - never forwarded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

start_sipd "$PROXY_NOAUTH"
callee bob "sip:bob@127.0.0.1:$PORT"
BOBPORT=$CALLEE_PORT
statuses() { sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$TMP/$1.resp" | tr '\n' ' ' | sed 's/ $//'; }

n=0
for m in OPTIONS SUBSCRIBE NOTIFY PUBLISH INFO XFOOBAR; do
	n=$((n + 1))
	extra=
	case $m in
	SUBSCRIBE) extra="--header Event:foo --header Expires:600 --header Contact:<sip:alice@127.0.0.1:9>" ;;
	NOTIFY) extra="--header Event:presence --header Subscription-State:active;expires=600" ;;
	PUBLISH) extra="--header Event:foo --header Expires:600" ;;
	esac
	# shellcheck disable=SC2086
	$SIPSEND -p "$PORT" -m "$m" -u "sip:bob@127.0.0.1:$PORT" $extra -n 1 -w 5 --linger 0.2 \
	    -o "$TMP/r$n" >"$TMP/r$n.resp" 2>&1
	same "$(statuses "r$n")" 200 "$m to a registered user: the phone's 200 comes back"
	f=$(msgs bob in "$m" | head -n 1)
	if [ -z "$f" ]; then not_ok "$m: the phone received it"; continue; fi
	same "$(startline "$f")" "$m sip:bob@127.0.0.1:$BOBPORT SIP/2.0" "$m: Request-URI is the Contact"
	check "$m: sipd's Via on top" sh -c "$PEER hdr '$f' Via | head -n 1 | grep -qE '^SIP/2\.0/UDP 127\.0\.0\.1:$PORT;.*branch=z9hG4bK'"
	rr=$(hdr "$f" Record-Route)
	if [ "$m" = SUBSCRIBE ]; then
		check "SUBSCRIBE is record-routed (it creates a dialog)" test -n "$rr"
	else
		same "$rr" "" "$m is not record-routed"
	fi
done

# addressed to sipd itself: answered, not forwarded
$SIPSEND -p "$PORT" -m OPTIONS -u "sip:127.0.0.1:$PORT" -n 1 -w 5 --linger 0.2 >"$TMP/s1.resp" 2>&1
same "$(statuses s1)" 200 "OPTIONS to sipd itself: 200 from sipd"
$SIPSEND -p "$PORT" -m XFOOBAR -u "sip:127.0.0.1:$PORT" -n 1 -w 5 --linger 0.2 >"$TMP/s2.resp" 2>&1
same "$(statuses s2)" 501 "an unknown method to sipd itself: 501"
# event packages sipd serves none of yet: SUBSCRIBE/PUBLISH 489 (RFC 6665 7.3.2, RFC 3903 6),
# a NOTIFY for no subscription 481 (RFC 6665 4.1.3), one without Subscription-State 400
$SIPSEND -p "$PORT" -m SUBSCRIBE -u "sip:127.0.0.1:$PORT" --header Event:presence --header Expires:600 \
    -n 1 -w 5 --linger 0.2 >"$TMP/s3.resp" 2>&1
same "$(statuses s3)" 489 "SUBSCRIBE to sipd itself: 489 Bad Event"
$SIPSEND -p "$PORT" -m PUBLISH -u "sip:127.0.0.1:$PORT" --header Event:presence --header Expires:600 \
    -n 1 -w 5 --linger 0.2 >"$TMP/s4.resp" 2>&1
same "$(statuses s4)" 489 "PUBLISH to sipd itself: 489 Bad Event"
$SIPSEND -p "$PORT" -m NOTIFY -u "sip:127.0.0.1:$PORT" --header Event:presence \
    --header "Subscription-State:active;expires=600" -n 1 -w 5 --linger 0.2 >"$TMP/s5.resp" 2>&1
same "$(statuses s5)" 481 "NOTIFY to sipd itself for no subscription: 481"
$SIPSEND -p "$PORT" -m NOTIFY -u "sip:127.0.0.1:$PORT" --header Event:presence \
    -n 1 -w 5 --linger 0.2 >"$TMP/s6.resp" 2>&1
same "$(statuses s6)" 400 "NOTIFY to sipd itself without Subscription-State: 400"
same "$(nmsgs bob in OPTIONS) $(nmsgs bob in XFOOBAR) $(nmsgs bob in SUBSCRIBE) $(nmsgs bob in PUBLISH) $(nmsgs bob in NOTIFY)" \
    "1 1 1 1 1" "the phone got nothing addressed to sipd"

[ "$FAILS" -eq 0 ] || show bob
finish
