# copytree.sh - sourced by scripts/fuzz.sh and scripts/test.sh: copy_tree DIR puts a copy of the
# source tree (files git knows or would add; else everything but build products) into DIR and
# runs autoreconf there when it has no configure, so a second build (sanitizers, fuzzing) can be
# configured in DIR while the source tree keeps its own build.  Files that did not change keep
# their time stamps, so make rebuilds only what changed.
copy_tree() {
	mkdir -p "$1" || return 1
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -z | grep -zv '^build-' |
		    xargs -0 -I{} sh -c 'd="$1/$(dirname "{}")"; mkdir -p "$d"; [ "{}" -nt "$1/{}" ] || [ ! -e "$1/{}" ] && cp -p "{}" "$1/{}"; exit 0' _ "$1"
	else
		tar --exclude='./build-*' --exclude='*.o' --exclude='*.a' --exclude=./Makefile \
		    --exclude=./config.status --exclude=./config.log -cf - . | (cd "$1" && tar xf -)
	fi
	[ -x "$1/configure" ] || (cd "$1" && autoreconf -fi >/dev/null 2>&1)
}
