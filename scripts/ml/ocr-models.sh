#!/usr/bin/env bash
# PP-OCR text detection and recognition models from the PyPI wheel rapidocr_onnxruntime,
# laid out in Immich's layout under the pack name PP-OCRv4_mobile:
#   <models>/PP-OCRv4_mobile/detection/model.onnx    (ch_PP-OCRv4_det_infer.onnx)
#   <models>/PP-OCRv4_mobile/recognition/model.onnx  (ch_PP-OCRv4_rec_infer.onnx; its
#                                                     characters are in the model's metadata)
# Sourced (test.sh, the benchmark): `ensure_ocr_models` caches them beside the build and
# exports SHOEBOX_TEST_OCR_MODELS (that models folder). Run directly to install them for a
# server: `scripts/ml/ocr-models.sh DATA_DIR/models`, then set the system configuration's
# machineLearning.ocr.modelName to PP-OCRv4_mobile.
RAPIDOCR_VERSION=1.4.4
OCR_PACK=PP-OCRv4_mobile

# install_ocr_models MODELS_DIR: downloads the wheel (no dependencies) and extracts the two
# models into MODELS_DIR/PP-OCRv4_mobile.
install_ocr_models() {
  local models="$1" tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    "rapidocr_onnxruntime==$RAPIDOCR_VERSION" -d "$tmp"
  python3 - "$models/$OCR_PACK" "$tmp"/rapidocr_onnxruntime-*.whl <<'PY'
import os, sys, zipfile
pack, wheel = sys.argv[1], sys.argv[2]
parts = {
    "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx": "detection",
    "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx": "recognition",
}
with zipfile.ZipFile(wheel) as z:
    for name, part in parts.items():
        os.makedirs(os.path.join(pack, part), exist_ok=True)
        target = os.path.join(pack, part, "model.onnx")
        with z.open(name) as src, open(target + ".part", "wb") as dst:
            dst.write(src.read())
        os.replace(target + ".part", target)
PY
  rm -rf "$tmp"
}

ensure_ocr_models() {
  local dir="$CARGO_TARGET_DIR/ml-ocr-$RAPIDOCR_VERSION/models"
  if [ ! -f "$dir/$OCR_PACK/recognition/model.onnx" ]; then
    command -v ensure_python >/dev/null 2>&1 && ensure_python
    echo "setup: extracting the OCR models from rapidocr_onnxruntime $RAPIDOCR_VERSION"
    install_ocr_models "$dir"
  fi
  export SHOEBOX_TEST_OCR_MODELS="$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  if [ $# -ne 1 ]; then
    echo "usage: $0 MODELS_DIR   (e.g. shoebox-data/models)" >&2
    exit 2
  fi
  install_ocr_models "$1"
  echo "OCR models in $1/$OCR_PACK; set machineLearning.ocr.modelName to $OCR_PACK"
fi
