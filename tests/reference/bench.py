#!/usr/bin/env python3
"""Timing of each model (onnxruntime, 1 thread) on the inputs made from obama_640x480.png, and of
the whole reference pipeline. Median of 20 runs after 10 warm-ups."""
import os
import platform
import subprocess
import time

import numpy as np

import reference as r

WARM, RUNS = 10, 20


def med(fn):
    for _ in range(WARM):
        fn()
    ts = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return float(np.median(ts))


def main():
    img = r.load_rgb(os.path.join(r.GOLDEN, "obama_640x480.png"))
    H, W = img.shape[:2]
    s = min(320 / W, 240 / H)
    det_in = r.nchw((r.sample(img, [[1 / s, 0, 0], [0, 1 / s, 0]], 320, 240) - np.float32(127)) / np.float32(128))
    (box, score), = r.detect(img)
    x1, y1, x2, y2 = box
    d = y2 - y1
    ox, oy = (x1 + x2) / 2 - d / 2, (y1 + y2) / 2 - d / 2
    lm_in = (r.gray(r.sample(img, [[d / 64, 0, ox], [0, d / 64, oy]], 64, 64)) / np.float32(256))[None, None]
    lm = r.landmarks(img, box)
    aligned, _ = r.align(img, r.landmark5(lm))
    feat_in = r.nchw(((aligned - np.float32(127.5)) / np.float32(128))[:, :, ::-1])
    c = lm[[37, 38, 40, 41]].mean(0)
    side = 1.6 * np.linalg.norm(lm[36] - lm[39])
    eye_in = (r.gray(r.sample(img, [[side / 24, 0, c[0] - side / 2], [0, side / 24, c[1] - side / 2]], 24, 24))
              / np.float32(255))[None, None]
    live_in = r.nchw(r.sample(img, [[2.7 * (x2 - x1) / 128, 0, max(0, (x1 + x2) / 2 - 1.35 * (x2 - x1))],
                                    [0, 2.7 * d / 128, max(0, (y1 + y2) / 2 - 1.35 * d)]], 128, 128))
    pose_in = np.zeros((1, 3, 224, 224), np.float32) + 0.1
    inputs = {"fr_detect": det_in, "fr_landmark": lm_in, "fr_feature": feat_in, "fr_eye": eye_in,
              "fr_liveness": live_in, "fr_pose": pose_in}
    rows = []
    for name, x in inputs.items():
        sess = r.session(name)
        feed = {sess.get_inputs()[0].name: x.astype(np.float32)}
        rows.append((name, med(lambda: sess.run(None, feed))))
    per_face = dict(rows)
    infer = per_face["fr_detect"] + per_face["fr_landmark"] + per_face["fr_feature"] + 2 * per_face["fr_eye"] \
        + per_face["fr_liveness"]
    full = med(lambda: r.analyse(img))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    import onnxruntime
    print(f"{time.strftime('%Y-%m-%d')}, {cpu}, nproc {nproc}, onnxruntime {onnxruntime.__version__}, "
          f"intra/inter_op_num_threads 1, median of {RUNS} after {WARM} warm-ups\n")
    print("| stage | ms |")
    print("|---|---|")
    for name, t in rows:
        print(f"| {name}{' (not in the pipeline)' if name == 'fr_pose' else ''} | {t:.2f} |")
    print(f"| inference only, one face (detect + landmark + feature + 2 x eye + liveness) | {infer:.2f} |")
    print(f"| full reference pipeline, obama_640x480.png (decode excluded; numpy pre/post) | {full:.2f} |")


if __name__ == "__main__":
    main()
