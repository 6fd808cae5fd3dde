#!/bin/sh
# The location table is readable with the sqlite3 CLI while sipd runs (README): a reader that
# keeps a read transaction open must not make REGISTERs fail.  An `sqlite3 -readonly` shell
# runs BEGIN and a SELECT, then waits (its input is a fifo we hold open) while SIPp sends 500
# REGISTERs; every one must get 200.  The reader still sees its snapshot; after it commits and
# closes, the table holds all 500 rows.
SIPD_DOMAINS='"example.test"'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reglib.sh"

N=500
start_sipd 'auth: { register = 0; };'

FIFO=$TMP/reader.fifo
mkfifo "$FIFO" || fail "mkfifo"
# The reader blocks opening the fifo until we open it for writing (fd 3) just below.
spawn sh -c 'exec stdbuf -oL sqlite3 -readonly -batch "$1" <"$2" >"$3" 2>&1' sh "$TMP/sipd.db" "$FIFO" \
    "$TMP/reader.out"
READER=$BG_PID
exec 3>"$FIFO"
printf 'BEGIN;\nSELECT count(*) FROM location;\n' >&3
wait_until 10 test -s "$TMP/reader.out"
same "$(cat "$TMP/reader.out")" 0 "the reader's transaction is open (it counted the empty table)"
check "the reader is still running" kill -0 "$READER"

if run_sipp reg_many.xml $N -r 250 -key domain "$REG_DOMAIN"; then
	ok "sipp: $N REGISTERs while the reader holds its transaction, every one answered 200"
else
	not_ok "sipp: $N REGISTERs while a reader holds a transaction"
fi
same "$(grep -c 'method=REGISTER .*status=200' "$TMP/sipd.log")" $N "sipd logged $N REGISTERs answered 200"
same "$(grep -c 'method=REGISTER .*status=[^2]' "$TMP/sipd.log")" 0 "sipd logged no failed REGISTER"
same "$(grep -cE '^[0-9:.]+ (warning|error): ' "$TMP/sipd.log")" 0 "the sipd log has no warning or error"
check "the reader is still running" kill -0 "$READER"

# Still inside its transaction, the reader sees its snapshot; then it ends the transaction.
printf 'SELECT count(*) FROM location;\nCOMMIT;\nSELECT count(*) FROM location;\n' >&3
exec 3>&-
check "the reader exits once its input is closed" wait_until 5 gone "$READER"
same "$(tr '\n' ' ' <"$TMP/reader.out")" "0 0 $N " "the reader saw its snapshot (0), then all $N rows"
same "$(db "SELECT count(*) FROM registrations WHERE aor LIKE 'sip:user%@$REG_DOMAIN'")" $N \
    "the registrations view shows $N bindings"

finish
