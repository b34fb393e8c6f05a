#!/usr/bin/env python3
"""Puts a trained card finder into models/ and records its size and sha256 in
models/manifest.json (the core refuses any other bytes):

    python3 training/document/install.py ~/.cache/likeness/card_finder.onnx
"""
import hashlib
import json
import os
import shutil
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    src = sys.argv[1]
    dst = os.path.join(ROOT, "models", "card_finder.onnx")
    if os.path.abspath(src) != dst:
        shutil.copyfile(src, dst)
    data = open(dst, "rb").read()
    path = os.path.join(ROOT, "models", "manifest.json")
    manifest = json.load(open(path))
    entry = manifest["models"]["card_finder"]
    entry["bytes"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"models/card_finder.onnx: {len(data)} bytes, sha256 {entry['sha256']}")


if __name__ == "__main__":
    main()
