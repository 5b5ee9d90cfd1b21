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
