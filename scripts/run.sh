#!/usr/bin/env bash
# Sets up and runs Shoebox on its embedded defaults: SQLite and files under
# ./shoebox-data, web app and API on port 2283. Extra arguments go to `shoebox serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
build_web
ensure_onnxruntime
cargo build --release -p shoebox
exec "$CARGO_TARGET_DIR/release/shoebox" serve "$@"
