"""Face detection + recognition with Python onnxruntime, the way Immich's ML container runs it
(PIL decode, OpenCV resize and warp, SCRFD at 640x640, ArcFace-layout recognition), as the
reference the `faces` benchmark measures Shoebox against.

    python faces_reference.py DETECTION.onnx RECOGNITION.onnx IMAGE... [--runs N] [--threads T]

Prints one JSON object: per-image face counts and boxes, and the median seconds per image."""

import argparse
import json
import statistics
import time

import cv2
import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

SIZE = 640
STRIDES = (8, 16, 32)
REFERENCE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


def session(path, threads):
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def detect(det, rgb, min_score):
    h, w = rgb.shape[:2]
    if h > w:
        nh, nw = SIZE, max(1, SIZE * w // h)
    else:
        nw, nh = SIZE, max(1, SIZE * h // w)
    scale = nh / h
    canvas = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    canvas[:nh, :nw] = cv2.resize(rgb, (nw, nh))
    blob = ((canvas.astype(np.float32) - 127.5) / 128.0).transpose(2, 0, 1)[None]
    outs = det.run(None, {det.get_inputs()[0].name: blob})
    boxes, scores, points = [], [], []
    for level, stride in enumerate(STRIDES):
        side = SIZE // stride
        s = outs[level].reshape(-1)
        anchors = len(s) // (side * side)
        ys, xs = np.mgrid[:side, :side]
        centres = np.stack([xs, ys], axis=-1).reshape(-1, 2).astype(np.float32) * stride
        centres = np.repeat(centres, anchors, axis=0)
        keep = s >= min_score
        d = outs[level + 3].reshape(-1, 4)[keep] * stride
        c = centres[keep]
        boxes.append(np.concatenate([c - d[:, :2], c + d[:, 2:]], axis=1) / scale)
        k = outs[level + 6].reshape(-1, 5, 2)[keep] * stride
        points.append((c[:, None, :] + k) / scale)
        scores.append(s[keep])
    boxes, scores, points = np.concatenate(boxes), np.concatenate(scores), np.concatenate(points)
    order = scores.argsort()[::-1]
    kept = []
    for i in order:
        if all(iou(boxes[i], boxes[j]) <= 0.4 for j in kept):
            kept.append(i)
    return boxes[kept], scores[kept], points[kept]


def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def embed(rec, rgb, points):
    if len(points) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    crops = []
    for kps in points:
        matrix, _ = cv2.estimateAffinePartial2D(kps.astype(np.float32), REFERENCE, method=cv2.LMEDS)
        crops.append(cv2.warpAffine(rgb, matrix, (112, 112)))
    blob = ((np.stack(crops).astype(np.float32) - 127.5) / 127.5).transpose(0, 3, 1, 2)
    out = rec.run(None, {rec.get_inputs()[0].name: blob})[0]
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def analyse(det, rec, path, min_score):
    rgb = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    boxes, scores, points = detect(det, rgb, min_score)
    embeddings = embed(rec, rgb, points)
    return boxes, scores, embeddings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("detection")
    parser.add_argument("recognition")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--min-score", type=float, default=0.7)
    args = parser.parse_args()
    det, rec = session(args.detection, args.threads), session(args.recognition, args.threads)
    results, times = {}, []
    for path in args.images:
        analyse(det, rec, path, args.min_score)  # warm-up
        per_image = []
        for _ in range(args.runs):
            start = time.perf_counter()
            boxes, scores, _ = analyse(det, rec, path, args.min_score)
            per_image.append(time.perf_counter() - start)
        times.append(statistics.median(per_image))
        results[path] = {"faces": len(boxes), "boxes": boxes.round(1).tolist(), "scores": scores.round(3).tolist()}
    print(json.dumps({"images": results, "median_seconds": times}))


if __name__ == "__main__":
    main()
