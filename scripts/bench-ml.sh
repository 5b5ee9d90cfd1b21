#!/usr/bin/env bash
# Face detection + recognition per image, Shoebox's `ort` against Python onnxruntime on the same
# models and photos (the sdist's group portraits, plus corpus photos with faces when present).
# SHOEBOX_BENCH_THREADS=N pins both sides to N intra-op threads (default: ONNX Runtime's choice).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
ensure_onnxruntime
source scripts/ml/test-models.sh
ensure_ml_test_models
ensure_ml_venv
"$ml_venv/bin/pip" install --quiet --disable-pip-version-check "onnxruntime==$ONNXRUNTIME_VERSION" \
  opencv-python-headless pillow
export SHOEBOX_BENCH_PYTHON="$ml_venv/bin/python"
# The sdist's readme.jpg is truncated (libjpeg-turbo refuses it); the group portrait is not.
images=("$SHOEBOX_TEST_ML_IMAGES/solvay_conference_1927.jpg")
for f in canon-ixus kodak-dc210 sony-d700; do
  p="../shared/corpus/exif-samples/jpg/exif-org/$f.jpg"
  [ -f "$p" ] && images+=("$(cd "$(dirname "$p")" && pwd)/$f.jpg")
done
SHOEBOX_BENCH_IMAGES="$(IFS=:; echo "${images[*]}")"
export SHOEBOX_BENCH_IMAGES
cargo bench -p shoebox-ml --bench faces
