#!/bin/sh
# The manual pages: `mandoc -T lint` reports nothing on sipd(8), sipctl(8) and sipd.conf(5)
# (apart from cross-references among these three, which mandoc can only find once they are
# installed under /usr/share/man: each such reference is checked to exist in man/ instead);
# `man -l` renders each without a groff warning; sipd(8) documents every option sipd's usage
# lists, sipctl(8) every sipctl command, and both the signals and the files.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null 2>&1 || skip "mandoc not installed (Debian: mandoc)"
M=$SRCDIR/man
for p in sipd.8 sipctl.8 sipd.conf.5; do
	mandoc -T lint "$M/$p" >"$TMP/lint.out" 2>&1
	grep -v -E "referenced manual not found: Xr (sipd 8|sipctl 8|sipd\.conf 5)( \([0-9]+ times\))?$" \
		"$TMP/lint.out" >"$TMP/lint.rest"
	sed 's/^/    | /' "$TMP/lint.rest"
	check "mandoc -T lint $p: nothing reported" test ! -s "$TMP/lint.rest"
	for x in $(sed -n 's/^\.Xr \(sip[a-z.]*\) \([58]\).*/\1.\2/p' "$M/$p" | sort -u); do
		check "$p: cross-reference $x exists in man/" test -f "$M/$x"
	done
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man --warnings -l "$M/$p" >"$TMP/render.out" 2>"$TMP/render.err"
		check "man -l $p renders" test -s "$TMP/render.out"
		sed 's/^/    | /' "$TMP/render.err"
		check "man -l $p: no warnings" test ! -s "$TMP/render.err"
	fi
done

# sipd(8): every option of the usage message, the signals, the files.
for o in $("$SIPD" -Z 2>&1 | sed -n 's/^  -\([a-zA-Z]\) .*/\1/p'); do
	check "sipd.8 documents -$o" grep -q "^\.It Fl $o\b" "$M/sipd.8"
done
for s in SIGHUP SIGTERM SIGINT; do
	check "sipd.8 documents $s" grep -Eq "Dv ([A-Z]+ , )?$s" "$M/sipd.8"
done
# sipctl(8): every command of the usage message.
SIPCTL=$(dirname "$SIPD")/sipctl
"$SIPCTL" -h >"$TMP/sipctl.usage" 2>&1
for c in $(sed -n 's/^  \([a-z]*\) \([a-z|]*\).*/\1:\2/p' "$TMP/sipctl.usage"); do
	cmd=${c%%:*}
	for sub in $(echo "${c#*:}" | tr '|' ' '); do
		check "sipctl.8 documents '$cmd $sub'" grep -Eq "Cm ($cmd $sub|$cmd [a-z |]*\b$sub\b)" "$M/sipctl.8"
	done
done
for c in $(sed -n 's/^  \([a-z]*\)  .*/\1/p' "$TMP/sipctl.usage"); do
	check "sipctl.8 documents '$c'" grep -q "^\.It Cm $c\b" "$M/sipctl.8"
done
for p in sipd.8 sipctl.8 sipd.conf.5; do
	check "$p has FILES" grep -q '^\.Sh FILES' "$M/$p"
done
check "sipd.conf.5 describes the database tables" grep -q '^\.It Sy location' "$M/sipd.conf.5"
check "sipd.conf.5 has a Linphone example" grep -q 'Linphone' "$M/sipd.conf.5"
finish
