#!/usr/bin/env python3
"""Writes the scan records that bench/backend/run.sh posts, and seeds ids for the GET run.

  make_record.py body OUT [--embeddings]   a seed-004 scan record, compact JSON, with the id
                                           00000000-0000-4000-8000-000000000000 (create.lua
                                           replaces it with a fresh UUID per request)
  make_record.py seed URL TOKEN BODY N     POSTs N records with ids b0000000-0000-4000-8000-%012x
                                           (0..N-1) to URL (must be http://127.0.0.1:PORT)

The faces are the SDK's real output for two golden images (tests/fixtures/golden/biden.json and
obama2.json): 68 + 5 landmarks at full precision, quality fields, liveness. Without --embeddings
the record is what the SDK posts by default (~8 KB); with it, both 512-d embeddings are
included (the per-call opt-in; ~28 KB).
"""
import http.client, json, os, sys, urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def face(name, embeddings):
    with open(os.path.join(ROOT, "tests", "fixtures", "golden", name)) as f:
        face = json.load(f)["faces"][0]
    if not embeddings:
        face.pop("embedding", None)
    return face


def record(embeddings):
    # Top-level values are seed 004's example; the faces are real SDK output.
    return {
        "channel": "WEB",
        "compare_result": "Same person",
        "compare_similarity": 0.8381412625312805,
        "created": "2024-05-01T12:12:06.090098",
        "face1": face("biden.json", embeddings),
        "face2": face("obama2.json", embeddings),
        "id": PLACEHOLDER,
        "reference": "0002",
    }


def main():
    if sys.argv[1] == "body":
        body = json.dumps(record("--embeddings" in sys.argv[3:]), separators=(",", ":"))
        with open(sys.argv[2], "w") as f:
            f.write(body)
        print(len(body.encode()))
    elif sys.argv[1] == "seed":
        url, token, body_path, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        u = urllib.parse.urlsplit(url)
        if u.hostname != "127.0.0.1":
            sys.exit("seed: only 127.0.0.1 is allowed as a target")
        with open(body_path) as f:
            template = f.read()
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        for i in range(n):
            body = template.replace(PLACEHOLDER, "b0000000-0000-4000-8000-%012x" % i)
            conn.request("POST", "/v1/face-recognition", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 201):
                sys.exit("seed: POST %d answered %d" % (i, r.status))
        conn.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
