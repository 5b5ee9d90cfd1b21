"""PP-OCR text detection + recognition with rapidocr_onnxruntime (Python onnxruntime, OpenCV,
pyclipper, shapely) set up the way Immich's ML container runs it: the detector sees the
picture with its shorter side at --max-resolution (Pillow Lanczos, sides rounded to multiples
of 32), no angle classifier, recognition 48 pixels high in batches of 6, lines kept when their
score is above --min-recognition-score. The reference the `ocr` benchmark measures Shoebox
against, on the same models and files.

    python ocr_reference.py DETECTION.onnx RECOGNITION.onnx IMAGE... [--runs N] [--threads T]

Prints one JSON object: per-image lines (text, score) and the median seconds per image."""

import argparse
import json
import statistics
import time

import numpy as np
from PIL import Image
from rapidocr_onnxruntime import RapidOCR
from rapidocr_onnxruntime.ch_ppocr_det import utils as det_utils


def immich_resize(max_resolution):
    def resize(self, img):
        h, w = img.shape[:2]
        ratio = max_resolution / min(h, w)
        rh = int(round(int(h * ratio) / 32) * 32)
        rw = int(round(int(w * ratio) / 32) * 32)
        return np.asarray(Image.fromarray(img).resize((rw, rh), resample=Image.Resampling.LANCZOS))

    return resize


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("detection")
    parser.add_argument("recognition")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--max-resolution", type=int, default=736)
    parser.add_argument("--min-detection-score", type=float, default=0.5)
    parser.add_argument("--min-recognition-score", type=float, default=0.8)
    args = parser.parse_args()
    det_utils.DetPreProcess.resize = immich_resize(args.max_resolution)
    threads = args.threads if args.threads else -1
    engine = RapidOCR(
        det_model_path=args.detection,
        rec_model_path=args.recognition,
        use_cls=False,
        intra_op_num_threads=threads,
        det_box_thresh=args.min_detection_score,
        # Pictures are previews: nothing to shrink first.
        max_side_len=100000,
    )

    def analyse(path):
        result, _ = engine(
            path,
            use_cls=False,
            box_thresh=args.min_detection_score,
            text_score=args.min_recognition_score,
        )
        return [(text, float(score)) for _, text, score in (result or []) if score > args.min_recognition_score]

    results, times = {}, []
    for path in args.images:
        analyse(path)  # warm-up
        per_image = []
        for _ in range(args.runs):
            start = time.perf_counter()
            lines = analyse(path)
            per_image.append(time.perf_counter() - start)
        times.append(statistics.median(per_image))
        results[path] = {"lines": [{"text": t, "score": round(s, 3)} for t, s in lines]}
    print(json.dumps({"images": results, "median_seconds": times}, ensure_ascii=False))


if __name__ == "__main__":
    main()
