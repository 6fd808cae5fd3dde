#!/bin/sh
# tests/bench/msgstore.sh [COUNT]: offline messages (msgstore.c).  COUNT (1000) MESSAGEs to an
# offline user, sent at once by sipsend.py (each answered 202 after its row's group commit);
# then the user's phone (msgphone.py, UDP, answering 200) registers and receives them one at a
# time, in order.  Prints the store rate, the delivery rate (from the 200 to the REGISTER until
# the last MESSAGE arrived) and sipd's CPU per delivered message.  SIPD_BIN: another binary.
set -eu
count=${1:-1000}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=$(mktemp -d /tmp/sipd-bench-msg.XXXXXX)
port=17170
cleanup() { sh "$here/sipd.sh" stop "$dir" "$port" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
pid=$(sh "$here/sipd.sh" start "$dir" "$port" 'auth: { register = 0; };' \
    "messages: { max_per_user = $count; max_bytes_per_user = 1073741824; };")
printf 'pw\n' | "$top/sipctl" -c "$dir/sipd.conf" user add bob >/dev/null
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
rows() { sqlite3 -readonly "$dir/sipd.db" 'SELECT count(*) FROM messages'; }
t0=$(date +%s.%N)
python3 "$top/tests/integration/sipsend.py" -p "$port" -m MESSAGE -u sip:bob@bench.local \
    --ctype 'text/plain;charset=UTF-8' --body 'a stored message of about sixty bytes, give or take.' \
    --count "$count" -n "$count" -w 5 >"$dir/send.out" 2>&1 &
i=0
while [ "$(rows)" -lt "$count" ] && [ $i -lt 600 ]; do sleep 0.01; i=$((i + 1)); done
t1=$(date +%s.%N)
wait
stored=$(rows)
echo "stored $stored of $count in $(echo "$t1 - $t0" | bc) s (committed rows, polled):" \
    "$(echo "scale=0; $stored / ($t1 - $t0)" | bc) messages/s"
c0=$(cpu)
python3 "$top/tests/integration/msgphone.py" --server-port "$port" --aor sip:bob@bench.local \
    --name bob --dir "$dir/phone" --count "$count" --linger 0.2 --time 300
c1=$(cpu)
n=$(ls "$dir/phone" | grep -c '^msg\.' || true)
tr=$(stat -c %.Y "$dir/phone/registered") tl=$(stat -c %.Y "$dir/phone/msg.$n")
echo "delivered $n in $(echo "$tl - $tr" | bc) s: $(echo "scale=0; $n / ($tl - $tr)" | bc) messages/s;" \
    "sipd CPU $(echo "scale=1; ($c1 - $c0) * 1000000 / $hz / $n" | bc) us per delivered message;" \
    "rows left $(sqlite3 -readonly "$dir/sipd.db" 'SELECT count(*) FROM messages')"
