#!/usr/bin/env bash
# Machine learning per image, Shoebox's `ort` against Python on the same models and files:
#   scripts/bench-ml.sh [faces|ocr|all]   (default: all)
# faces: detection + recognition against Python onnxruntime + OpenCV + Pillow (Immich's stack),
#        on the sdist's group portraits, plus corpus photos with faces when present.
# ocr:   PP-OCR detection + recognition against Python rapidocr_onnxruntime, on the previews of
#        the corpus photos with text (../shared/corpus/immich-test-assets/albums/text).
# SHOEBOX_BENCH_THREADS=N pins both sides to N intra-op threads (default: ONNX Runtime's choice).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
source scripts/setup.sh
ensure_build_tools
ensure_onnxruntime
source scripts/ml/test-models.sh
ensure_ml_test_models
ensure_ml_venv
"$ml_venv/bin/pip" install --quiet --disable-pip-version-check "onnxruntime==$ONNXRUNTIME_VERSION" \
  opencv-python-headless pillow
export SHOEBOX_BENCH_PYTHON="$ml_venv/bin/python"

if [ "$which" = faces ] || [ "$which" = all ]; then
  # The sdist's readme.jpg is truncated (libjpeg-turbo refuses it); the group portrait is not.
  images=("$SHOEBOX_TEST_ML_IMAGES/solvay_conference_1927.jpg")
  for f in canon-ixus kodak-dc210 sony-d700; do
    p="../shared/corpus/exif-samples/jpg/exif-org/$f.jpg"
    [ -f "$p" ] && images+=("$(cd "$(dirname "$p")" && pwd)/$f.jpg")
  done
  SHOEBOX_BENCH_IMAGES="$(IFS=:; echo "${images[*]}")"
  export SHOEBOX_BENCH_IMAGES
  cargo bench -p shoebox-ml --bench faces
fi

if [ "$which" = ocr ] || [ "$which" = all ]; then
  source scripts/ml/ocr-models.sh
  ensure_ocr_models
  # rapidocr_onnxruntime asks for the desktop OpenCV; the headless one above serves it, so
  # its other dependencies are installed by name and it without them.
  "$ml_venv/bin/pip" install --quiet --disable-pip-version-check pyclipper shapely pyyaml six tqdm
  "$ml_venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    "rapidocr_onnxruntime==$RAPIDOCR_VERSION"
  text="../shared/corpus/immich-test-assets/albums/text"
  if [ ! -d "$text" ]; then
    echo "bench-ml: $text is absent; no OCR benchmark" >&2
    exit 0
  fi
  SHOEBOX_BENCH_OCR_IMAGES="$(cd "$text" && ls "$PWD"/*.jpg | paste -sd:)"
  export SHOEBOX_BENCH_OCR_IMAGES
  cargo bench -p shoebox-ml --bench ocr
fi
