# scripts/deps.sh - Debian 12 packages sipd needs; sourced by quickstart.sh and test.sh.
BUILD_DEPS="build-essential autoconf automake libtool pkg-config libosip2-dev libevent-dev
 libsqlite3-dev sqlite3 libpq-dev libconfig-dev libssl-dev libc-ares-dev check libqrencode-dev"
TEST_DEPS="sip-tester python3 openssl iproute2 util-linux procps valgrind baresip-core linphone-cli sox dnsmasq-base sqlite3 mandoc man-db systemd
 sipvicious fail2ban curl chromium chromium-driver python3-selenium postgresql"
# the fuzzing build (./configure --enable-fuzzing CC=clang-14): libFuzzer comes with clang
FUZZ_DEPS="clang-14 libclang-rt-14-dev"

# install_packages PKG... : apt-get install what is missing (run as root).
install_packages() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages:$missing (run as root to install them)" >&2
		return 1
	fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# build_sipd [configure args...]: configure (once) and make.
build_sipd() {
	[ -x configure ] || autoreconf -fi
	[ -f Makefile ] || ./configure "$@"
	make -j"$(nproc)"
}
