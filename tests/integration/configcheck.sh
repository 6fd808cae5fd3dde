#!/bin/sh
# sipd -t checks a configuration and exits: 0 for the shipped sample, non-zero with file:line for
# unknown keys, out-of-range values and syntax errors; -t binds nothing and starts nothing.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port) || fail "no free port"

# t NAME: run sipd -t on $TMP/NAME.conf, output in $TMP/NAME.out, status in $st
t() {
	timeout 10 "$SIPD" -t -c "$TMP/$1.conf" >"$TMP/$1.out" 2>&1
	st=$?
	say "sipd -t $1.conf: status $st: $(head -n 3 "$TMP/$1.out" | tr '\n' ' ')"
}

cp "$SRCDIR/etc/sipd.conf" "$TMP/sample.conf"
t sample
check "etc/sipd.conf: sipd -t exits 0" test "$st" -eq 0

write_config "$TMP/ours.conf"
t ours
check "the test config: sipd -t exits 0" test "$st" -eq 0
check "sipd -t does not bind its listeners (port still free)" "$PYTHON" -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $PORT))"

write_config "$TMP/unknown.conf" 'bogus: {' '	no_such_key = 1;' '};'
line=$(grep -n '^bogus' "$TMP/unknown.conf" | cut -d: -f1)
t unknown
check "unknown group: non-zero exit" test "$st" -ne 0
check "unknown group: message names $TMP/unknown.conf:$line" grep -q "unknown.conf:$line\\b" "$TMP/unknown.out"
check "unknown group: message names it" grep -q "bogus" "$TMP/unknown.out"

write_config "$TMP/unknown2.conf" 'log: { colour = "red"; };'
t unknown2
check "unknown key inside a known group (a second log group): non-zero exit" test "$st" -ne 0

sed 's/^\(log: { level = "debug";\) };/\1 colour = "red"; };/' "$TMP/ours.conf" >"$TMP/unknown3.conf"
line=$(grep -n colour "$TMP/unknown3.conf" | cut -d: -f1)
t unknown3
check "unknown key log.colour: non-zero exit" test "$st" -ne 0
check "unknown key log.colour: message names unknown3.conf:$line" grep -q "unknown3.conf:$line\\b" "$TMP/unknown3.out"

write_config "$TMP/range.conf" 'timers: {' '	t1 = 5;' '};'
line=$(grep -n 't1 = 5' "$TMP/range.conf" | cut -d: -f1)
t range
check "out-of-range timers.t1: non-zero exit" test "$st" -ne 0
check "out-of-range timers.t1: message names range.conf:$line" grep -q "range.conf:$line\\b" "$TMP/range.out"

write_config "$TMP/type.conf" 'limits: {' '	max_headers = "many";' '};'
line=$(grep -n 'max_headers' "$TMP/type.conf" | cut -d: -f1)
t type
check "wrong type for limits.max_headers: non-zero exit" test "$st" -ne 0
check "wrong type: message names type.conf:$line" grep -q "type.conf:$line\\b" "$TMP/type.out"

printf 'log: {\n\tlevel = ;\n};\n' >"$TMP/syntax.conf"
t syntax
check "syntax error: non-zero exit" test "$st" -ne 0
check "syntax error: message names syntax.conf:2" grep -q "syntax.conf:2\\b" "$TMP/syntax.out"

write_config "$TMP/level.conf"
sed -i 's/level = "debug"/level = "loud"/' "$TMP/level.conf"
t level
check "bad log.level value: non-zero exit" test "$st" -ne 0

t missing-file-that-does-not-exist
check "missing config file: non-zero exit" test "$st" -ne 0

finish
