#!/usr/bin/env python3
"""Seeds the fuzz targets' corpora from real files: `seed.py <photo corpus> <out dir>`.

Each target gets the part of a real file it parses, so that mutations start from valid
structure: whole files (their first 256 KiB) for the container walk, the EXIF, IPTC and XMP
blocks cut out of JPEGs, maker notes located through the EXIF IFDs, ffprobe reports and
multipart bodies from the repository. A photo corpus that is absent only leaves those out.
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
IMAGE_EXTS = {".jpg", ".jpeg", ".tif", ".tiff", ".png", ".webp", ".heic", ".heif", ".avif", ".jxl", ".dng"}
MAKES = ["apple", "canon", "nikon", "sony"]  # the order of fuzz_targets/maker_note.rs
HEAD = 256 * 1024


def save(out, target, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def jpeg_segments(data):
    """(marker, payload) of each segment before the first scan."""
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:
            return
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        yield marker, data[at + 4 : at + 2 + length]
        at += 2 + length


def ifd_entries(tiff, offset, le):
    fmt = "<" if le else ">"
    if offset + 2 > len(tiff):
        return {}
    (count,) = struct.unpack(fmt + "H", tiff[offset : offset + 2])
    entries = {}
    for i in range(count):
        at = offset + 2 + 12 * i
        if at + 12 > len(tiff):
            break
        tag, kind, n, value = struct.unpack(fmt + "HHII", tiff[at : at + 12])
        entries[tag] = (kind, n, value, at + 8)
    return entries


def maker_note_seed(tiff):
    """[make index, byte order, offset] + the EXIF block, when it has a known maker note."""
    if tiff[:2] not in (b"II", b"MM"):
        return None
    le = tiff[:2] == b"II"
    fmt = "<" if le else ">"
    ifd0 = ifd_entries(tiff, struct.unpack(fmt + "I", tiff[4:8])[0], le)
    make = ""
    if 0x010F in ifd0:
        _, n, value, inline = ifd0[0x010F]
        raw = tiff[inline : inline + n] if n <= 4 else tiff[value : value + n]
        make = raw.split(b"\0")[0].decode("latin-1").lower()
    if 0x8769 not in ifd0:
        return None
    exif_ifd = ifd_entries(tiff, ifd0[0x8769][2], le)
    if 0x927C not in exif_ifd:
        return None
    offset = exif_ifd[0x927C][2]
    index = next((i for i, m in enumerate(MAKES) if make.startswith(m)), None)
    if index is None or offset > 0xFFFF:
        return None
    return bytes([index, 1 if le else 0]) + struct.pack(">H", offset) + tiff


def from_photo(out, path, data):
    save(out, "metadata_file", data[:HEAD])
    ext = os.path.splitext(path)[1].lower()
    if ext in (".tif", ".tiff", ".dng"):
        save(out, "exif", data[:HEAD])
    if data[:2] != b"\xff\xd8":
        return
    for marker, payload in jpeg_segments(data):
        if marker == 0xE1 and payload.startswith(b"Exif\0\0"):
            save(out, "exif", payload)
            note = maker_note_seed(payload[6:])
            if note:
                save(out, "maker_note", note)
        elif marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xap/1.0/\0"):
            save(out, "xmp_sidecar", payload[len(b"http://ns.adobe.com/xap/1.0/\0") :])
        elif marker == 0xED and payload.startswith(b"Photoshop 3.0\0"):
            save(out, "iptc", payload[len(b"Photoshop 3.0\0") :])


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    photos = 0
    for root, _, files in os.walk(corpus):
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.splitext(name)[1].lower() in IMAGE_EXTS:
                with open(path, "rb") as f:
                    from_photo(out, path, f.read())
                photos += 1
    probes = os.path.join(REPO, "crates/media/tests/fixtures/ffprobe")
    for name in sorted(os.listdir(probes)):
        with open(os.path.join(probes, name), "rb") as f:
            save(out, "ffprobe_report", f.read())
    for name in sorted(os.listdir(os.path.join(HERE, "seeds"))):
        folder = os.path.join(HERE, "seeds", name)
        for seed in sorted(os.listdir(folder)):
            with open(os.path.join(folder, seed), "rb") as f:
                save(out, name, f.read())
    counts = {t: len(os.listdir(os.path.join(out, t))) for t in sorted(os.listdir(out))}
    print(f"seeded from {photos} photos: {counts}")


if __name__ == "__main__":
    main()
