#!/bin/sh
# Install what the tests need, build from scratch, run every unit and integration test, then
# (CI's sanitizer job) the whole suite again on an ASan+UBSan build in build-san/, then a short
# run of every libFuzzer harness (scripts/fuzz.sh, FUZZ_SECONDS each, default 45).  Finishes
# with one line "N passed, N failed" counting all three.
#   SIPD_TEST_SANITIZERS=0   skip the sanitizer pass      SIPD_TEST_FUZZ=0   skip fuzzing
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
. scripts/deps.sh
. scripts/copytree.sh
SAN=${SIPD_TEST_SANITIZERS:-1}
FUZZ=${SIPD_TEST_FUZZ:-1}
install_packages $BUILD_DEPS $TEST_DEPS $([ "$FUZZ" = 0 ] || echo $FUZZ_DEPS) || exit 1
# The conformance corpus sits beside the checkout; the copies in build-* find it through this.
[ -d "$TOP/../shared" ] && SIPD_SHARED=$(cd "$TOP/../shared" && pwd) && export SIPD_SHARED

total_pass=0
total_fail=0
total_skip=0

# suite DIR LABEL: make check in DIR, print its results, add them to the totals
suite() {
	_d=$1 _label=$2
	(cd "$_d" && make -j"$(nproc)" check) >"$_d/make-check.out" 2>&1
	_rc=$?
	grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP):' "$_d/make-check.out" |
	    sed "s|^\([A-Z]*:\) |\1 ${_label#suite/}|"
	for f in $(grep -lE '^:test-result: (FAIL|ERROR|XPASS)' $(find "$_d/tests" -name '*.trs') 2>/dev/null); do
		echo "==== ${f%.trs}.log"
		tail -n 60 "${f%.trs}.log"
	done
	_p=$(sed -n 's/^# PASS: *//p' "$_d/test-suite.log" 2>/dev/null | head -1)
	_f=$(sed -n 's/^# FAIL: *//p' "$_d/test-suite.log" 2>/dev/null | head -1)
	_e=$(sed -n 's/^# ERROR: *//p' "$_d/test-suite.log" 2>/dev/null | head -1)
	_x=$(sed -n 's/^# XPASS: *//p' "$_d/test-suite.log" 2>/dev/null | head -1)
	_s=$(sed -n 's/^# SKIP: *//p' "$_d/test-suite.log" 2>/dev/null | head -1)
	_failed=$(( ${_f:-0} + ${_e:-0} + ${_x:-0} ))
	if [ -z "$_p" ]; then
		tail -n 40 "$_d/make-check.out"
		_failed=$(( _failed + 1 ))
		_p=0
	fi
	[ $_rc -ne 0 ] && [ $_failed -eq 0 ] && _failed=1
	echo "(${_label%/}: ${_p} passed, ${_failed} failed, ${_s:-0} skipped)"
	total_pass=$(( total_pass + _p ))
	total_fail=$(( total_fail + _failed ))
	total_skip=$(( total_skip + ${_s:-0} ))
}

start=$(date +%s)
if build_sipd ${SIPD_CONFIGURE_ARGS:-}; then
	suite "$TOP" "suite/"
else
	echo "FAIL: build"
	total_fail=$(( total_fail + 1 ))
fi
echo "(normal suite: $(( $(date +%s) - start )) s)"

# Sanitizer job: the same suite on an ASan+UBSan build (lib.sh fails a test whose sipd log
# holds a sanitizer report; the unit tests abort on one).
if [ "$SAN" != 0 ]; then
	start=$(date +%s)
	B=$TOP/build-san
	if copy_tree "$B" && { [ -f "$B/Makefile" ] || (cd "$B" && ./configure -q --enable-sanitizers); } &&
	    (cd "$B" && make -j"$(nproc)") >"$B/build.out" 2>&1; then
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		    suite "$B" "sanitizers/"
	else
		tail -n 30 "$B/build.out" 2>/dev/null
		echo "FAIL: sanitizers/build"
		total_fail=$(( total_fail + 1 ))
	fi
	echo "(sanitizer suite: $(( $(date +%s) - start )) s)"
fi

# Fuzz smoke: every harness for FUZZ_SECONDS, seeded from the conformance corpus.
if [ "$FUZZ" != 0 ]; then
	start=$(date +%s)
	# a fixed seed: CI explores the same inputs each run (longer runs by hand find new ones)
	FUZZ_SECONDS=${FUZZ_SECONDS:-45} FUZZ_SEED=${FUZZ_SEED:-1} sh scripts/fuzz.sh >"$TOP/fuzz.out" 2>&1
	cat "$TOP/fuzz.out"
	_p=$(grep -c '^PASS: fuzz/' "$TOP/fuzz.out")
	_f=$(grep -c '^FAIL: fuzz' "$TOP/fuzz.out")
	[ "$_p" -eq 0 ] && [ "$_f" -eq 0 ] && _f=1
	total_pass=$(( total_pass + _p ))
	total_fail=$(( total_fail + _f ))
	echo "(fuzzing: $(( $(date +%s) - start )) s)"
fi

echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
[ $total_fail -eq 0 ]
