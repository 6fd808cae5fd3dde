#!/bin/sh
# A real client's buddy list (baresip 1.0's presence module, headless): bob's baresip has carol
# as a contact with ;presence=p2p, so it SUBSCRIBEs (Event: presence) to her; sipd challenges
# it (407, bob is a local user), serves the subscription and NOTIFYs.  bob's contact list
# shows carol Offline while she has no phone registered, Online once her baresip registers,
# and Offline again after it stops (it unregisters; presence derived from registrations).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/clientlib.sh"

[ -e /usr/lib/baresip/modules/presence.so ] || skip "baresip's presence module is not installed"
bp=$(free_port) && cp=$(free_port) || fail "no free ports for the clients"
# carol's state in bob's contact list ("Online" / "Offline"), from the contacts command
carol_is() { _bs_ctrl "$(_bs_dir bob)" contacts "" 2>/dev/null | grep -F "sip:carol@" | grep -q "$1"; }

BS_EXTRA_CONFIG="module_app presence.so" bs_start bob bob secret-bob 127.0.0.1 "$PORT" "$bp"
check "baresip (bob) registered" bs_wait_registered bob 10
d=$(_bs_dir bob)
echo "\"Carol\" <sip:carol@127.0.0.1:$PORT>;presence=p2p" >"$d/cfg/contacts"
# contacts are read when the modules load: reload them with the buddy in place
for c in "rmmod presence" "rmmod contact" "insmod contact" "insmod presence"; do
	_bs_ctrl "$d" ${c% *} "${c#* }" >/dev/null 2>&1
done
check "bob's baresip subscribed to carol's presence (challenged first)" \
    wait_until 10 sh -c "grep -q 'method=SUBSCRIBE .*status=407' '$TMP/sipd.log' && grep -q 'subs: new .*event=presence resource=sip:carol@' '$TMP/sipd.log'"
check "carol, not registered, is Offline in bob's contact list" wait_until 10 carol_is Offline
bs_start carol carol secret-carol 127.0.0.1 "$PORT" "$cp"
check "baresip (carol) registered" bs_wait_registered carol 10
check "carol comes Online in bob's contact list" wait_until 10 carol_is Online
bs_stop carol
check "carol's baresip stopped: she goes Offline in bob's list" wait_until 10 carol_is Offline
stop_clients
finish
