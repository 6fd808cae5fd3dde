#!/bin/sh
# linphonec with GRUU on (Supported: gruu, +sip.instance) through sipd, both directions: bob and
# carol (two linphonecs) register and get a pub-gruu, which liblinphone takes as its Contact
# (RFC 5627 4.2); carol calls bob and bob hangs up, then bob calls carol and carol hangs up.
# Each hang-up is an in-dialog BYE whose Request-URI is the other side's GRUU: sipd must route
# it to that phone (RFC 5627 6.1), not to the GRUU's host.  Runs with only loopback.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
SIPD_TEST_NETNS=1
. "$(dirname "$0")/clientlib.sh"

export LP_SUPPORTED="replaces, outbound, gruu"
bp=$(free_port) && cp=$(free_port) || fail "no free ports for the clients"
lp_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
lp_start carol carol secret-carol 127.0.0.1 "$PORT" "$cp"
check "linphonec (bob) registered" lp_wait_registered bob 10
check "linphonec (carol) registered" lp_wait_registered carol 10
for u in bob carol; do
	n=$(grep -c "pub-gruu=\"sip:$u@[^;]*;gr=urn:uuid:" "$(lp_debuglog $u)")
	check "$u's 200 carried a pub-gruu ($n)" test "$n" -ge 1
	n=$(grep -c "temp-gruu=\"sip:tgruu\." "$(lp_debuglog $u)")
	check "$u's 200 carried a temp-gruu ($n)" test "$n" -ge 1
done

# call_and_hangup CALLER CALLEE N: CALLER dials CALLEE, CALLEE hangs up (the Nth call of each)
call_and_hangup() {
	check "$1 dials $2" lp_dial "$1" "sip:$2@127.0.0.1:$PORT"
	check "$2 sees the incoming call" lp_wait_incoming "$2" 10 1
	check "the call is established at $1" lp_wait_established "$1" 10 "$3"
	check "the call is established at $2" lp_wait_established "$2" 10 "$3"
	sleep 1		# pacing, not a wait: the call stays up a moment
	lp_hangup "$2"
	check "$1 sees the call end (the BYE to its GRUU reached it)" lp_wait_closed "$1" 10 "$3"
	check "$2 sees the call end" lp_wait_closed "$2" 10 "$3"
}
call_and_hangup carol bob 1
call_and_hangup bob carol 2
# got ROLE METHOD USER: how many METHOD requests USER's linphonec received from sipd
# ("received" / the 2nd line of "received [N] new bytes" blocks) or sent to the other side's
# GRUU ("sent": Request-URI sip:OTHER@...;gr=urn:uuid:...)
got() { grep -A1 -F 'received [' "$(lp_debuglog "$2")" | grep -c "^$1 sip:$2@"; }
to_gruu() { grep -cE "^$1 sip:$3@[^ ]*;gr=urn:uuid:" "$(lp_debuglog "$2")"; }
# call 1: carol called, bob hung up; call 2: bob called, carol hung up
check "bob (callee) got the ACK carol sent to his GRUU" test "$(to_gruu ACK carol bob)" -ge 1 -a "$(got ACK bob)" -ge 1
check "carol got the BYE bob sent to her GRUU" test "$(to_gruu BYE bob carol)" -ge 1 -a "$(got BYE carol)" -ge 1
check "carol (callee) got the ACK bob sent to her GRUU" test "$(to_gruu ACK bob carol)" -ge 1 -a "$(got ACK carol)" -ge 1
check "bob got the BYE carol sent to his GRUU" test "$(to_gruu BYE carol bob)" -ge 1 -a "$(got BYE bob)" -ge 1
n=$(grep -cE '^SIP/2.0 200 ' "$(lp_debuglog bob)" "$(lp_debuglog carol)" | awk -F: '{s += $NF} END {print s}')
say "200 responses in both logs: $n (a lost ACK would show as many retransmitted 200s)"
n=$(grep -c 'method=BYE .*status=200' "$TMP/sipd.log")
check "sipd relayed both BYEs, answered 200 ($n)" test "$n" -ge 2
stop_clients
finish
