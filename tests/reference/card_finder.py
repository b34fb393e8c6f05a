#!/usr/bin/env python3
"""The card finder's goldens: onnxruntime on card_finder.onnx for the committed images, with the
letterbox written here from the spec (docs/document.md, "The learned card finder") in numpy, not
shared with the Rust code. Writes tests/fixtures/card_finder/goldens.json:

    python3 tests/reference/card_finder.py --write

Per image: the letterbox's scale and extent, the presence score, and the two maps (mask and
corners, 64x64) pooled to 16x16 means. tests/document_finder.rs (natively) and
tests/wasm_golden.rs (in Chromium) compare tract's run of the same model on the core's own
letterbox with them: presence within 2e-3, pooled maps within 5e-3 (the letterbox's integer
rounding of the box-filter footprint is the same rule here and in the core; onnxruntime and tract
differ by ~1e-5).
"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SIDE, CELLS = 256, 64
IMAGES = [
    "tests/fixtures/golden/obama_640x480.png",
    "tests/fixtures/golden/two_faces.png",
    "tests/fixtures/golden/id_crop.png",
    "tests/fixtures/card_finder/card_1280x720.png",
    "tests/fixtures/card_finder/card_720x1280.png",
]
OUT = os.path.join(ROOT, "tests", "fixtures", "card_finder", "goldens.json")


def letterbox(img):
    """Shrink to fit SIDE x SIDE, top-left, black: each output pixel the mean of its footprint
    [floor(x k), max(floor((x+1) k), floor(x k) + 1)) in both axes, reading every step-th row and
    column where step = max(1, floor(min(kx, ky) / 3)). Never enlarges."""
    h, w = img.shape[:2]
    scale = min(SIDE / max(w, h), 1.0)
    vw = min(max(int(np.floor(w * np.float32(scale) + 0.5)), 1), SIDE)
    vh = min(max(int(np.floor(h * np.float32(scale) + 0.5)), 1), SIDE)
    kx, ky = np.float32(w) / np.float32(vw), np.float32(h) / np.float32(vh)
    step = max(int(min(kx, ky) / np.float32(3)), 1)
    out = np.zeros((SIDE, SIDE, 3), np.uint8)
    span = lambda i, k, n: (int(np.float32(i) * k), min(max(int(np.float32(i + 1) * k), int(np.float32(i) * k) + 1), n))
    xs = [span(x, kx, w) for x in range(vw)]
    for y in range(vh):
        y0, y1 = span(y, ky, h)
        rows = img[y0:y1:step].astype(np.uint32)
        for x, (x0, x1) in enumerate(xs):
            block = rows[:, x0:x1:step]
            n = block.shape[0] * block.shape[1]
            out[y, x] = (block.reshape(-1, 3).sum(0) + n // 2) // n
    return out, scale, (vw, vh)


def run(path):
    img = np.asarray(Image.open(os.path.join(ROOT, path)).convert("RGB"))
    lb, scale, valid = letterbox(img)
    x = ((lb.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)).transpose(2, 0, 1)[None]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(ROOT, "models", "card_finder.onnx"), so, providers=["CPUExecutionProvider"])
    maps, presence = sess.run(None, {"input": x})
    pooled = maps[0].reshape(2, 16, 4, 16, 4).mean(axis=(2, 4))
    return {
        "image": path, "width": int(img.shape[1]), "height": int(img.shape[0]),
        "scale": float(scale), "valid": list(valid), "presence": float(presence[0, 0]),
        "mask16": [round(float(v), 6) for v in pooled[0].ravel()],
        "corners16": [round(float(v), 6) for v in pooled[1].ravel()],
    }


def main():
    out = [run(p) for p in IMAGES]
    for o in out:
        print(f"{o['image']}: presence {o['presence']:.4f}, mask mean {np.mean(o['mask16']):.4f}")
    if "--write" in sys.argv:
        json.dump(out, open(OUT, "w"), indent=1)
        print("wrote", OUT)


if __name__ == "__main__":
    main()
