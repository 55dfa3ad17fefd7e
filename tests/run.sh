#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/run.sh: install, build and run every test of sluice, twice: a
# normal build with warnings as errors, and a build with AddressSanitizer
# and UndefinedBehaviorSanitizer.  Prints "N passed, N failed" last.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
status=0
run_suite() {
	local dir=$1
	shift
	if ! BUILD_DIR=$dir ./bootstrap.sh "$@"; then
		echo "tests/run.sh: the build in $dir failed"
		failed=$((failed + 1))
		status=1
		return
	fi
	if ! make -C "$dir" -j"$(nproc)" check >"$dir/check.out" 2>&1; then
		status=1
	fi
	grep -E '^(# |FAIL|ERROR|XPASS)' "$dir/check.out" || true
	if grep -qE '^(FAIL|ERROR)' "$dir/check.out"; then
		for log in $(grep -lE '^(not ok|FAIL|ERROR)' "$dir"/tests/*.log 2>/dev/null); do
			echo "---- $log"
			grep -E '^not ok|^#|rror' "$log" | head -40
		done
	fi
	local p f e
	p=$(sed -n 's/^# PASS: *//p' "$dir/check.out" | tail -1)
	f=$(sed -n 's/^# FAIL: *//p' "$dir/check.out" | tail -1)
	e=$(sed -n 's/^# ERROR: *//p' "$dir/check.out" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
	if [ -z "$p" ]; then
		echo "tests/run.sh: no test summary from $dir"
		tail -20 "$dir/check.out"
		failed=$((failed + 1))
		status=1
	fi
}

echo "== build with -Werror, run the tests"
run_suite build --enable-werror
echo "== build with ASan and UBSan, run the tests"
run_suite build-sanitizers --enable-werror --enable-sanitizers
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && exit "$status"
exit 1
