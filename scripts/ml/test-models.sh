# Models and photos the ML tests use, cached beside the build (sourced by test.sh and the
# benchmark after setup.sh):
#   SHOEBOX_TEST_ML_MODELS  a models folder in Immich's layout with the pack `test-faces`
#                           (SCRFD from the PyPI `scrfd` sdist, a recogniser generated with
#                           the PyPI `onnx` package by make_test_models.py)
#   SHOEBOX_TEST_ML_IMAGES  the sdist's photos (group portraits with many faces)
SCRFD_VERSION=0.3.0
ONNX_VERSION=1.23.2
ensure_ml_venv() {
  ml_venv="$CARGO_TARGET_DIR/ml-venv"
  if [ ! -x "$ml_venv/bin/python" ] || ! "$ml_venv/bin/python" -c "import onnx, numpy" 2>/dev/null; then
    ensure_python
    python3 -m venv "$ml_venv"
    "$ml_venv/bin/pip" install --quiet --disable-pip-version-check "onnx==$ONNX_VERSION" numpy
  fi
}

ensure_ml_test_models() {
  local dir="$CARGO_TARGET_DIR/ml-test-$SCRFD_VERSION"
  local script
  script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/make_test_models.py"
  if [ ! -f "$dir/models/test-faces/recognition/model.onnx" ] \
      || [ "$script" -nt "$dir/models/test-faces/recognition/model.onnx" ]; then
    ensure_ml_venv
    echo "setup: preparing the ML test models"
    rm -rf "$dir" && mkdir -p "$dir/sdist"
    "$ml_venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary=:all: \
      "scrfd==$SCRFD_VERSION" -d "$dir/sdist"
    tar -xzf "$dir/sdist/scrfd-$SCRFD_VERSION.tar.gz" -C "$dir/sdist"
    mkdir -p "$dir/images"
    cp "$dir/sdist/scrfd-$SCRFD_VERSION"/images/*.jpg "$dir/images/"
    "$ml_venv/bin/python" "$script" "$dir/sdist/scrfd-$SCRFD_VERSION/models/scrfd.onnx" "$dir/models"
    rm -rf "$dir/sdist"
  fi
  export SHOEBOX_TEST_ML_MODELS="$dir/models"
  export SHOEBOX_TEST_ML_IMAGES="$dir/images"
}

# The CLIP test pack (SHOEBOX_TEST_CLIP_MODELS): `test-clip` and `test-clip-int64` in Immich's
# layout and `clip-tokens.json`, the reference token ids. make_clip_models.py builds the real
# CLIP tokenizer.json from OpenAI's BPE file in the PyPI `open_clip_torch` wheel (with
# `transformers`, as Immich's exporter saves it) and takes the reference ids from the PyPI
# `tokenizers` library (what Immich's ML service runs); no torch is installed.
OPEN_CLIP_VERSION=3.3.0
TRANSFORMERS_VERSION=5.25.0
TOKENIZERS_VERSION=0.23.3
ensure_clip_test_models() {
  local dir="$CARGO_TARGET_DIR/ml-clip-$OPEN_CLIP_VERSION"
  local script venv="$CARGO_TARGET_DIR/clip-venv"
  script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/make_clip_models.py"
  if [ ! -f "$dir/models/clip-tokens.json" ] || [ "$script" -nt "$dir/models/clip-tokens.json" ]; then
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import onnx, numpy, transformers, tokenizers, ftfy, regex" 2>/dev/null; then
      ensure_python
      python3 -m venv "$venv"
      "$venv/bin/pip" install --quiet --disable-pip-version-check "onnx==$ONNX_VERSION" numpy \
        "transformers==$TRANSFORMERS_VERSION" "tokenizers==$TOKENIZERS_VERSION" ftfy regex
    fi
    echo "setup: preparing the CLIP test models"
    rm -rf "$dir" && mkdir -p "$dir/wheel"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
      "open_clip_torch==$OPEN_CLIP_VERSION" -d "$dir/wheel"
    "$venv/bin/python" -m zipfile -e "$dir/wheel/open_clip_torch-$OPEN_CLIP_VERSION-py3-none-any.whl" "$dir/wheel/unpacked"
    "$venv/bin/python" "$script" "$dir/wheel/unpacked/open_clip" "$dir/models"
    rm -rf "$dir/wheel" "$dir/models/.vocab"
  fi
  export SHOEBOX_TEST_CLIP_MODELS="$dir/models"
}
