. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
start_sipd 'auth: { register = 0; };'
$SIPSEND -p $PORT -m INVITE -u "sip:bob@127.0.0.1:$PORT" -w 2 -v --ack
