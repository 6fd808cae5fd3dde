#!/bin/sh
# Install what the tests need, build from scratch, run every unit and integration test, and
# finish with a line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_packages $BUILD_DEPS $TEST_DEPS || exit 1
build_sipd ${SIPD_CONFIGURE_ARGS:-} || exit 1
make -j"$(nproc)" check >make-check.out 2>&1
rc=$?
grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP):' make-check.out || true
for f in $(grep -lE '^:test-result: (FAIL|ERROR|XPASS)' $(find tests -name '*.trs') 2>/dev/null); do
	echo "==== ${f%.trs}.log"
	tail -n 60 "${f%.trs}.log"
done
pass=$(sed -n 's/^# PASS: *//p' test-suite.log 2>/dev/null | head -1)
fail=$(sed -n 's/^# FAIL: *//p' test-suite.log 2>/dev/null | head -1)
err=$(sed -n 's/^# ERROR: *//p' test-suite.log 2>/dev/null | head -1)
xpass=$(sed -n 's/^# XPASS: *//p' test-suite.log 2>/dev/null | head -1)
skip=$(sed -n 's/^# SKIP: *//p' test-suite.log 2>/dev/null | head -1)
failed=$(( ${fail:-0} + ${err:-0} + ${xpass:-0} ))
if [ -z "$pass" ]; then
	tail -n 40 make-check.out
	failed=$(( failed + 1 ))
	pass=0
fi
[ $rc -ne 0 ] && [ $failed -eq 0 ] && failed=1
echo "${pass} passed, ${failed} failed, ${skip:-0} skipped"
[ $failed -eq 0 ]
