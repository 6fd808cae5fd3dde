#!/bin/sh
# Quick start: install the packages, build, create ./state with the SQLite database and run
# sipd in the foreground on port 5060 (UDP and TCP, IPv4 and IPv6) with the sample config.
set -e
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_packages $BUILD_DEPS
build_sipd
mkdir -p state
if [ ! -f state/sipd.conf ]; then
	sed "s|^[[:space:]]*#path = .*|	path = \"$PWD/state/sipd.db\";|" etc/sipd.conf > state/sipd.conf
fi
echo "sipd: config state/sipd.conf, database state/sipd.db; add users with ./sipctl -c state/sipd.conf user add NAME"
exec ./sipd -f -c state/sipd.conf
