#!/bin/sh
# tests/bench/transport.sh [COUNT [CONNS]]: REGISTER cost over UDP, TCP and TLS (transport.py)
# against a sipd on 127.0.0.1:17080 (UDP+TCP) and 17081 (TLS, a throw-away EC certificate),
# registrar without authentication.  Defaults: 5000 refreshes per transport, 500 new connections.
set -eu
count=${1:-5000} conns=${2:-500}
here=$(cd "$(dirname "$0")" && pwd)
dir=/tmp/sipd-bench-transport
rm -rf "$dir"; mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=bench \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
pid=$("$here/sipd.sh" start "$dir" 17080 'auth: { register = 0; };' 'registrar: { max_bindings = 1000; };' \
    "tls: { certificate = \"$dir/cert.pem\"; private_key = \"$dir/key.pem\"; };")
# sipd.sh lists UDP and TCP: add the TLS listener
"$here/sipd.sh" stop "$dir" 17080
sed -i 's/"tcp:127.0.0.1:17080"\]/"tcp:127.0.0.1:17080", "tls:127.0.0.1:17081"]/' "$dir/sipd.conf"
"$here/../../sipd" -f -c "$dir/sipd.conf" >/dev/null 2>"$dir/sipd.log" &
pid=$!
echo $pid >"$dir/sipd.pid"
sleep 0.5
python3 "$here/transport.py" "$pid" 17080 17081 "$count" "$conns"
"$here/sipd.sh" stop "$dir" 17080
