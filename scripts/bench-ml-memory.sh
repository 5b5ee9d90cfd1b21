#!/usr/bin/env bash
# Resident memory (RSS) of a real `shoebox serve` with machine learning in-process: at start,
# with the face and OCR models loaded (after faces were detected and text read in two
# photos), and after the models idle-unload (SHOEBOX_ML_IDLE_SECONDS, 10 here).
# Faces: the test pack (SCRFD from the PyPI scrfd sdist, a generated ArcFace-layout
# recogniser); OCR: PP-OCRv4_mobile from rapidocr_onnxruntime. Needs the corpus
# (../shared/corpus). SHOEBOX_MEMORY_PROFILE=debug measures the debug build instead of release.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
ensure_onnxruntime
source scripts/ml/test-models.sh
ensure_ml_test_models
source scripts/ml/ocr-models.sh
ensure_ocr_models
profile="${SHOEBOX_MEMORY_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release -p shoebox
else
  cargo build -p shoebox
fi
binary="$CARGO_TARGET_DIR/$profile/shoebox"

work="$(mktemp -d)"
mkdir -p "$work/models"
ln -s "$SHOEBOX_TEST_ML_MODELS/test-faces" "$work/models/test-faces"
ln -s "$SHOEBOX_TEST_OCR_MODELS/$OCR_PACK" "$work/models/$OCR_PACK"
log="$work/server.log"
NO_COLOR=1 SHOEBOX_ML_MODELS_DIR="$work/models" SHOEBOX_ML_IDLE_SECONDS=10 SHOEBOX_ML_HUB_URL= \
  "$binary" serve --data-dir "$work/data" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(listening_port "$log")"
echo "memory: $profile build, pid $pid"
python3 scripts/ml/memory.py "http://127.0.0.1:$port" "$pid" "$log" \
  ../shared/corpus/exif-samples/jpg/exif-org/canon-ixus.jpg \
  ../shared/corpus/immich-test-assets/albums/text/japanese-shop.jpg
