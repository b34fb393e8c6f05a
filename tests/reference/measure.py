#!/usr/bin/env python3
"""The measurements behind docs/measurements.md. Needs ../shared/datasets (BBT) beside the project.

    python3 tests/reference/measure.py [a b c ...]   # sections; all by default
Prints markdown tables.
"""
import itertools
import os
import sys

import numpy as np

import reference as r

ROOT = r.ROOT
IMAGES = os.path.join(ROOT, "tests", "fixtures", "images")
BBT = os.path.normpath(os.path.join(ROOT, "..", "shared", "datasets", "bbt"))
PEOPLE = ["amy", "bernadette", "howard", "leonard", "penny", "raj", "sheldon", "stuart"]
EXPR = ["angry", "disgusted", "fearful", "happy", "neutral", "sad", "surprised"]
GROUPS = ["bbt1", "bbt2", "bbt3", "bbt4", "bbt5"]
# Faces of the group shots, left to right (by box x1, threshold 0.65), labelled by eye.
GROUP_LABELS = {
    "bbt1": ["raj", "leonard", "howard", "sheldon"],
    "bbt2": ["extra_bbt2", "leonard", "sheldon"],
    "bbt3": ["sheldon", "howard", "penny", "raj", "leonard"],
    "bbt4": ["leonard", "amy", "raj", "penny", "sheldon", "bernadette"],
    "bbt5": ["raj", "penny", "sheldon", "leonard", "howard"],
}
PHOTOS = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]  # distinct colour photos


def img_path(name):
    if name in EXPR or name in GROUPS:
        return os.path.join(BBT, name + ".jpg")
    if name.startswith("bbt"):
        return os.path.join(BBT, name)
    return os.path.join(IMAGES, name)


def crops():
    for p in PEOPLE:
        for i in range(1, 6):
            yield p, f"{p}{i}", os.path.join(BBT, p, f"{p}{i}.png")


def group_faces(thr=r.DET_PROB_THRESHOLD):
    """(label, image, box, score) for the labelled group-shot faces."""
    out = []
    for g in GROUPS:
        img = r.load_rgb(img_path(g))
        dets = sorted(r.detect(img, thr), key=lambda d: d[0][0])
        assert len(dets) == len(GROUP_LABELS[g]), (g, len(dets))
        for lab, (b, s) in zip(GROUP_LABELS[g], dets):
            out.append((lab, f"{g}", img, b, s))
    return out


def single_faces():
    """(label, name, image, box, score): one largest face per single-face colour photo."""
    out = []
    for n in PHOTOS + EXPR:
        img = r.load_rgb(img_path(n))
        b, s = r.detect(img)[0]
        out.append(("obama" if n.startswith("obama") else n.split(".")[0], n, img, b, s))
    return out


def fmt(v, nd=3):
    return f"{v:.{nd}f}"


# ---------------------------------------------------------------- a
def sec_a():
    print("## a. letterbox vs squash\n")
    print("| image | WxH | mode | faces >= 0.65 | scores | largest box w x h | box h/w |")
    print("|---|---|---|---|---|---|---|")
    names = PHOTOS + GROUPS + EXPR
    for n in names:
        img = r.load_rgb(img_path(n))
        for mode in ("letterbox", "squash"):
            d = r.detect_raw(img, 0, 0.65, squash=(mode == "squash"))
            d.sort(key=lambda t: -(t[0][2] - t[0][0]) * (t[0][3] - t[0][1]))
            sc = " ".join(f"{s:.3f}" for _, s in sorted(d, key=lambda t: t[0][0]))
            b = d[0][0] if d else None
            wh = f"{b[2]-b[0]:.0f} x {b[3]-b[1]:.0f}" if b is not None else "-"
            ar = f"{(b[3]-b[1])/(b[2]-b[0]):.2f}" if b is not None else "-"
            print(f"| {n} | {img.shape[1]}x{img.shape[0]} | {mode} | {len(d)} | {sc} | {wh} | {ar} |")
    # crops: found without retry, both modes
    for mode in ("letterbox", "squash"):
        found, scores = 0, []
        for _, n, p in crops():
            d = r.detect_raw(r.load_rgb(p), 0, 0.65, squash=(mode == "squash"))
            found += bool(d)
            if d:
                scores.append(max(s for _, s in d))
        print(f"\nBBT 150x150 crops, {mode}, no retry: {found}/40 found, "
              f"mean best score {np.mean(scores):.3f}")
    # genuine similarity between the obama photos, with boxes from each mode
    for mode in ("letterbox", "squash"):
        embs = []
        for n in ["obama.jpg", "obama2.jpg", "obama3.jpg"]:
            img = r.load_rgb(img_path(n))
            d = r.detect_raw(img, 0, 0.65, squash=(mode == "squash"))
            b = max(d, key=lambda t: (t[0][2] - t[0][0]) * (t[0][3] - t[0][1]))[0]
            l5 = r.landmark5(r.landmarks(img, b))
            embs.append(r.embed(r.align(img, l5)[0]))
        sims = [r.match(a, b) for a, b in itertools.combinations(embs, 2)]
        print(f"\nobama/obama2/obama3 pairwise cosine with {mode} boxes: "
              + ", ".join(fmt(s) for s in sims))


# ---------------------------------------------------------------- b
def sec_b():
    print("## b. tight crops (40 BBT 150x150 crops)\n")
    rows = []
    for _, n, p in crops():
        img = r.load_rgb(p)
        d0 = r.detect_raw(img, 0.0, 0.65)
        best0 = max(r.detect_raw(img, 0.0, 0.0)[:1], key=lambda t: t[1], default=(None, 0))[1]
        res = {"name": n, "plain": len(d0), "best_plain": best0}
        for pad in (0.25, 0.5, 1.0):
            d = r.detect_raw(img, pad, 0.65)
            res[pad] = len(d)
            res[f"best{pad}"] = max((s for _, s in d), default=0.0)
        rows.append(res)
    print("| rule | found | missed |")
    print("|---|---|---|")
    print(f"| no retry | {sum(x['plain'] > 0 for x in rows)}/40 | "
          f"{' '.join(x['name'] for x in rows if not x['plain'])} |")
    for pad in (0.25, 0.5, 1.0):
        print(f"| always pad {pad} | {sum(x[pad] > 0 for x in rows)}/40 | "
              f"{' '.join(x['name'] for x in rows if not x[pad])} |")
        print(f"| retry with pad {pad} when nothing found | "
              f"{sum(x['plain'] > 0 or x[pad] > 0 for x in rows)}/40 | "
              f"{' '.join(x['name'] for x in rows if not (x['plain'] or x[pad]))} |")
    print("\nTighter cuts: the centre k x k of every 150x150 crop (face cut by the frame):\n")
    print("| centre cut | no retry | retry pad 0.25 | retry pad 0.5 | retry pad 1.0 | always pad 0.5 |")
    print("|---|---|---|---|---|---|")
    for k in (120, 105, 90, 75):
        cnt = {"plain": 0, 0.25: 0, 0.5: 0, 1.0: 0, "always": 0}
        miss = []
        for _, n, p in crops():
            img = r.load_rgb(p)
            o = (150 - k) // 2
            img = np.ascontiguousarray(img[o:o + k, o:o + k])
            d0 = bool(r.detect_raw(img, 0.0, 0.65))
            cnt["plain"] += d0
            for pad in (0.25, 0.5, 1.0):
                dp = bool(r.detect_raw(img, pad, 0.65))
                cnt[pad] += d0 or dp
                if pad == 0.5:
                    cnt["always"] += dp
                    if not (d0 or dp):
                        miss.append(n)
        print(f"| {k}x{k} | {cnt['plain']}/40 | {cnt[0.25]}/40 | {cnt[0.5]}/40 | {cnt[1.0]}/40 | {cnt['always']}/40 |"
              + (f" missed with retry 0.5: {' '.join(miss)}" if miss else ""))
    multi = [x["name"] for x in rows if x["plain"] > 1 or x[0.5] > 1]
    print(f"\ncrops with >1 box (plain or pad 0.5): {multi or 'none'}")
    print("\nper-crop best score, plain / pad 0.5 (missed ones):",
          ", ".join(f"{x['name']} {x['best_plain']:.2f}/{x['best0.5']:.2f}" for x in rows if not x["plain"]))


# ---------------------------------------------------------------- c
def no_face_images():
    """Face-free regions cut from the photos, plus the synthetic no-face fixture."""
    out = {"no_face.png": r.load_rgb(os.path.join(ROOT, "tests/fixtures/golden/no_face.png"))}
    cuts = {"bbt1.jpg": (0, 300, 1366, 768), "bbt2.jpg": (0, 240, 675, 469),
            "bbt5.jpg": (0, 300, 940, 464), "obama.jpg": (0, 480, 910, 1137),
            "biden.jpg": (0, 620, 970, 2204), "obama3.jpg": (0, 760, 1434, 2333),
            "obama.jpg top-left": (0, 0, 360, 600)}
    for k, (x0, y0, x1, y1) in cuts.items():
        img = r.load_rgb(img_path(k.split(" ")[0]))
        out[k + f" [{x0}:{x1},{y0}:{y1}]"] = img[y0:y1, x0:x1]
    rng = np.random.default_rng(1)
    out["uniform noise 320x240"] = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    out["black 320x240"] = np.zeros((240, 320, 3), np.uint8)
    return out


def sec_c():
    print("## c. detector threshold\n")
    print("Group shots: candidates after NMS with score >= 0.2, true faces labelled by eye.\n")
    print("| image | faces (truth) | true-face scores (min) | false-positive scores |")
    print("|---|---|---|---|")
    truth = {g: len(v) for g, v in GROUP_LABELS.items()}
    for g in GROUPS:
        img = r.load_rgb(img_path(g))
        d = r.detect(img, 0.2, retry=False)
        hi = [s for _, s in d if s >= 0.9]
        lo = [s for _, s in d if s < 0.9]
        print(f"| {g} | {truth[g]} | {len(hi)} faces, min {min(hi):.4f} | "
              f"{' '.join(f'{s:.3f}' for s in lo) or '-'} |")
    print("\n(A candidate below 0.9 was checked by eye on the drawn boxes; all were non-faces.)\n")
    print("| no-face image | candidates >= 0.2 (with the padded retry) | max score |")
    print("|---|---|---|")
    for k, img in no_face_images().items():
        d = r.detect(img, 0.2)
        print(f"| {k} | {len(d)} | {max((s for _, s in d), default=0):.3f} |")
    mins = []
    for n in PHOTOS + EXPR:
        mins.append((r.detect(r.load_rgb(img_path(n)), 0.2)[0][1], n))
    cs = []
    for _, n, p in crops():
        d = r.detect(r.load_rgb(p), 0.2)
        cs.append((max(s for _, s in d), n))
    print(f"\nsingle-face photos: lowest best score {min(mins)[0]:.4f} ({min(mins)[1]});"
          f" crops (with retry): lowest {min(cs)[0]:.4f} ({min(cs)[1]}), "
          f"5 lowest: {', '.join(f'{n} {s:.3f}' for s, n in sorted(cs)[:5])}")


# ---------------------------------------------------------------- d
def dprime(g, i):
    return (np.mean(g) - np.mean(i)) / np.sqrt((np.var(g) + np.var(i)) / 2)


def embed_face(img, box, order):
    l5 = r.landmark5(r.landmarks(img, box))
    return r.embed(r.align(img, l5)[0], order)


def pair_stats(items, order_key):
    gen, imp = [], []
    for (la, ea), (lb, eb) in itertools.combinations(items, 2):
        (gen if la == lb else imp).append(r.match(ea[order_key], eb[order_key]))
    return gen, imp


def sec_d():
    print("## d. embedding channel order\n")
    faces = [(l, n, img, b) for l, n, img, b, _ in single_faces()] + \
            [(l, n, img, b) for l, n, img, b, _ in group_faces()]
    items = []
    for l, n, img, b in faces:
        items.append((l, {o: embed_face(img, b, o) for o in ("RGB", "BGR")}))
    print(f"{len(items)} colour faces ({len(set(l for l, _ in items))} people): 3 obama photos, biden, "
          "7 expression photos (7 different people), 23 faces of the 5 BBT group shots labelled by eye.\n")
    print("| order | genuine n | genuine min | genuine mean | impostor n | impostor max | impostor mean | margin (gen min - imp max) | d' |")
    print("|---|---|---|---|---|---|---|---|---|")
    for o in ("RGB", "BGR"):
        g, i = pair_stats(items, o)
        print(f"| {o} | {len(g)} | {min(g):.3f} | {np.mean(g):.3f} | {len(i)} | {max(i):.3f} | "
              f"{np.mean(i):.3f} | {min(g) - max(i):+.3f} | {dprime(g, i):.2f} |")
    # cross-modal: colour group faces vs the gray crops of the same cast
    crop_emb = [(p, embed_face(im, r.detect(im)[0][0], "RGB"))
                for p, n, path in crops() for im in [r.load_rgb(path)]]
    print("\nColour group-shot faces against the 40 grayscale crops (gray input: order irrelevant "
          "on the crop side):\n")
    print("| order | genuine n | genuine min | genuine mean | impostor max | impostor mean | d' | rank-1 id accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    for o in ("RGB", "BGR"):
        g, i, hits, tot = [], [], 0, 0
        for l, e in items:
            if l not in PEOPLE:
                continue
            sims = [(r.match(e[o], ce), p) for p, ce in crop_emb]
            for s, p in sims:
                (g if p == l else i).append(s)
            tot += 1
            hits += max(sims)[1] == l
        print(f"| {o} | {len(g)} | {min(g):.3f} | {np.mean(g):.3f} | {max(i):.3f} | {np.mean(i):.3f} | "
              f"{dprime(g, i):.2f} | {hits}/{tot} |")


# ---------------------------------------------------------------- e, f, g, h, i
def per_photo_rows():
    rows = []
    for l, n, img, b, s in single_faces():
        rows.append((n, img, b, s))
    for l, n, img, b, s in group_faces():
        rows.append((f"{n} {l}", img, b, s))
    return rows


def eye_probs(img, lm, lids, corners):
    c = lm[list(lids)].mean(0)
    side = 1.6 * np.linalg.norm(lm[corners[0]] - lm[corners[1]])
    M = [[side / 24, 0, c[0] - side / 2], [0, side / 24, c[1] - side / 2]]
    x = r.gray(r.sample(img, M, 24, 24)) / np.float32(255)
    return r.softmax(r.run("fr_eye", x[None, None])[0][0])


def sec_e():
    print("## e. fr_eye classes (softmax of class 0 per eye)\n")
    print("| photo | subject's right eye p(class 0) | subject's left eye p(class 0) | eyes by eye |")
    print("|---|---|---|---|")
    notes = {"disgusted.jpg": "squeezed shut", "happy.jpg": "open, smiling", "fearful.jpg": "wide open",
             "surprised.jpg": "wide open"}
    for n, img, b, s in per_photo_rows():
        lm = r.landmarks(img, b)
        pr = eye_probs(img, lm, (37, 38, 40, 41), (36, 39))[0]
        pl = eye_probs(img, lm, (43, 44, 46, 47), (42, 45))[0]
        print(f"| {n} | {pr:.4f} | {pl:.4f} | {notes.get(n.replace('angry', 'angry'), 'open')} |")
    # synthetic closures: the eye region painted with the skin reference above the lids
    o = r.load_rgb(os.path.join(ROOT, "tests/fixtures/golden/obama_640x480.png"))
    b, _ = r.detect(o)[0]
    lm = r.landmarks(o, b)
    print(f"\nobama_640x480 mirrored: p(class 0) = "
          + ", ".join(f"{eye_probs(o[:, ::-1].copy(), r.landmarks(o[:, ::-1].copy(), r.detect(o[:, ::-1].copy())[0][0]), l, c)[0]:.4f}"
                      for l, c in [((37, 38, 40, 41), (36, 39)), ((43, 44, 46, 47), (42, 45))]))
    for _, n, p in list(crops())[:0]:
        pass


def liveness_probs_face(img, b):
    return r.liveness_probs(img, b)


def sec_f():
    print("## f. fr_liveness softmax per photo (all are real captures)\n")
    print("| photo | p0 | p1 | p2 |")
    print("|---|---|---|---|")
    allp = []
    for n, img, b, s in per_photo_rows():
        p = r.liveness_probs(img, b)
        allp.append(p)
        print(f"| {n} | {p[0]:.3f} | {p[1]:.3f} | {p[2]:.3f} |")
    cp = [r.liveness_probs(im, r.detect(im)[0][0]) for _, n, path in crops() for im in [r.load_rgb(path)]]
    allp = np.array(allp)
    cp = np.array(cp)
    print(f"\nmean over the {len(allp)} photo faces: " + ", ".join(f"p{k} {allp[:, k].mean():.3f}" for k in range(3))
          + f"; argmax counts: " + ", ".join(f"class {k}: {(allp.argmax(1) == k).sum()}" for k in range(3)))
    print(f"\n40 BBT 150x150 gray crops (screen grabs, crop fills the frame): mean "
          + ", ".join(f"p{k} {cp[:, k].mean():.3f}" for k in range(3))
          + "; argmax counts: " + ", ".join(f"class {k}: {(cp.argmax(1) == k).sum()}" for k in range(3)))
    # a photo of a photo: the 640x480 obama photo shown small on a gray "screen" with moire
    # is not something we can fabricate faithfully; recorded only as a limitation.


def sec_g():
    print("## g. pose: landmarks (§6.3) vs fr_pose (HopeNet)\n")
    print("| photo | landmarks yaw/pitch/roll | HopeNet RGB yaw/pitch/roll | HopeNet BGR yaw/pitch/roll |")
    print("|---|---|---|---|")
    L, HR, HB = [], [], []
    for n, img, b, s in per_photo_rows():
        lm = r.landmarks(img, b)
        a = r.pose_landmarks(lm)
        h1 = r.pose_hopenet(img, b, "RGB")
        h2 = r.pose_hopenet(img, b, "BGR")
        L.append(a), HR.append(h1), HB.append(h2)
        f = lambda t: "/".join(f"{v:+.1f}" for v in t)
        print(f"| {n} | {f(a)} | {f(h1)} | {f(h2)} |")
    L, HR, HB = map(np.array, (L, HR, HB))
    print("\nAgreement with the landmark pose (HopeNet's own signs: its yaw and pitch are compared "
          "after the sign flips found below):\n")
    print("| HopeNet input | yaw corr | pitch corr | roll corr | yaw MAE | pitch MAE | roll MAE |")
    print("|---|---|---|---|---|---|---|")
    for name, H in (("RGB", HR), ("BGR", HB)):
        sg = [np.sign(np.corrcoef(L[:, k], H[:, k])[0, 1]) for k in range(3)]
        Hs = H * np.array(sg)
        cs = [np.corrcoef(L[:, k], H[:, k])[0, 1] for k in range(3)]
        mae = [np.abs(L[:, k] - Hs[:, k]).mean() for k in range(3)]
        print(f"| {name} | {cs[0]:+.2f} | {cs[1]:+.2f} | {cs[2]:+.2f} | {mae[0]:.1f} | {mae[1]:.1f} | {mae[2]:.1f} |")
    print("\nMirror check (image flipped left-right, full pipeline re-run):\n")
    print("| photo | landmarks original -> mirrored | HopeNet BGR original -> mirrored |")
    print("|---|---|---|")
    for n in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "happy", "surprised"]:
        img = r.load_rgb(img_path(n))
        out = []
        for im in (img, img[:, ::-1].copy()):
            b = r.detect(im)[0][0]
            out.append((r.pose_landmarks(r.landmarks(im, b)), r.pose_hopenet(im, b, "BGR")))
        f = lambda t: "/".join(f"{v:+.1f}" for v in t)
        print(f"| {n} | {f(out[0][0])} -> {f(out[1][0])} | {f(out[0][1])} -> {f(out[1][1])} |")


def sec_h():
    print("## h. mouth_opened\n")
    print("| photo | mouth by eye | r (inner gap / width) | mouth_opened |")
    print("|---|---|---|---|")
    byeye = {"angry.jpg": "closed", "disgusted": "closed, lips pressed", "fearful": "open (teeth)",
             "happy": "smile, teeth", "neutral": "closed", "sad": "closed", "surprised": "wide open",
             "angry": "closed", "obama.jpg": "smile, teeth", "obama2.jpg": "speaking, open",
             "obama3.jpg": "closed", "biden.jpg": "closed"}
    for n, img, b, s in per_photo_rows():
        lm = r.landmarks(img, b)
        print(f"| {n} | {byeye.get(n, '')} | {r.mouth_ratio(lm):.3f} | {r.mouth_opened(lm):.2f} |")


def sec_i():
    print("## i. quality checks per photo\n")
    print("| photo | eye_dist | lum | sharp | occl | eyes closed R/L | mouth | yaw/pitch/roll | quality | failed |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, img, b, s in per_photo_rows():
        f = r.analyse_face(img, b, s)
        print(f"| {n} | {f['eye_dist']:.0f} | {f['face_luminance']:.0f} | {f['sharpness']:.0f} | "
              f"{f['face_occlusion']:.2f} | {f['right_eye_closed']:.2f}/{f['left_eye_closed']:.2f} | "
              f"{f['mouth_opened']:.2f} | {f['yaw']:+.0f}/{f['pitch']:+.0f}/{f['roll']:+.0f} | "
              f"{f['face_quality']:.2f} | {' '.join(f['quality_checks'])} |")
    gold = os.path.join(ROOT, "tests/fixtures/golden")
    for n in sorted(os.listdir(gold)):
        if n.endswith(".png"):
            img = r.load_rgb(os.path.join(gold, n))
            for b, s in r.detect(img):
                f = r.analyse_face(img, b, s)
                print(f"| golden/{n} | {f['eye_dist']:.0f} | {f['face_luminance']:.0f} | {f['sharpness']:.0f} | "
                      f"{f['face_occlusion']:.2f} | {f['right_eye_closed']:.2f}/{f['left_eye_closed']:.2f} | "
                      f"{f['mouth_opened']:.2f} | {f['yaw']:+.0f}/{f['pitch']:+.0f}/{f['roll']:+.0f} | "
                      f"{f['face_quality']:.2f} | {' '.join(f['quality_checks'])} |")


# ---------------------------------------------------------------- j
def sec_j():
    print("## j. match calibration on the BBT crops\n")
    embs = []
    for p, n, path in crops():
        img = r.load_rgb(path)
        b = r.detect(img)[0][0]
        embs.append((p, embed_face(img, b, r.EMBED_CHANNEL_ORDER)))
    g, i = [], []
    for (la, ea), (lb, eb) in itertools.combinations(embs, 2):
        (g if la == lb else i).append(r.match(ea, eb))
    g, i = np.array(g), np.array(i)
    print(f"genuine pairs {len(g)}: min {g.min():.3f}, mean {g.mean():.3f}, max {g.max():.3f}; "
          f"impostor pairs {len(i)}: max {i.max():.3f}, mean {i.mean():.3f}, min {i.min():.3f}; d' {dprime(g, i):.2f}\n")
    print("lowest genuine:", ", ".join(f"{v:.3f}" for v in np.sort(g)[:8]))
    print("highest impostor:", ", ".join(f"{v:.3f}" for v in np.sort(i)[::-1][:8]), "\n")
    print("| threshold | FAR | FRR |")
    print("|---|---|---|")
    for t in np.arange(0.10, 0.61, 0.025):
        print(f"| {t:.3f} | {(i >= t).mean() * 100:.2f}% ({(i >= t).sum()}/{len(i)}) | "
              f"{(g < t).mean() * 100:.2f}% ({(g < t).sum()}/{len(g)}) |")
    np.save("/tmp/bbt_gen.npy", g), np.save("/tmp/bbt_imp.npy", i)


# ---------------------------------------------------------------- k
OCCLUDERS = ("black", "gray", "noise", "skin")


def paste(img, T, frac_rect, kind, skin_rgb, rng):
    """Paint the quadrilateral that is the aligned-frame rectangle (x0,y0,x1,y1) in the image."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = frac_rect
    Ti = r.invert(T)
    quad = r.apply(Ti, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float))
    xs = np.arange(W) + 0.5
    ys = np.arange(H) + 0.5
    lo = np.floor(quad.min(0)).astype(int)
    hi = np.ceil(quad.max(0)).astype(int)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [W, H])
    out = img.copy()
    if hi[0] <= lo[0] or hi[1] <= lo[1]:
        return out
    PX, PY = np.meshgrid(xs[lo[0]:hi[0]], ys[lo[1]:hi[1]])
    m = r.inside_polygon(quad, PX, PY)
    sub = out[lo[1]:hi[1], lo[0]:hi[0]]
    if kind == "black":
        sub[m] = 0
    elif kind == "gray":
        sub[m] = 128
    elif kind == "noise":
        sub[m] = rng.integers(0, 256, (m.sum(), 3), dtype=np.uint8)
    else:
        sub[m] = skin_rgb
    return out


def occluder_rect(mask, frac):
    """Aligned-frame rectangle covering the full width from the bottom of the mask up, so that
    it covers `frac` of the mask pixels."""
    if frac == 0:
        return None
    rows = mask.sum(1)[::-1].cumsum()
    target = frac * mask.sum()
    k = int(np.searchsorted(rows, target))  # rows counted from the bottom
    y0 = mask.shape[0] - (k + 1)
    return (-20, y0, mask.shape[1] + 20, mask.shape[0] + 20)


def sec_k():
    print("## k. face_occlusion with pasted occluders\n")
    print("Occluder: the rectangle of the aligned frame that covers the given share of the face "
          "mask from the chin up (full width, like a scarf or a hand), mapped back into the image and "
          "painted there. `fixed` = the clean photo's box and landmarks are kept (isolates the metric); "
          "`full` = the whole pipeline re-run on the painted image.\n")
    rng = np.random.default_rng(3)
    gold = os.path.join(ROOT, "tests/fixtures/golden")
    photos = {"obama_640x480": r.load_rgb(os.path.join(gold, "obama_640x480.png")),
              "biden": r.load_rgb(os.path.join(gold, "biden.png")),
              "obama2": r.load_rgb(os.path.join(gold, "obama2.png")),
              "id_crop (gray)": r.load_rgb(os.path.join(gold, "id_crop.png"))}
    print("| photo | occluder | mode | 0% | 10% | 20% | 30% | 40% | monotonic |")
    print("|---|---|---|---|---|---|---|---|---|")
    allmono = {}
    for pn, img in photos.items():
        b, s = r.detect(img)[0]
        f = r.analyse_face(img, b, s, with_aux=True)
        T, mask, lm = f["_T"], f["_mask"], f["_lm"]
        skin = np.median(f["_qf"][mask], axis=0).round().astype(np.uint8)
        for kind in OCCLUDERS:
            for mode in ("fixed", "full"):
                vals = []
                for frac in (0, 0.1, 0.2, 0.3, 0.4):
                    rect = occluder_rect(mask, frac)
                    im2 = img if rect is None else paste(img, T, rect, kind, skin, rng)
                    if mode == "fixed":
                        al = r.sample(im2, r.invert(T), r.QW, r.QH)
                        L = r.apply(T, lm)
                        valid = r.valid_mask(T, img.shape[1], img.shape[0])
                        vals.append(r.occlusion(al, L, r.face_mask(valid), valid))
                    else:
                        d = r.detect(im2)
                        vals.append(r.analyse_face(im2, d[0][0], d[0][1])["face_occlusion"] if d else float("nan"))
                mono = all(b2 > a2 for a2, b2 in zip(vals, vals[1:]))
                allmono[(pn, kind, mode)] = mono
                print(f"| {pn} | {kind} | {mode} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {'yes' if mono else 'NO'} |")
    bad = [k for k, v in allmono.items() if not v and k[1] != "skin"]
    print(f"\nnon-skin occluders not strictly increasing: {bad or 'none'}")
    print("\nClean faces:", ", ".join(f"{n} {r.analyse_face(img, b, s)['face_occlusion']:.3f}"
                                      for n, img, b, s in per_photo_rows()))


def sec_outline():
    """FACE_OUTLINE (§6.1): symmetrised mean outline of the near-frontal faces."""
    import json
    pts = []
    faces = [(img, b) for n, img, b, s in per_photo_rows()]
    faces += [(im, r.detect(im)[0][0]) for _, n, p in crops() for im in [r.load_rgb(p)]]
    order = list(range(17)) + list(range(26, 16, -1))
    for img, b in faces:
        lm = r.landmarks(img, b)
        yaw, pitch, roll = r.pose_landmarks(lm)
        if abs(yaw) < 10 and abs(roll) < 10:
            pts.append(r.apply(r.quality_transform(r.landmark5(lm)), lm)[order])
    mean = np.mean(pts, 0)
    cx = (r.ARCFACE[0, 0] + r.ARCFACE[1, 0]) / 2
    partner = {p: 16 - p for p in range(17)}
    partner.update({p: 43 - p for p in range(17, 27)})
    idx = {p: k for k, p in enumerate(order)}
    sym = np.array([[(mean[idx[p], 0] + 2 * cx - mean[idx[partner[p]], 0]) / 2,
                     (mean[idx[p], 1] + mean[idx[partner[p]], 1]) / 2] for p in order])
    sym = np.round(sym, 2)
    print(f"FACE_OUTLINE from {len(pts)} near-frontal faces (|yaw|, |roll| < 10), mirrored about x = {cx:.4f}:")
    print(json.dumps(sym.tolist()))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "face_outline.json"), "w") as fh:
        json.dump({"points": sym.tolist(), "order": "jaw 0..16 then brows 26..17",
                   "frame": "quality frame 112x128 (docs/pipeline.md 6.1)", "faces": len(pts)}, fh)


SECTIONS = {k[4:]: v for k, v in globals().items() if k.startswith("sec_")}

if __name__ == "__main__":
    for k in sys.argv[1:] or sorted(SECTIONS):
        SECTIONS[k]()
        print()
