#!/bin/sh
# Build the libFuzzer harnesses (tests/fuzz) out of tree in build-fuzz/ with clang, seed them
# from the conformance corpus (../shared/conformance) and tests/fuzz/seeds, and run each for
# FUZZ_SECONDS (default 60): message parsing + validation, the TCP framer, the digest parser,
# URIs, SDP rewriting, the proxy's message editing, sipd's parser against libosip2's
# (osipdiff), and GRUUs.  Prints one line per harness:
#   PASS: fuzz/NAME: N runs in S s, corpus C   or   FAIL: fuzz/NAME: ... (crash file kept)
# and exits non-zero when one found a crash.  FUZZ_ONLY="sipmsg uri" runs a subset; FUZZ_SEED
# fixes libFuzzer's random seed (0, the default, picks one).
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
SECS=${FUZZ_SECONDS:-60}
CC_FUZZ=${CC_FUZZ:-clang-14}
B=$TOP/build-fuzz
command -v "$CC_FUZZ" >/dev/null 2>&1 || { echo "FAIL: fuzz: $CC_FUZZ not found (apt-get install clang-14 libclang-rt-14-dev)"; exit 1; }
# a copy of the sources (the source tree itself may be configured for the normal build)
. scripts/copytree.sh
copy_tree "$B" || { echo "FAIL: fuzz: copying the sources"; exit 1; }
if [ ! -f "$B/Makefile" ]; then
	(cd "$B" && ./configure -q --enable-fuzzing CC="$CC_FUZZ") >"$B/configure.out" 2>&1 ||
		{ tail -n 20 "$B/configure.out"; echo "FAIL: fuzz: configure --enable-fuzzing"; exit 1; }
fi
(cd "$B" && make src/schema.inc src/schema_pg.inc src/console_assets.inc && make -j"$(nproc)" tests/fuzz/fuzz_sipmsg tests/fuzz/fuzz_framing tests/fuzz/fuzz_auth \
    tests/fuzz/fuzz_uri tests/fuzz/fuzz_sdp tests/fuzz/fuzz_stun tests/fuzz/fuzz_proxy_edit tests/fuzz/fuzz_osipdiff tests/fuzz/fuzz_gruu tests/fuzz/fuzz_pidf) >"$B/make.out" 2>&1 ||
	{ tail -n 30 "$B/make.out"; echo "FAIL: fuzz: build"; exit 1; }

# Seeds: each conformance message (for sipmsg prefixed by the mode byte: 1 datagram, 0 stream),
# its Request-URI, its Authorization values; plus the hand-written seeds.
CORPUS=${SIPD_SHARED:-$TOP/../shared}/conformance
[ -d "$CORPUS" ] || echo "fuzz: no conformance corpus at $CORPUS (set SIPD_SHARED): hand-written seeds only"
S=$B/seeds
rm -rf "$S"
mkdir -p "$S/sipmsg" "$S/framing" "$S/uri" "$S/auth" "$S/sdp" "$S/stun" "$S/proxy_edit" "$S/osipdiff" "$S/gruu" "$S/pidf"
cp "$TOP"/tests/fuzz/seeds/pidf/* "$S/pidf/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/sipmsg/* "$S/sipmsg/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/stun/* "$S/stun/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/sdp/* "$S/sdp/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/framing/* "$S/framing/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/uri/* "$S/uri/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/auth/* "$S/auth/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/proxy_edit/* "$S/proxy_edit/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/osipdiff/* "$S/osipdiff/" 2>/dev/null
cp "$TOP"/tests/fuzz/seeds/gruu/* "$S/gruu/" 2>/dev/null
if [ -d "$CORPUS" ]; then
	python3 - "$CORPUS" "$S" <<'PY'
import glob, os, re, sys
src, out = sys.argv[1], sys.argv[2]
for i, f in enumerate(sorted(glob.glob(os.path.join(src, "**", "*.sip"), recursive=True))):
    m = open(f, "rb").read()
    for mode in (0, 1):
        open(os.path.join(out, "sipmsg", "%d-%d" % (i, mode)), "wb").write(bytes([mode]) + m)
    # proxy_edit: the first byte's other bits pick the edits (Record-Route, Route lines...)
    for flags in (1, 0x1d, 0x2e):
        open(os.path.join(out, "proxy_edit", "%d-%d" % (i, flags)), "wb").write(bytes([flags]) + m)
    open(os.path.join(out, "framing", str(i)), "wb").write(m)
    open(os.path.join(out, "osipdiff", str(i)), "wb").write(m)
    first = m.split(b"\r\n", 1)[0].split(b" ")
    if len(first) >= 2:
        open(os.path.join(out, "uri", str(i)), "wb").write(first[1])
    hb = m.split(b"\r\n\r\n", 1)
    if len(hb) == 2 and (b"v=0" in hb[1]):
        ct = 1 if b"multipart" in hb[0].lower() else 0
        open(os.path.join(out, "sdp", "c%d" % i), "wb").write(bytes([ct]) + hb[1])
    for j, a in enumerate(re.findall(rb"(?im)^(?:proxy-)?authorization[ \t]*:[ \t]*(.*)$", m)):
        open(os.path.join(out, "auth", "%d-%d" % (i, j)), "wb").write(a.rstrip(b"\r"))
PY
fi

rc=0
for name in ${FUZZ_ONLY:-sipmsg framing auth uri sdp stun proxy_edit osipdiff gruu pidf}; do
	work=$B/corpus-$name
	mkdir -p "$work" "$B/artifacts"
	"$B/tests/fuzz/fuzz_$name" -max_total_time="$SECS" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="$B/artifacts/$name-" -print_final_stats=1 -seed="${FUZZ_SEED:-0}" "$work" "$S/$name" \
	    >"$B/fuzz-$name.log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz-$name.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$B/fuzz-$name.log" | tail -n 1)
	n=$(ls "$work" | wc -l)
	if [ $st -eq 0 ]; then
		echo "PASS: fuzz/$name: ${runs:-?} runs in ${SECS} s, $cov, corpus $n"
	else
		echo "FAIL: fuzz/$name: exit $st after ${runs:-?} runs ($(ls "$B/artifacts" | grep "^$name-" | tr '\n' ' '))"
		grep -m1 -A25 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$B/fuzz-$name.log"
		rc=1
	fi
done
exit $rc
