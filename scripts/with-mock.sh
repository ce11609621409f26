#!/usr/bin/env bash
# Starts the mock TikTok server on fixed ports (the wasm browser suites compile its URL in),
# runs the given command with MOCK_TIKTOK_URL / MOCK_TIKTOK_API_URL set, and stops the mock.
# Usage: scripts/with-mock.sh <command…>
set -euo pipefail
port=${MOCK_TIKTOK_PORT:-47817}
api_port=${MOCK_TIKTOK_API_PORT:-47818}
out=$(mktemp)
node tools/mock-tiktok/server.mjs --port "$port" --api-port "$api_port" >"$out" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 50); do
  grep -q '^MOCK_TIKTOK_API_URL=' "$out" && break
  if ! kill -0 "$mock_pid" 2>/dev/null; then
    echo "the mock TikTok server did not start (ports $port/$api_port busy?):" >&2
    cat "$out" >&2
    exit 1
  fi
  sleep 0.1
done
export MOCK_TIKTOK_URL="http://127.0.0.1:$port" MOCK_TIKTOK_API_URL="http://127.0.0.1:$api_port"
"$@"
