// The card finder in Chromium: `analyzeDocument` (the still path: finder + portrait + embedding)
// on each held-out scene of frames/SET/ (written by run.mjs with `document_eval --write-frames`),
// and `detectDocumentForVideo` (the live path: no embedding) on the same frames as ImageData.
// Found: Jaccard index of the document's quad with the truth >= 0.9 (for cut cards, of the parts
// inside the frame) — the same measure as examples/document_eval/scenes.rs.
import { Likeness } from '/pkg/index.js';

const q = new URLSearchParams(location.search);
const set = q.get('set') ?? '1920';
const build = q.get('build');
const status = (s) => { document.getElementById('status').textContent = s; };

function area(p) {
  let a = 0;
  for (let i = 0; i < p.length; i++) { const [x1, y1] = p[i], [x2, y2] = p[(i + 1) % p.length]; a += x1 * y2 - x2 * y1; }
  return Math.abs(a) / 2;
}
// `subject` clipped by the convex polygon `clip` (Sutherland–Hodgman), either orientation.
function clipPolygon(subject, clip) {
  let o = 0;
  for (let i = 0; i < clip.length; i++) { const [x1, y1] = clip[i], [x2, y2] = clip[(i + 1) % clip.length]; o += x1 * y2 - x2 * y1; }
  const sgn = o >= 0 ? 1 : -1;
  let out = subject.slice();
  for (let i = 0; i < clip.length && out.length; i++) {
    const a = clip[i], b = clip[(i + 1) % clip.length];
    const side = (p) => sgn * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    const input = out; out = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j], r = input[(j + 1) % input.length], sp = side(p), sr = side(r);
      if (sp >= 0) out.push(p);
      if ((sp >= 0) !== (sr >= 0)) { const t = sp / (sp - sr); out.push([p[0] + t * (r[0] - p[0]), p[1] + t * (r[1] - p[1])]); }
    }
  }
  return out;
}
function quadIou(a, b, w, h) {
  const f = [[0, 0], [w, 0], [w, h], [0, h]];
  const pa = clipPolygon(a, f), pb = clipPolygon(b, f);
  const inter = pa.length && pb.length ? clipPolygon(pa, pb) : [];
  const ai = inter.length >= 3 ? area(inter) : 0, u = area(pa) + area(pb) - ai;
  return u > 0 ? ai / u : 0;
}
const median = (v) => { const s = [...v].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

async function main() {
  const truth = await (await fetch(`frames/${set}/truth.json`)).json();
  const t0 = performance.now();
  const sdk = await Likeness.create(build ? { wasmUrl: new URL(`/pkg/core/${build === 'simd' ? 'likeness_bg.wasm' : 'likeness_relaxed_bg.wasm'}`, location.href).href } : {});
  const createMs = performance.now() - t0;
  const rows = [];
  let ts = 0;
  for (const [i, t] of truth.entries()) {
    status(`${i + 1} / ${truth.length}: ${t.file}`);
    const blob = await (await fetch(`frames/${set}/${t.file}`)).blob();
    const bitmap = await createImageBitmap(blob);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    if (i === 0) { await sdk.analyzeDocument(pixels); await sdk.detectDocumentForVideo(pixels, (ts += 100)); }
    let s = performance.now();
    const doc = await sdk.analyzeDocument(pixels);
    const stillMs = performance.now() - s;
    s = performance.now();
    const live = await sdk.detectDocumentForVideo(pixels, (ts += 100));
    const liveMs = performance.now() - s;
    const iou = t.quad && doc.document ? quadIou(doc.document.corners, t.quad, t.width, t.height) : 0;
    rows.push({ file: t.file, kind: t.kind, width: t.width, height: t.height, has: !!t.quad, said: !!doc.document, iou,
      liveSaid: !!live.document, code: doc.instruction.code, portrait: !!doc.portrait, stillMs, liveMs });
  }
  return { set, build: sdk.simd, createMs, userAgent: navigator.userAgent, rows };
}

main().then((result) => { status('done'); window.__bench = { ok: true, result }; },
  (e) => { status(`error: ${e}`); window.__bench = { ok: false, error: String(e && e.stack || e) }; });
