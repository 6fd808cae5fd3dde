#!/bin/sh
# systemd/sipd.service: `systemd-analyze verify` reports nothing (with the unit's paths pointed
# at this build and its man pages findable), and `systemd-analyze security` rates its exposure
# "OK" or better (the score is printed).  Skipped only when systemd-analyze is absent.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not installed (Debian: systemd)"
B=${BUILDDIR:-$(dirname "$SIPD")}
[ -f "$B/systemd/sipd.service" ] || fail "$B/systemd/sipd.service was not built (make all-local)"
SBIN=$(sed -n 's|^ExecStart=\(.*\)/sipd -f -c .*|\1|p' "$B/systemd/sipd.service")
CONF=$(sed -n 's|^ExecStart=.* -c ||p' "$B/systemd/sipd.service")
write_config "$TMP/sipd.conf"
mkdir -p "$TMP/unit" "$TMP/man/man5" "$TMP/man/man8"
sed -e "s|$SBIN/sipd|$SIPD|g" -e "s|$CONF|$TMP/sipd.conf|g" "$B/systemd/sipd.service" >"$TMP/unit/sipd.service"
ln -s "$SRCDIR/man/sipd.8" "$SRCDIR/man/sipctl.8" "$TMP/man/man8/"
ln -s "$SRCDIR/man/sipd.conf.5" "$TMP/man/man5/"

MANPATH=$TMP/man SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$TMP/unit/sipd.service" >"$TMP/verify.out" 2>&1
st=$?
sed 's/^/    | /' "$TMP/verify.out"
same "$st" 0 "systemd-analyze verify exit status"
check "systemd-analyze verify says nothing" test ! -s "$TMP/verify.out"

for k in Type=notify ExecReload= DynamicUser=yes StateDirectory=sipd NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= \
    SystemCallFilter=@system-service RestrictAddressFamilies= WatchdogSec=; do
	check "unit sets $k" grep -q "^$k" "$TMP/unit/sipd.service"
done
check "no capability in the bounding set (5060 needs none)" grep -qx "CapabilityBoundingSet=" "$TMP/unit/sipd.service"

if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	systemd-analyze security --offline=yes --no-pager "$TMP/unit/sipd.service" >"$TMP/security.out" 2>&1
	line=$(grep 'Overall exposure level' "$TMP/security.out")
	say "$line"
	score=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
	case ${score#* } in
	SAFE|OK) ok "exposure $score (OK or better)" ;;
	*) grep '✗' "$TMP/security.out" | sed 's/^/    | /'; not_ok "exposure '$score', want OK or better" ;;
	esac
else
	say "systemd-analyze security has no --offline here: exposure not scored"
fi
finish
