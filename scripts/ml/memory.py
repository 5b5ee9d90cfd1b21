"""Drives a running `shoebox serve` through its API and reads its resident memory from /proc:
at start, after face detection and OCR ran on the given photos (models loaded), and after the
models idle-unloaded (the server log says so). Standard library only.

    python3 memory.py URL PID SERVER_LOG PHOTO..."""

import json
import sys
import time
import urllib.request
import uuid


def rss(pid):
    """(VmRSS, VmHWM) in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def call(url, method, path, token=None, body=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + "/api" + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read()
        return json.loads(text) if text else None


def upload(url, token, path):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in [
        ("fileCreatedAt", "2024-03-01T10:00:00.000Z"),
        ("fileModifiedAt", "2024-03-01T10:00:00.000Z"),
        ("isFavorite", "false"),
    ]:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    with open(path, "rb") as f:
        data = f.read()
    name = path.rsplit("/", 1)[-1]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="assetData"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return call(url, "POST", "/assets", token, b"".join(parts), f"multipart/form-data; boundary={boundary}")


def settle(url, token, queues, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        quiet = True
        for queue in queues:
            stats = call(url, "GET", f"/queues/{queue}", token)["statistics"]
            if stats["waiting"] or stats["active"] or stats["delayed"]:
                quiet = False
        if quiet:
            return
        time.sleep(0.2)
    raise SystemExit("queues never settled")


def main():
    url, pid, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    photos = sys.argv[4:]
    start = rss(pid)
    call(url, "POST", "/auth/admin-sign-up", body={"email": "admin@example.com", "name": "Admin", "password": "password"})
    token = call(url, "POST", "/auth/login", body={"email": "admin@example.com", "password": "password"})["accessToken"]
    config = call(url, "GET", "/system-config", token)
    config["machineLearning"]["facialRecognition"]["modelName"] = "test-faces"
    config["machineLearning"]["ocr"]["modelName"] = "PP-OCRv4_mobile"
    call(url, "PUT", "/system-config", token, config)
    features = call(url, "GET", "/server/features", token)
    assert features["facialRecognition"] and features["ocr"], features
    ids = [upload(url, token, photo)["id"] for photo in photos]
    queues = ["metadataExtraction", "thumbnailGeneration", "faceDetection", "facialRecognition", "ocr"]
    settle(url, token, queues)
    settle(url, token, queues)
    loaded = rss(pid)
    faces = sum(len(call(url, "GET", f"/faces?id={i}", token)) for i in ids)
    lines = sum(len(call(url, "GET", f"/assets/{i}/ocr", token)) for i in ids)
    with open(log) as f:
        models_loaded = f.read().count("loaded model")
    # Idle unload after 10 s, checked a few times per period; then the log says so.
    deadline = time.time() + 60
    unloaded = 0
    while time.time() < deadline:
        with open(log) as f:
            unloaded = f.read().count("unloaded idle model")
        if unloaded >= models_loaded:
            break
        time.sleep(0.5)
    time.sleep(1)
    after = rss(pid)
    print(f"photos: {len(photos)}, faces found: {faces}, text lines read: {lines}")
    print(f"models loaded: {models_loaded}, unloaded when idle: {unloaded}")
    print(f"RSS at start:             {start[0]:7.1f} MiB")
    print(f"RSS with models loaded:   {loaded[0]:7.1f} MiB (peak so far {loaded[1]:.1f} MiB)")
    print(f"RSS after idle unload:    {after[0]:7.1f} MiB (peak {after[1]:.1f} MiB)")


if __name__ == "__main__":
    main()
