#!/usr/bin/env python3
"""Independent reference implementation of docs/pipeline.md (numpy + onnxruntime + PIL).

Written from the spec only; it shares no code with the Rust crate. Section numbers (§) refer to
docs/pipeline.md.

    python3 tests/reference/reference.py IMAGE...        # print faces as JSON
    python3 tests/reference/reference.py --write-goldens # tests/fixtures/golden/*.png -> *.json
"""
import json
import math
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODELS = os.path.join(ROOT, "models")
GOLDEN = os.path.join(ROOT, "tests", "fixtures", "golden")

# ---- constants (see docs/measurements.md for how the measured ones were chosen) ----
DET_PROB_THRESHOLD = 0.65     # measured (§c): default detector threshold
NMS_IOU = 0.3
NMS_CONTAIN = 0.5            # also suppress when intersection / smaller area > this (§2.3)
TIGHT_PAD = 0.5               # retry padding, share of W/H on every side (§2.4)
EMBED_CHANNEL_ORDER = "BGR"   # measured (§d): fr_feature.channel_order
EYE_CLOSED_CLASS = 0          # measured (§e): fr_eye.closed_class
LIVE_CLASS = 0                # measured (§f): fr_liveness.live_class
MOUTH_R0, MOUTH_RANGE = 0.18, 0.17   # §6 mouth_opened = clamp((r - R0) / RANGE, 0, 1)
OCC_CHROMA_TOL = 16.0         # §6.2 |Cb - Cb_ref|, |Cr - Cr_ref| tolerance
OCC_LUMA_LO, OCC_LUMA_HI = 0.35, 1.8
OCC_EYE_GROW = 1.4            # eye polygons grown by 40%
OCC_BROW_HALF_WIDTH = 2.0     # brow polylines thickened to 4 px
OCC_ZONE_LUMA_TOL = 0.7       # a zone is rejected when |mean Y - Y_ref| > 0.7 Y_ref
Q_MIN_EYE_DIST = 40.0
Q_MIN_LUM, Q_MAX_LUM = 70.0, 200.0
Q_MIN_SHARPNESS = 40.0
Q_EYE_CLOSED = 0.5
Q_MOUTH_OPEN = 0.5
Q_MAX_YAW, Q_MAX_PITCH, Q_MAX_ROLL = 20.0, 20.0, 15.0
Q_MAX_OCCLUSION = 0.35
ARCFACE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                    [41.5493, 92.3655], [70.7299, 92.2041]], np.float64)
HEAD_3D = {30: (0, 0, 0), 8: (0, 330, 65), 36: (-225, -170, 135), 45: (225, -170, 135),
           48: (-150, 150, 125), 54: (150, 150, 125)}

_sessions = {}


def session(name):
    if name not in _sessions:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        _sessions[name] = ort.InferenceSession(os.path.join(MODELS, name + ".onnx"), so,
                                               providers=["CPUExecutionProvider"])
    return _sessions[name]


def run(name, x):
    s = session(name)
    return s.run(None, {s.get_inputs()[0].name: x.astype(np.float32)})


# ---- §1 decode ----
def load_rgb(path):
    im = ImageOps.exif_transpose(Image.open(path))
    if im.mode == "I;16" or im.mode == "I":
        im = im.point(lambda v: v / 257).convert("L")
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


# ---- §0 sampling primitive ----
def sample(img, M, out_w, out_h):
    """Bilinear, half-pixel centres, black outside, float32. img: HxWxC (or HxW) u8/f32."""
    M = np.asarray(M, np.float32)
    src = img.astype(np.float32)
    if src.ndim == 2:
        src = src[:, :, None]
    h, w, c = src.shape
    u = np.arange(out_w, dtype=np.float32) + np.float32(0.5)
    v = np.arange(out_h, dtype=np.float32) + np.float32(0.5)
    uu, vv = np.meshgrid(u, v)
    x = M[0, 0] * uu + M[0, 1] * vv + M[0, 2] - np.float32(0.5)
    y = M[1, 0] * uu + M[1, 1] * vv + M[1, 2] - np.float32(0.5)
    x0 = np.floor(x)
    y0 = np.floor(y)
    fx = (x - x0)[:, :, None]
    fy = (y - y0)[:, :, None]
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)

    def px(yi, xi):
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        val = src[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        return np.where(ok[:, :, None], val, np.float32(0))

    one = np.float32(1)
    top = px(y0, x0) * (one - fx) + px(y0, x0 + 1) * fx
    bot = px(y0 + 1, x0) * (one - fx) + px(y0 + 1, x0 + 1) * fx
    out = (top * (one - fy) + bot * fy).astype(np.float32)
    return out if img.ndim == 3 else out[:, :, 0]


def gray(rgb):
    return (np.float32(0.299) * rgb[..., 0] + np.float32(0.587) * rgb[..., 1]
            + np.float32(0.114) * rgb[..., 2]).astype(np.float32)


def nchw(x):
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)


# ---- §2 detect ----
def detect_raw(img, pad=0.0, thr=DET_PROB_THRESHOLD, squash=False):
    """One detector pass on the image placed in a virtual canvas padded by pad*W, pad*H."""
    H, W = img.shape[:2]
    ox, oy = pad * W, pad * H
    cw, ch = W + 2 * ox, H + 2 * oy
    if squash:  # the vendor's resize, for measurements only
        sx, sy = 320.0 / cw, 240.0 / ch
    else:
        sx = sy = min(320.0 / cw, 240.0 / ch)
    M = [[1 / sx, 0, -ox], [0, 1 / sy, -oy]]
    inp = (sample(img, M, 320, 240) - np.float32(127)) / np.float32(128)
    scores, boxes = run("fr_detect", nchw(inp))
    p = scores[0, :, 1]
    idx = np.nonzero(p >= thr)[0]
    b = boxes[0, idx].astype(np.float64) * np.array([320, 240, 320, 240]) / np.array([sx, sy, sx, sy])
    b -= np.array([ox, oy, ox, oy])
    return nms(b, p[idx].astype(np.float64))


def overlaps(a, b):
    """(IoU, intersection / smaller area) of two x1,y1,x2,y2 boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    aa, ab = (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])
    union = aa + ab - inter
    small = min(aa, ab)
    return (inter / union if union > 0 else 0.0), (inter / small if small > 0 else 0.0)


def iou(a, b):
    return overlaps(a, b)[0]


def nms(boxes, scores):
    thr, contain = NMS_IOU, NMS_CONTAIN
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        ov = [overlaps(boxes[i], boxes[k]) for k in keep]
        if all(u <= thr and c <= contain for u, c in ov):
            keep.append(i)
    return [(boxes[i], float(scores[i])) for i in keep]


def detect(img, thr=DET_PROB_THRESHOLD, limit=None, retry=True):
    dets = detect_raw(img, 0.0, thr)
    if not dets and retry:
        dets = detect_raw(img, TIGHT_PAD, thr)
    area = lambda d: (d[0][2] - d[0][0]) * (d[0][3] - d[0][1])
    dets.sort(key=lambda d: (-area(d), -d[1]))
    return dets if limit is None else dets[:limit]


# ---- §3 landmarks ----
# iBUG-68 left/right correspondence (§3): point i of a face is point MIRROR[i] of its mirror.
MIRROR = np.array(list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30]
                  + [35, 34, 33, 32, 31] + [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40]
                  + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55] + [64, 63, 62, 61, 60, 67, 66, 65])


def landmarks(img, box):
    """§3: the crop and its mirror image through the model, averaged (mirror re-indexed)."""
    x1, y1, x2, y2 = box
    d = y2 - y1
    ox, oy = (x1 + x2) / 2 - d / 2, (y1 + y2) / 2 - d / 2

    def predict(M):
        crop = gray(sample(img, M, 64, 64)) / np.float32(256)
        return run("fr_landmark", crop[None, None])[0].reshape(68, 2).astype(np.float64)

    direct = predict([[d / 64, 0, ox], [0, d / 64, oy]])
    flipped = predict([[-d / 64, 0, ox + d], [0, d / 64, oy]])[MIRROR]
    flipped[:, 0] = 1.0 - flipped[:, 0]
    return (direct + flipped) / 2 * d + np.array([ox, oy])


def landmark5(lm):
    return np.array([lm[36:42].mean(0), lm[42:48].mean(0), lm[30],
                     (lm[48] + lm[60]) / 2, (lm[54] + lm[64]) / 2])


# ---- §4 align ----
def umeyama(src, dst):
    """Similarity T (2x3) minimising |T src - dst|^2, no reflection."""
    n = len(src)
    ms, md = src.mean(0), dst.mean(0)
    sc, dc = src - ms, dst - md
    cov = dc.T @ sc / n
    U, D, Vt = np.linalg.svd(cov)
    S = np.eye(2)
    if np.linalg.det(U) * np.linalg.det(Vt) < 0:
        S[1, 1] = -1
    R = U @ S @ Vt
    scale = np.trace(np.diag(D) @ S) / (sc ** 2).sum(1).mean()
    t = md - scale * R @ ms
    return np.hstack([scale * R, t[:, None]])


def invert(T):
    A = np.linalg.inv(T[:, :2])
    return np.hstack([A, (-A @ T[:, 2])[:, None]])


def apply(T, pts):
    return pts @ T[:, :2].T + T[:, 2]


def align(img, lm5):
    T = umeyama(lm5, ARCFACE)
    return sample(img, invert(T), 112, 112), T


# ---- §5 embed ----
def embed(aligned, order=EMBED_CHANNEL_ORDER):
    x = (aligned - np.float32(127.5)) / np.float32(128)
    if order == "BGR":
        x = x[:, :, ::-1]
    e = run("fr_feature", nchw(x))[0][0].astype(np.float64)
    n = np.linalg.norm(e)
    if n == 0:
        raise ValueError("all-zero embedding")
    return e / n


# ---- §6.1 face mask ----
def inside_polygon(poly, px, py):
    """Even-odd rule at points (px, py) (arrays), crossing test as written in §6.1."""
    inside = np.zeros(px.shape, bool)
    n = len(poly)
    for i in range(n):
        xi, yi = poly[i]
        xj, yj = poly[(i + 1) % n]
        if yi == yj:
            continue
        cross = ((yi > py) != (yj > py)) & (px < (xj - xi) * (py - yi) / (yj - yi) + xi)
        inside ^= cross
    return inside


QW, QH = 112, 128               # §6.1 quality frame, 112 wide x 128 tall
PX, PY = np.meshgrid(np.arange(QW) + 0.5, np.arange(QH) + 0.5)
# §6.1 FACE_OUTLINE: jaw 0..16 then brows 26..17 in the quality frame; the symmetrised mean of
# the near-frontal faces (|yaw|, |roll| < 10) of the BBT crops and photos, computed by
# `measure.py outline` and pasted here (the same table is in docs/pipeline.md §6.1).
FACE_OUTLINE = np.array(json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "face_outline.json")))["points"], np.float64) \
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "face_outline.json")) else None


def quality_transform(lm5):
    """Similarity mapping the two eye centres exactly onto the template's eyes (§6.1)."""
    e1, e2 = complex(*lm5[0]), complex(*lm5[1])
    t1, t2 = complex(*ARCFACE[0]), complex(*ARCFACE[1])
    a = (t2 - t1) / (e2 - e1)
    b = t1 - a * e1
    return np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag]])


def valid_mask(T, W, H):
    """Quality-frame pixels whose centre maps inside the source image [0,W) x [0,H)."""
    Ti = invert(T)
    sx = Ti[0, 0] * PX + Ti[0, 1] * PY + Ti[0, 2]
    sy = Ti[1, 0] * PX + Ti[1, 1] * PY + Ti[1, 2]
    return (sx >= 0) & (sx < W) & (sy >= 0) & (sy < H)


def face_mask(valid):
    return inside_polygon(FACE_OUTLINE, PX, PY) & valid


# ---- §6.2 occlusion ----
def ycbcr(rgb):
    R, G, B = rgb[..., 0].astype(np.float64), rgb[..., 1].astype(np.float64), rgb[..., 2].astype(np.float64)
    Y = 0.299 * R + 0.587 * G + 0.114 * B
    Cb = 128 - 0.168736 * R - 0.331264 * G + 0.5 * B
    Cr = 128 + 0.5 * R - 0.418688 * G - 0.081312 * B
    return np.stack([Y, Cb, Cr], -1)


def patch_centres(L):
    eyes = (L[36:42].mean(0) + L[42:48].mean(0)) / 2
    brow = (L[19] + L[24]) / 2
    F = brow + 0.5 * (brow - eyes)
    d = 0.25 * (L[42:48].mean(0) - L[36:42].mean(0))
    return [F, F - d, F + d, L[28], (L[2] + L[31]) / 2, (L[14] + L[35]) / 2, (L[8] + L[57]) / 2]


def seg_dist(px, py, a, b):
    d = b - a
    L2 = d @ d
    t = np.clip(((px - a[0]) * d[0] + (py - a[1]) * d[1]) / L2, 0, 1) if L2 > 0 else 0 * px
    return np.hypot(px - (a[0] + t * d[0]), py - (a[1] + t * d[1]))


def occlusion(aligned, L, mask, valid):
    ycc = ycbcr(aligned)
    meds = []
    for c in patch_centres(L):
        i, j = int(math.floor(c[0])), int(math.floor(c[1]))
        x0, x1, y0, y1 = max(i - 4, 0), min(i + 5, QW), max(j - 4, 0), min(j + 5, QH)
        if x0 >= x1 or y0 >= y1:
            continue
        sel = valid[y0:y1, x0:x1]
        if sel.any():
            meds.append(np.median(ycc[y0:y1, x0:x1][sel], axis=0))
    n = mask.sum()
    if not meds or n == 0:
        return 1.0
    Yr, Cbr, Crr = np.median(np.array(meds), axis=0)
    Y, Cb, Cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    ok = (np.abs(Cb - Cbr) <= OCC_CHROMA_TOL) & (np.abs(Cr - Crr) <= OCC_CHROMA_TOL) \
        & (Y >= OCC_LUMA_LO * Yr) & (Y <= OCC_LUMA_HI * Yr)
    zones = []
    for a, b in ((36, 42), (42, 48)):
        c = L[a:b].mean(0)
        zones.append(inside_polygon(c + OCC_EYE_GROW * (L[a:b] - c), PX, PY))
    zones.append(inside_polygon(L[48:60], PX, PY))
    for a, b in ((17, 22), (22, 27)):
        dist = np.min([seg_dist(PX, PY, L[k], L[k + 1]) for k in range(a, b - 1)], axis=0)
        zones.append(dist <= OCC_BROW_HALF_WIDTH)
    for z in zones:
        z = z & mask
        if z.any() and abs(Y[z].mean() - Yr) <= OCC_ZONE_LUMA_TOL * Yr:
            ok = ok | z
    return float(1 - (ok & mask).sum() / n)


# ---- §6 eyes, mouth, sharpness ----
def eye_closed(img, lm, lids, corners):
    c = lm[list(lids)].mean(0)
    side = 1.6 * np.linalg.norm(lm[corners[0]] - lm[corners[1]])
    M = [[side / 24, 0, c[0] - side / 2], [0, side / 24, c[1] - side / 2]]
    x = gray(sample(img, M, 24, 24)) / np.float32(255)
    return float(softmax(run("fr_eye", x[None, None])[0][0])[EYE_CLOSED_CLASS])


def softmax(z):
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def mouth_ratio(lm):
    d = lambda a, b: np.linalg.norm(lm[a] - lm[b])
    return (d(61, 67) + d(62, 66) + d(63, 65)) / 3 / d(60, 64)


def mouth_opened(lm):
    return float(np.clip((mouth_ratio(lm) - MOUTH_R0) / MOUTH_RANGE, 0, 1))


def sharpness(g, mask):
    lap = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1]
    h, w = mask.shape
    nb = np.ones((h - 2, w - 2), bool)
    for dy in range(3):
        for dx in range(3):
            nb &= mask[dy:dy + h - 2, dx:dx + w - 2]
    v = lap.astype(np.float64)[nb]
    return float(v.var()) if v.size else 0.0


# ---- §6.3 pose from landmarks ----
def pose_landmarks(lm):
    keys = sorted(HEAD_3D)
    P3 = np.array([HEAD_3D[k] for k in keys], np.float64)
    p2 = np.array([lm[k] for k in keys], np.float64)
    P3c, p2c = P3 - P3.mean(0), p2 - p2.mean(0)
    A = np.linalg.lstsq(P3c, p2c, rcond=None)[0].T
    r1, r2 = A[0] / np.linalg.norm(A[0]), A[1] / np.linalg.norm(A[1])
    r3 = np.cross(r1, r2)
    r3 /= np.linalg.norm(r3)
    U, _, Vt = np.linalg.svd(np.vstack([r1, r2, r3]))
    if np.linalg.det(U @ Vt) < 0:
        U[:, -1] *= -1
    R = U @ Vt
    beta = math.asin(max(-1.0, min(1.0, -R[2, 0])))
    alpha = math.atan2(R[2, 1], R[2, 2])
    gamma = math.atan2(R[1, 0], R[0, 0])
    return -math.degrees(beta), -math.degrees(alpha), math.degrees(gamma)


# fr_pose (HopeNet), measurements only — not part of the spec's outputs.
def pose_hopenet(img, box, order="RGB"):
    H, W = img.shape[:2]
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    a, b = max(x1 - w / 4, 0), max(y1 - h / 4, 0)
    c, d = min(x2 + w / 4, W), min(y2 + h / 4, H)
    x = sample(img, [[(c - a) / 224, 0, a], [0, (d - b) / 224, b]], 224, 224) / np.float32(255)
    if order == "BGR":
        x = x[:, :, ::-1]
    x = (x - np.array([0.485, 0.456, 0.406], np.float32)) / np.array([0.229, 0.224, 0.225], np.float32)
    outs = run("fr_pose", nchw(x))
    ang = [float((softmax(o[0]) * np.arange(66)).sum() * 3 - 99) for o in outs]
    return ang[0], ang[1], ang[2]  # yaw, pitch, roll in the model's own conventions


# ---- §7 liveness ----
def liveness_probs(img, box):
    H, W = img.shape[:2]
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    s = min(2.7, (W - 1) / w, (H - 1) / h)
    cw, ch = w * s, h * s
    left, top = (x1 + x2) / 2 - cw / 2, (y1 + y2) / 2 - ch / 2
    left = min(max(left, 0.0), W - cw)
    top = min(max(top, 0.0), H - ch)
    x = sample(img, [[cw / 128, 0, left], [0, ch / 128, top]], 128, 128)
    return softmax(run("fr_liveness", nchw(x))[0][0])


def liveness(img, box):
    return float(liveness_probs(img, box)[LIVE_CLASS])


# ---- §6.4 quality ----
def quality_checks(f):
    fails = []
    if f["eye_dist"] < Q_MIN_EYE_DIST:
        fails.append("too_small")
    if f["face_luminance"] < Q_MIN_LUM:
        fails.append("too_dark")
    if f["face_luminance"] > Q_MAX_LUM:
        fails.append("too_bright")
    if f["sharpness"] < Q_MIN_SHARPNESS:
        fails.append("blurred")
    if max(f["left_eye_closed"], f["right_eye_closed"]) > Q_EYE_CLOSED:
        fails.append("eyes_closed")
    if f["mouth_opened"] > Q_MOUTH_OPEN:
        fails.append("mouth_open")
    if abs(f["yaw"]) > Q_MAX_YAW or abs(f["pitch"]) > Q_MAX_PITCH or abs(f["roll"]) > Q_MAX_ROLL:
        fails.append("off_pose")
    if f["face_occlusion"] > Q_MAX_OCCLUSION:
        fails.append("occluded")
    groups = len(set("brightness" if n in ("too_dark", "too_bright") else n for n in fails))
    return (7 - groups) / 7, fails


# ---- the whole pipeline ----
def analyse_face(img, box, score, with_aux=False):
    H, W = img.shape[:2]
    lm = landmarks(img, box)
    l5 = landmark5(lm)
    aligned, _ = align(img, l5)
    emb = embed(aligned)
    T = quality_transform(l5)
    qf = sample(img, invert(T), QW, QH)
    L = apply(T, lm)
    valid = valid_mask(T, W, H)
    mask = face_mask(valid)
    g = gray(qf)
    yaw, pitch, roll = pose_landmarks(lm)
    f = {
        "x1": float(box[0]), "y1": float(box[1]), "x2": float(box[2]), "y2": float(box[3]),
        "score": score,
        "landmark_68": [{"x": float(p[0]), "y": float(p[1])} for p in lm],
        "landmark_5": [{"x": float(p[0]), "y": float(p[1])} for p in l5],
        "embedding": [float(v) for v in emb],
        "eye_dist": float(np.linalg.norm(l5[0] - l5[1])),
        "face_luminance": float(g.astype(np.float64)[mask].mean()) if mask.any() else 0.0,
        "face_occlusion": occlusion(qf, L, mask, valid),
        "left_eye_closed": eye_closed(img, lm, (43, 44, 46, 47), (42, 45)),
        "right_eye_closed": eye_closed(img, lm, (37, 38, 40, 41), (36, 39)),
        "mouth_opened": mouth_opened(lm),
        "yaw": yaw, "pitch": pitch, "roll": roll,
        "sharpness": sharpness(g, mask),
    }
    f["face_quality"], f["quality_checks"] = quality_checks(f)
    f["liveness"] = liveness(img, box)
    if with_aux:
        f["_aligned"], f["_qf"], f["_T"], f["_mask"], f["_lm"] = aligned, qf, T, mask, lm
    return f


def analyse(img, thr=DET_PROB_THRESHOLD, limit=None):
    return [analyse_face(img, b, s) for b, s in detect(img, thr, limit)]


def match(e1, e2):
    return float(np.dot(e1, e2))


def write_goldens():
    for name in sorted(os.listdir(GOLDEN)):
        if not name.endswith(".png"):
            continue
        img = load_rgb(os.path.join(GOLDEN, name))
        faces = analyse(img)
        out = {"image": name, "width": img.shape[1], "height": img.shape[0], "faces": faces}
        with open(os.path.join(GOLDEN, name[:-4] + ".json"), "w") as fh:
            json.dump(out, fh, indent=1)
        print(f"{name}: {len(faces)} face(s)", [(round(f['score'], 3), f['quality_checks']) for f in faces])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-goldens"]:
        write_goldens()
    else:
        for p in sys.argv[1:]:
            faces = analyse(load_rgb(p))
            for f in faces:
                f.pop("embedding"), f.pop("landmark_68")
            print(json.dumps({"image": p, "faces": faces}, indent=1))
