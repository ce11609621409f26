#!/usr/bin/env bash
# Runs one test command, shows its output, and fails the run when it executed no test or
# skipped/ignored any (a skipped test counts as a failed one here).
# Usage: scripts/run-tests.sh <label> <command…>
set -uo pipefail
label=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "$label: FAILED (exit $status)"
  exit "$status"
fi
# node --test (TAP/spec summary lines) and cargo/wasm-bindgen-test ("test result:" lines).
passed=0
skipped=0
while read -r n; do passed=$((passed + n)); done < <(grep -E '^(# |ℹ )pass [0-9]+' "$log" | grep -oE '[0-9]+$')
while read -r n; do skipped=$((skipped + n)); done < <(grep -E '^(# |ℹ )(skipped|todo) [0-9]+' "$log" | grep -oE '[0-9]+$')
while read -r line; do
  p=$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")
  i=$(sed -E 's/.* ([0-9]+) ignored.*/\1/' <<<"$line")
  passed=$((passed + p))
  skipped=$((skipped + i))
done < <(grep -E 'test result: ok\. [0-9]+ passed' "$log")
if [ "$skipped" -ne 0 ]; then
  echo "$label: FAILED: $skipped test(s) skipped, ignored or todo"
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "$label: FAILED: no test ran"
  exit 1
fi
echo "$label: $passed passed, 0 failed, 0 skipped"
# Totals for the closing line of `make test`.
mkdir -p test-output
echo "$label $passed" >>test-output/test-counts.txt
