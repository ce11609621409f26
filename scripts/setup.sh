#!/usr/bin/env bash
# Idempotent installs for `make build`, `make test` and `make demo`, from the registries only
# (crates.io, npm, Debian). Each step checks what is there (and its version) before installing.
# Usage: scripts/setup.sh [rust] [wasm-bindgen] [node] [browser] [firefox]   (no argument: all)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

setup_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  for component in clippy rustfmt; do
    if ! rustup component list --installed | grep -q "^${component}"; then
      log "adding rustup component ${component}"
      rustup component add "${component}"
    fi
  done
}

# The wasm-bindgen CLI must equal the wasm-bindgen crate version in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_wasm_bindgen() {
  local want have
  want=$(wasm_bindgen_version)
  [ -n "$want" ] || { log "wasm-bindgen is not in Cargo.lock"; exit 1; }
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    log "installing wasm-bindgen-cli ${want} (found '${have:-none}'; takes ~2 minutes)"
    # Without --locked: the CLI's own lockfile can name a crate version this registry lacks.
    cargo install wasm-bindgen-cli --version "=${want}" --locked \
      || cargo install wasm-bindgen-cli --version "=${want}"
  fi
}

setup_node() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
     || [ ! -e node_modules/.package-lock.json ]; then
    if [ -L node_modules ]; then
      # npm ci empties node_modules first: through a link that is another checkout's packages.
      echo "setup: node_modules is a link to $(readlink node_modules) and would be reinstalled;" \
        "npm ci would empty that directory. Copy it instead (cp -a …/node_modules . &&" \
        "touch node_modules/.package-lock.json) or remove the link." >&2
      exit 1
    fi
    log "installing Node packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

setup_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      chromium chromium-driver >/dev/null
  fi
}

# Firefox ESR from Debian, for tests/firefox/ (driven over WebDriver BiDi by puppeteer-core,
# which downloads no browser: package.json has puppeteer-core, not puppeteer).
setup_firefox() {
  if ! command -v firefox-esr >/dev/null; then
    log "installing Debian's firefox-esr"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      firefox-esr >/dev/null
  fi
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(rust wasm-bindgen node browser firefox)
for step in "${steps[@]}"; do
  case "$step" in
    rust) setup_rust ;;
    wasm-bindgen) setup_wasm_bindgen ;;
    node) setup_node ;;
    browser) setup_browser ;;
    firefox) setup_firefox ;;
    *) log "unknown step $step"; exit 2 ;;
  esac
done
