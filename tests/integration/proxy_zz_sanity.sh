. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
start_sipd 'auth: { register = 0; };'
callee bob "sip:bob@127.0.0.1:$PORT" --invite "100,180,200@0.3"
BOBPORT=$CALLEE_PORT
PORT0=$PORT; PORT=$BOBPORT
caller alice --to "sip:bob@127.0.0.1:$BOBPORT" --bye
PORT=$PORT0
show bob; show alice
cat $TMP/alice/stdout
caller carol --to "sip:bob@127.0.0.1:$PORT" --bye; show carol
