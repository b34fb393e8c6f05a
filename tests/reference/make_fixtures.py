#!/usr/bin/env python3
"""Writes the PNG fixtures of tests/fixtures/golden/ from the public-domain photos in
tests/fixtures/images/ (face_recognition 1.3.0 sdist). Deterministic: fixed crops, PIL
resampling, a seeded generator for noise. The PNGs are committed; rerun only to change them."""
import os

import numpy as np
from PIL import Image, ImageOps

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SRC = os.path.join(ROOT, "tests", "fixtures", "images")
OUT = os.path.join(ROOT, "tests", "fixtures", "golden")


def load(name):
    return ImageOps.exif_transpose(Image.open(os.path.join(SRC, name))).convert("RGB")


def fit(im, long_side=640):
    s = long_side / max(im.size)
    if s >= 1:
        return im
    return im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS)


def save(im, name):
    im.save(os.path.join(OUT, name), optimize=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    obama = load("obama.jpg")                       # 910x1137 portrait, face ~ (380,81)-(606,411)
    o640 = obama.crop((0, 0, 910, 682)).resize((640, 480), Image.LANCZOS)
    save(o640, "obama_640x480.png")                 # the benchmark photo
    save(ImageOps.mirror(o640), "obama_mirrored.png")
    dark = (np.asarray(o640, np.float64) * 0.3).round().astype(np.uint8)
    save(Image.fromarray(dark), "obama_dark.png")
    # face partly outside the frame: the left ~40% of the face is cut off
    save(obama.crop((470, 0, 910, 660)).resize((320, 480), Image.LANCZOS), "obama_partial_face.png")
    biden = fit(load("biden.jpg"))
    save(biden, "biden.png")
    save(fit(load("obama2.jpg")), "obama2.png")
    save(fit(load("obama3.jpg")), "obama3.png")
    # two faces side by side: obama (left) and biden (right), both 480 high
    b = load("biden.jpg").crop((240, 0, 970, 1000)).resize((263, 360), Image.LANCZOS)
    two = Image.new("RGB", (480 + 263, 360))
    two.paste(o640.resize((480, 360), Image.LANCZOS), (0, 0))
    two.paste(b, (480, 0))
    save(two, "two_faces.png")
    # no face: a smooth colour gradient with mild seeded noise
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:240, 0:320]
    g = np.stack([xx * 255 / 319, yy * 255 / 239, 255 - xx * 255 / 319], -1)
    g = np.clip(g + rng.normal(0, 3, g.shape), 0, 255).round().astype(np.uint8)
    save(Image.fromarray(g), "no_face.png")
    # ID-photo-like tight grayscale crop, 150x150 (face fills the frame)
    save(ImageOps.grayscale(obama.crop((390, 110, 600, 320)).resize((150, 150), Image.LANCZOS)),
         "id_crop.png")
    # tighter still (forehead and chin cut): missed by the plain pass, found by the padded retry
    save(ImageOps.grayscale(obama.crop((420, 160, 570, 310)).resize((120, 120), Image.LANCZOS)),
         "id_tight.png")
    # occluders on a 320x240 cut of the 640x480 photo (face ~ (77,43)-(236,279) there)
    face = np.asarray(o640)[20:260, 190:510]
    a = face.copy()
    a[105:145, 60:250] = 0                          # black bar over the eyes
    save(Image.fromarray(a), "obama_eyes_bar.png")
    a = face.copy()
    a[170:240, 80:230] = 128                        # gray block over mouth and chin
    save(Image.fromarray(a), "obama_mouth_block.png")


if __name__ == "__main__":
    main()
