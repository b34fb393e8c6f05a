#!/usr/bin/env python3
"""Trains the card finder (models/card_finder.onnx) on scenes written by
`cargo run --release --example document_scenes` (training/document/README.md).

    python3 training/document/train.py --train DIR --held DIR --out models/card_finder.onnx
        [--epochs 6] [--batch 32] [--seed 7] [--threads 2] [--log training/document/log.txt]

The model: a depthwise-separable encoder (stride 32) with a small FPN decoder back to stride 4.
Outputs, all probabilities:
  maps     [1, 2, S/4, S/4]  channel 0: the document's mask (amodal: under fingers too),
                             channel 1: its corners (a gaussian blob at each corner inside the frame)
  presence [1, 1]            "a document is in this frame"
The core (src/document/finder.rs) turns them into a quad: mask -> hull -> quadrilateral, corners
snapped to the corner map, then refined at full resolution on the frame's edges.
Deterministic from --seed on CPU (torch.use_deterministic_algorithms).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIDE = 256
CELLS = SIDE // 4
CORNER_SIGMA = 1.0  # cells


def load(d):
    info = json.load(open(os.path.join(d, "info.json")))
    n, s = info["n"], info["side"]
    assert s == SIDE, f"{d}: side {s}, the model takes {SIDE}"
    images = np.memmap(os.path.join(d, "images.u8"), np.uint8, "r", shape=(n, s, s, 3))
    masks = np.memmap(os.path.join(d, "masks.u8"), np.uint8, "r", shape=(n, s // 4, s // 4))
    labels = np.fromfile(os.path.join(d, "labels.f32"), np.float32).reshape(n, 12)
    return images, masks, labels, info


def corner_maps(labels):
    """Gaussian corner targets at stride 4 (max over the corners inside the frame)."""
    b = labels.shape[0]
    ys, xs = np.mgrid[0:CELLS, 0:CELLS].astype(np.float32) + 0.5
    out = np.zeros((b, CELLS, CELLS), np.float32)
    for i in range(b):
        if labels[i, 0] < 0.5:
            continue
        vw, vh = labels[i, 9], labels[i, 10]
        for k in range(4):
            x, y = labels[i, 1 + 2 * k], labels[i, 2 + 2 * k]
            if 0 <= x < vw and 0 <= y < vh:
                g = np.exp(-((xs - x / 4) ** 2 + (ys - y / 4) ** 2) / (2 * CORNER_SIGMA**2))
                np.maximum(out[i], g, out=out[i])
                # The corner's own cell is the positive of the focal loss (CenterNet); its
                # neighbours keep the gaussian, which says where in the cell the corner lies.
                out[i, min(int(y / 4), CELLS - 1), min(int(x / 4), CELLS - 1)] = 1.0
    return out


def batch(data, idx, rng=None):
    """Images, masks, corner maps and presence of the scenes `idx`. With `rng`, half of them are
    mirrored along the axis the frame fills (so the letterbox's padding stays right or below,
    where the core puts it)."""
    images, masks, labels, _ = data
    idx = np.sort(idx)
    img = np.ascontiguousarray(images[idx])
    msk = np.ascontiguousarray(masks[idx])
    lab = labels[idx].copy()
    if rng is not None:
        for i in range(len(idx)):
            if rng.random() >= 0.5:
                continue
            if lab[i, 9] >= SIDE - 0.5:
                img[i] = img[i, :, ::-1]
                msk[i] = msk[i, :, ::-1]
                lab[i, 1:9:2] = SIDE - lab[i, 1:9:2]
            elif lab[i, 10] >= SIDE - 0.5:
                img[i] = img[i, ::-1]
                msk[i] = msk[i, ::-1]
                lab[i, 2:9:2] = SIDE - lab[i, 2:9:2]
    # NHWC bytes -> NCHW floats kept channels-last in memory (1.2x faster convolutions here).
    x = torch.from_numpy(img).permute(0, 3, 1, 2).float().sub_(127.5).div_(127.5)
    x = x.contiguous(memory_format=torch.channels_last)
    m = torch.from_numpy(msk).float().div_(255.0)
    c = torch.from_numpy(corner_maps(lab))
    p = torch.from_numpy(lab[:, 0])
    return x, m, c, p


def dw(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class CardFinder(nn.Module):
    def __init__(self, w=(12, 24, 48, 80, 128), f=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, w[0], 3, 2, 1, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU(inplace=True))
        self.c2 = nn.Sequential(dw(w[0], w[1], 2), dw(w[1], w[1]))                  # stride 4
        self.c3 = nn.Sequential(dw(w[1], w[2], 2), dw(w[2], w[2]))                  # stride 8
        self.c4 = nn.Sequential(dw(w[2], w[3], 2), dw(w[3], w[3]), dw(w[3], w[3]))  # stride 16
        self.c5 = nn.Sequential(dw(w[3], w[4], 2), dw(w[4], w[4]), dw(w[4], w[4]))  # stride 32
        self.l5, self.l4, self.l3, self.l2 = (nn.Conv2d(c, f, 1) for c in (w[4], w[3], w[2], w[1]))
        self.s4, self.s3, self.s2 = dw(f, f), dw(f, f), dw(f, 24)
        self.head = nn.Conv2d(24, 2, 1)
        self.presence = nn.Linear(2 * w[4], 1)

    def forward(self, x):
        x = self.stem(x)
        c2 = self.c2(x)
        c3 = self.c3(c2)
        c4 = self.c4(c3)
        c5 = self.c5(c4)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")
        p = self.l5(c5)
        p = self.s4(up(p) + self.l4(c4))
        p = self.s3(up(p) + self.l3(c3))
        p = self.s2(up(p) + self.l2(c2))
        maps = self.head(p)
        g = torch.cat([c5.mean(dim=(2, 3)), c5.amax(dim=(2, 3))], dim=1)
        return maps, self.presence(g)


class Exported(nn.Module):
    """The shipped graph: probabilities, not logits."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        maps, presence = self.m(x)
        return torch.sigmoid(maps), torch.sigmoid(presence)


def focal(logits, target):
    """CenterNet's penalty-reduced focal loss on the corner map, per corner."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.ge(0.99).float()
    neg = 1 - pos
    lp = -torch.log(p) * (1 - p) ** 2 * pos
    ln = -torch.log(1 - p) * p**2 * (1 - target) ** 4 * neg
    return (lp.sum() + ln.sum()) / pos.sum().clamp(min=1.0)


def losses(model, x, m, c, p):
    maps, pres = model(x)
    ml, cl = maps[:, 0], maps[:, 1]
    bce = F.binary_cross_entropy_with_logits
    mask_loss = bce(ml, m)
    prob = torch.sigmoid(ml)
    inter = (prob * m).sum(dim=(1, 2))
    union = prob.sum(dim=(1, 2)) + m.sum(dim=(1, 2))
    has = p > 0.5
    dice = (1 - (2 * inter + 1) / (union + 1))[has].mean() if has.any() else ml.sum() * 0
    corner_loss = focal(cl, c)
    pres_loss = bce(pres[:, 0], p)
    total = mask_loss * 4 + dice + corner_loss * 0.5 + pres_loss
    return total, dict(mask=mask_loss.item(), dice=dice.item(), corner=corner_loss.item(), presence=pres_loss.item())


@torch.no_grad()
def evaluate(model, data, bs=64):
    model.eval()
    _, _, labels, _ = data
    n = labels.shape[0]
    ious, pres_ok, tp, fp, fn, tn = [], 0, 0, 0, 0, 0
    for s in range(0, n, bs):
        idx = np.arange(s, min(n, s + bs))
        x, m, c, p = batch(data, idx)
        maps, pres = model(x)
        pm = torch.sigmoid(maps[:, 0]) > 0.5
        pp = torch.sigmoid(pres[:, 0]) > 0.5
        for i in range(len(idx)):
            truth = p[i] > 0.5
            if truth:
                t = m[i] > 0.5
                u = (pm[i] | t).sum().item()
                ious.append((pm[i] & t).sum().item() / max(u, 1))
            tp += int(truth and pp[i]); fn += int(truth and not pp[i])
            fp += int((not truth) and pp[i]); tn += int((not truth) and not pp[i])
    model.train()
    return dict(mask_iou=float(np.mean(ious)) if ious else 0.0, presence_recall=tp / max(tp + fn, 1), false_presence=fp / max(fp + tn, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--held", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=float, default=6)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log", default=None)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N scenes only (a smoke run)")
    ap.add_argument("--export-only", action="store_true", help="export an untrained model (to check the graph in tract)")
    ap.add_argument("--checkpoint", default=None, help="also export the model here after every epoch")
    ap.add_argument("--state", default=None, help="also save the PyTorch weights here (with BatchNorm unfused, for a later fine-tune; not shipped)")
    ap.add_argument("--stop-after", type=float, default=0, help="stop after this many epochs of the --epochs schedule (the committed model: 6 of 10)")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    log = open(a.log, "w") if a.log else None

    def say(*s):
        line = " ".join(str(v) for v in s)
        print(line, flush=True)
        if log:
            log.write(line + "\n")
            log.flush()

    model = CardFinder().to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    say(f"card finder: {params} parameters, input {SIDE}x{SIDE}, maps {CELLS}x{CELLS}, torch {torch.__version__}")
    if not a.export_only:
        train, held = load(a.train), load(a.held)
        n = train[2].shape[0] if a.limit == 0 else min(a.limit, train[2].shape[0])
        say(f"train: {n} scenes ({json.dumps(train[3]['kinds'])}); held-out: {held[2].shape[0]} scenes ({json.dumps(held[3]['kinds'])})")
        steps_per_epoch = n // a.batch
        total = int(steps_per_epoch * a.epochs)
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.1)
        rng = np.random.default_rng(a.seed)
        t0, step, run = time.time(), 0, {}
        stop = total if a.stop_after <= 0 else min(total, int(steps_per_epoch * a.stop_after))
        while step < stop:
            perm = rng.permutation(n)
            for s in range(0, n - a.batch + 1, a.batch):
                if step >= stop:
                    break
                x, m, c, p = batch(train, perm[s : s + a.batch], rng)
                loss, parts = losses(model, x, m, c, p)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                step += 1
                for k, v in parts.items():
                    run[k] = run.get(k, v) * 0.98 + v * 0.02
                if step % 100 == 0:
                    el = time.time() - t0
                    say(f"step {step}/{total} epoch {step / steps_per_epoch:.2f} {el:.0f}s ({step * a.batch / el:.0f} img/s) " + " ".join(f"{k} {v:.4f}" for k, v in run.items()))
                if step % steps_per_epoch == 0 or step == stop:
                    ev = evaluate(model, held)
                    say(f"held-out after step {step}: " + " ".join(f"{k} {v:.4f}" for k, v in ev.items()))
                    if a.checkpoint:
                        export(model, a.checkpoint)
                        model.train()
        say(f"training took {time.time() - t0:.0f} s")
        ev_train = evaluate(model, (train[0][:2000], train[1][:2000], train[2][:2000], train[3]))
        say("final train (first 2000): " + " ".join(f"{k} {v:.4f}" for k, v in ev_train.items()))
        ev = evaluate(model, held)
        say("final held-out: " + " ".join(f"{k} {v:.4f}" for k, v in ev.items()))
    export(model, a.out)
    say(f"wrote {a.out} ({os.path.getsize(a.out)} bytes)")
    if a.state:
        torch.save(model.state_dict(), a.state)
        say(f"wrote {a.state}")


def export(model, path):
    model.eval()
    torch.onnx.export(Exported(model), torch.zeros(1, 3, SIDE, SIDE), path, opset_version=17, dynamo=False,
                      input_names=["input"], output_names=["maps", "presence"])


if __name__ == "__main__":
    main()
