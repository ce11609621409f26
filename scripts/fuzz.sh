#!/usr/bin/env bash
# `make fuzz`: installs a nightly toolchain and cargo-fuzz when they are missing (rustup and
# crates.io only), then runs each cargo-fuzz target of fuzz/ for FUZZ_SECONDS (default 60)
# seconds, starting from the committed seeds in fuzz/seeds/<target>/ (copied into the working
# corpus fuzz/corpus/<target>/, which is git-ignored, as are fuzz/artifacts/). Prints one line per
# target: executions, seconds, crashes. Exits non-zero if any target found a crash.
# Usage: scripts/fuzz.sh [target…]          (no argument: every target)
#        scripts/fuzz.sh --setup             (installs only)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.1
SECONDS_EACH=${FUZZ_SECONDS:-60}
ALL_TARGETS=(token_response redirect endpoint chilkat_import classify_api)
OUT=fuzz/artifacts

log() { printf '[fuzz] %s\n' "$*" >&2; }

setup() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    log "installing the nightly toolchain (rustup)"
    rustup toolchain install nightly --profile minimal
  fi
  local have
  have=$(cargo +nightly fuzz --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$CARGO_FUZZ_VERSION" ]; then
    log "installing cargo-fuzz ${CARGO_FUZZ_VERSION} (found '${have:-none}'; crates.io, about a minute)"
    # Built with the default (stable) toolchain: its locked dependencies (rustix 0.36) no longer
    # compile on nightly. Without --locked as a fallback, as scripts/setup.sh does.
    cargo install cargo-fuzz --version "=${CARGO_FUZZ_VERSION}" --locked \
      || cargo install cargo-fuzz --version "=${CARGO_FUZZ_VERSION}"
  fi
}

setup
[ "${1:-}" = --setup ] && exit 0

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] && [ "$SECONDS_EACH" -gt 0 ] \
  || { log "FUZZ_SECONDS must be a whole number of seconds, got '$SECONDS_EACH'"; exit 2; }

# Safe Rust only (no unsafe in the crate): no sanitizer, so each second runs ~10x more inputs.
# Debug assertions (overflow checks) stay on.
FUZZ_FLAGS=(--sanitizer none)
log "building ${#targets[@]} target(s) with nightly"
for t in "${targets[@]}"; do cargo +nightly fuzz build "${FUZZ_FLAGS[@]}" "$t"; done

mkdir -p "$OUT/logs"
summary="$OUT/summary.txt"
printf '%-16s %12s %8s %8s  %s\n' target executions seconds crashes artifact | tee "$summary"
failed=0
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus" "$OUT/$t"
  cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
  logfile="$OUT/logs/$t.log"
  start=$(date +%s.%N)
  rc=0
  cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$t" "$corpus" -- \
    -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    >"$logfile" 2>&1 || rc=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
  # libFuzzer's final count; after a crash (no final stats) the last progress line's, a lower bound.
  execs=$(awk -F: '/stat::number_of_executed_units/ { n = $NF; gsub(/[^0-9]/, "", n) }
                   /^#[0-9]+/ { p = substr($1, 2); sub(/[^0-9].*/, "", p) }
                   END { print (n != "" ? n : ">=" p + 0) }' "$logfile")
  artifact=$(grep -o "$OUT/$t/[a-z]*-[0-9a-f]*" "$logfile" | head -1 || true)
  crashes=0
  if [ "$rc" -ne 0 ]; then
    crashes=1
    failed=1
    grep -m1 -A3 "panicked at" "$logfile" >&2 || tail -20 "$logfile" >&2
  fi
  printf '%-16s %12s %8s %8s  %s\n' "$t" "$execs" "$secs" "$crashes" "${artifact:--}" | tee -a "$summary"
done
log "logs in $OUT/logs/, summary in $summary"
[ "$failed" -eq 0 ] || { log "a target crashed: reproduce with cargo +nightly fuzz run ${FUZZ_FLAGS[*]} <target> <artifact>"; exit 1; }
