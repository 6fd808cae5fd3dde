#!/bin/sh
# make install DESTDIR=...: sipd in sbin, sipctl in bin, the sample config in SYSCONFDIR/sipd
# (valid for sipd -t), the schema in DATADIR/sipd, the unit in the systemd unit directory with
# this build's paths, man pages in man5/man8.  An administrator's edited sipd.conf survives a
# second install and the uninstall, which removes the rest.
. "$(dirname "$0")/lib.sh"

B=${BUILDDIR:-$(dirname "$SIPD")}
[ -f "$B/Makefile" ] || skip "no build tree (Makefile) next to $SIPD"
command -v "${MAKE:-make}" >/dev/null 2>&1 || skip "make not found"
# a make of its own: not a job of the make running the tests
unset MAKEFLAGS MFLAGS MAKELEVEL
MK="${MAKE:-make} -s --no-print-directory -C $B"
D=$TMP/dest
$MK print-install-dirs >"$TMP/dirs" 2>"$TMP/dirs.err" || { cat "$TMP/dirs.err"; fail "make print-install-dirs"; }
. "$TMP/dirs"
$MK install DESTDIR="$D" >"$TMP/install.out" 2>&1 || { cat "$TMP/install.out"; fail "make install failed"; }
(cd "$D" && find . ! -type d | sort | sed 's/^/    | /')

check "sipd in sbindir ($sbindir), executable" test -x "$D$sbindir/sipd"
check "sipctl in bindir ($bindir), executable" test -x "$D$bindir/sipctl"
check "sample config in $sipdconfdir" cmp -s "$SRCDIR/etc/sipd.conf" "$D$sipdconfdir/sipd.conf"
check "the installed sample config passes sipd -t" "$D$sbindir/sipd" -t -c "$D$sipdconfdir/sipd.conf"
check "schema in $pkgdatadir" cmp -s "$SRCDIR/db/schema.sql" "$D$pkgdatadir/schema.sql"
for p in man8/sipd.8 man8/sipctl.8 man5/sipd.conf.5; do
	dir=$man8dir; case $p in man5/*) dir=$man5dir ;; esac
	check "man page $p installed" cmp -s "$SRCDIR/man/${p#*/}" "$D$dir/${p#*/}"
done
if [ "$systemdsystemunitdir" != no ] && [ -n "$systemdsystemunitdir" ]; then
	U=$D$systemdsystemunitdir/sipd.service
	check "unit in $systemdsystemunitdir" test -f "$U"
	check "the unit starts $sbindir/sipd with $sipdconfdir/sipd.conf" \
		grep -qx "ExecStart=$sbindir/sipd -f -c $sipdconfdir/sipd.conf" "$U"
	check "no @placeholder@ left in the unit" sh -c "! grep -q '@[a-z]*@' '$U'"
else
	say "configured without a systemd unit directory: unit not installed"
fi

# An administrator's config is never overwritten, nor removed by uninstall.
echo "# edited by the administrator" >>"$D$sipdconfdir/sipd.conf"
$MK install DESTDIR="$D" >"$TMP/install2.out" 2>&1 || fail "second make install failed"
check "second install keeps the edited sipd.conf" grep -q "edited by the administrator" "$D$sipdconfdir/sipd.conf"
$MK uninstall DESTDIR="$D" >"$TMP/uninstall.out" 2>&1 || fail "make uninstall failed"
check "uninstall removes sipd" test ! -e "$D$sbindir/sipd"
check "uninstall removes the man pages" test ! -e "$D$man8dir/sipd.8"
check "uninstall keeps the edited sipd.conf" grep -q "edited by the administrator" "$D$sipdconfdir/sipd.conf"
finish
