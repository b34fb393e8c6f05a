#!/usr/bin/env node
// The built npm package (pkg/) in a real headless Chromium, on a bare page, through the public
// API only: create() with progress and sha256-checked downloads, compare() on two committed
// photos, every kind of image source, embed/similarity, the error codes (corrupt image, wrong
// arguments, no face, bad models, closed), a second create() served from the Cache API (no model
// request reaches the server), and the Web Worker variant.
//
//   node tests/browser/pkg.test.mjs          (scripts/test_js.sh builds pkg/ first)
//
// Debian's /usr/bin/chromium (CHROMIUM overrides), driven by playwright-core (no browser
// download), a fresh profile, the repo served by scripts/serve.mjs on 127.0.0.1. Prints one line
// per check and a final plain `N passed, N failed`; exits 1 when any check failed.
import { chromium } from 'playwright-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';
import { spawnSync } from 'node:child_process';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const GOLDEN = join(ROOT, 'tests', 'fixtures', 'golden');
const manifest = JSON.parse(await readFile(join(ROOT, 'pkg', 'models', 'manifest.json'), 'utf8'));
const BASE_MODELS = ['fr_detect', 'fr_landmark', 'fr_feature', 'fr_eye', 'card_finder'];
const BASE_BYTES = BASE_MODELS.reduce((n, m) => n + manifest.models[m].bytes, 0);
const golden = async (name) => JSON.parse(await readFile(join(GOLDEN, `${name}.json`), 'utf8'));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - t0} ms)${note ? ` — ${note}` : ''}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) (d += a[i] * b[i]), (na += a[i] * a[i]), (nb += b[i] * b[i]);
  return d / Math.sqrt(na * nb);
};

// Helpers defined in the page: fixtures as the various sources an app has.
const PAGE_HELPERS = () => {
  const url = (name) => `/tests/fixtures/golden/${name}.png`;
  window.fx = {
    url,
    bytes: async (name) => new Uint8Array(await (await fetch(url(name))).arrayBuffer()),
    blob: async (name) => (await fetch(url(name))).blob(),
    img: async (name) => {
      const img = new Image();
      img.src = url(name);
      await img.decode();
      return img;
    },
    canvas: async (name) => {
      const img = await fx.img(name);
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      c.getContext('2d').drawImage(img, 0, 0);
      return c;
    },
    code: async (promiseOrFn) => {
      try {
        await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
        return 'resolved';
      } catch (e) {
        return `${e instanceof Error ? 'Error' : typeof e}:${e && e.code}`;
      }
    },
  };
};

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const server = await serve({ root: ROOT, port: 0 });
const profile = await mkdtemp(join(tmpdir(), 'likeness-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ARGS,
});
const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
page.on('pageerror', (e) => consoleErrors.push(String(e)));

const modelRequests = () => server.requests.filter((p) => p.startsWith('/pkg/models/') && p.endsWith('.onnx'));
async function openBare() {
  await page.goto(`${server.url}tests/browser/bare.html`);
  await page.evaluate(() => window.ready);
  await page.evaluate(PAGE_HELPERS);
}

try {
  // Node 20's V8 has no relaxed SIMD unless asked: without the flag it stands in for Safari.
  await check('relaxedSimdSupported() says exactly where the relaxed core validates (Node with and without relaxed SIMD)', async () => {
    const probe = `
      import { readFileSync } from 'node:fs';
      const { relaxedSimdSupported } = await import(${JSON.stringify(join(ROOT, 'pkg', 'index.js'))});
      const validates = (f) => WebAssembly.validate(readFileSync(${JSON.stringify(join(ROOT, 'pkg', 'core'))} + '/' + f));
      console.log(JSON.stringify({ probe: relaxedSimdSupported(), plain: validates('likeness_bg.wasm'), relaxed: validates('likeness_relaxed_bg.wasm') }));`;
    const run = (flags) => JSON.parse(spawnSync(process.execPath, [...flags, '--input-type=module', '-e', probe], { encoding: 'utf8' }).stdout);
    const without = run([]);
    const withRelaxed = run(['--experimental-wasm-relaxed-simd']);
    assert(JSON.stringify(without) === '{"probe":false,"plain":true,"relaxed":false}', `without relaxed SIMD: ${JSON.stringify(without)}`);
    assert(JSON.stringify(withRelaxed) === '{"probe":true,"plain":true,"relaxed":true}', `with relaxed SIMD: ${JSON.stringify(withRelaxed)}`);
  });

  server.requests.length = 0;
  await openBare();

  await check('create() downloads the 5 models once, reporting byte progress', async () => {
    const r = await page.evaluate(async () => {
      const events = [];
      const t0 = performance.now();
      window.sdk = await likeness.Likeness.create({ onProgress: (loaded, total) => events.push([loaded, total]) });
      const m = await likeness.Likeness.manifest();
      return {
        events,
        ms: performance.now() - t0,
        liveness: sdk.liveness,
        version: likeness.VERSION,
        codes: likeness.ERROR_CODES.join(),
        sha: m.models.fr_feature.sha256,
      };
    });
    assert(r.version === JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8')).version, `VERSION ${r.version}`);
    assert(r.codes === 'INVALID_ARGUMENT,IMAGE_DECODE_FAILED,IMAGE_TOO_LARGE,UNSUPPORTED_FORMAT,NO_FACE,MODEL_INVALID,INTERNAL,NOT_FOUND,MULTIPLE_FACES,STORAGE_QUOTA_EXCEEDED,STORAGE_BLOCKED,STORAGE_VERSION,STORAGE_FAILED,QUALITY_TOO_LOW,PORTRAIT_TOO_SMALL,PORTRAIT_QUALITY_TOO_LOW,CAMERA_DENIED,CAMERA_NOT_FOUND,CAMERA_IN_USE,CAMERA_INSECURE_CONTEXT,CAMERA_OVERCONSTRAINED,CLOSED', r.codes);
    assert(r.sha === manifest.models.fr_feature.sha256, 'Likeness.manifest() is the shipped manifest');
    const reqs = modelRequests();
    assert(reqs.length === BASE_MODELS.length, `model requests: ${JSON.stringify(reqs)}`);
    for (const m of BASE_MODELS) assert(reqs.includes(`/pkg/models/${manifest.models[m].file}`), `no request for ${m}`);
    assert(r.events.length > 4, `only ${r.events.length} progress events`);
    assert(r.events.every(([, t]) => t === BASE_BYTES), `totals ${JSON.stringify(r.events.slice(0, 3))} != ${BASE_BYTES}`);
    assert(r.events.every(([l], i) => i === 0 || l >= r.events[i - 1][0]), 'progress went backwards');
    assert(r.events.at(-1)[0] === BASE_BYTES, `last progress ${r.events.at(-1)}`);
    assert(r.liveness === false, 'liveness');
    return `${r.events.length} progress events, cold create ${r.ms.toFixed(0)} ms`;
  });

  await check('in Chromium create() loads the relaxed-SIMD core, and only it', async () => {
    const r = await page.evaluate(() => ({ simd: sdk.simd, supported: likeness.relaxedSimdSupported() }));
    const cores = server.requests.filter((p) => p.startsWith('/pkg/core/') && p.endsWith('.wasm'));
    assert(r.supported === true && r.simd === 'relaxed-simd', JSON.stringify(r));
    assert(JSON.stringify(cores) === '["/pkg/core/likeness_relaxed_bg.wasm"]', `core downloads: ${JSON.stringify(cores)}`);
  });

  let scan;
  await check('compare(Blob selfie, <img> document) gives the seed 004 record: "Same person"', async () => {
    scan = await page.evaluate(async () =>
      sdk.compare(await fx.blob('obama_640x480'), await fx.img('obama2'), { threshold: 'medium', reference: 'test-0001', channel: 'WEB' }),
    );
    const keys = Object.keys(scan).sort().join(',');
    assert(keys === 'channel,compare_measured_far,compare_measured_frr,compare_mode,compare_nominal_far,compare_preset,compare_result,compare_similarity,compare_threshold,created,document,face1,face2,id,reference', `keys ${keys}`);
    assert(scan.compare_result === 'Same person', `result ${scan.compare_result} (${scan.compare_similarity})`);
    assert(scan.reference === 'test-0001' && scan.channel === 'WEB', 'reference/channel');
    assert(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(scan.id), `id ${scan.id}`);
    assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(scan.created), `created ${scan.created}`);
    for (const f of [scan.face1, scan.face2]) {
      assert(f.landmark_68.length === 68 && f.landmark_5.length === 5, 'landmarks');
      assert(!('embedding' in f), 'a scan record carries no embedding by default');
    }
    const [g1, g2] = [await golden('obama_640x480'), await golden('obama2')];
    const expected = cosine(g1.faces[0].embedding, g2.faces[0].embedding);
    assert(Math.abs(scan.compare_similarity - expected) < 2e-3, `similarity ${scan.compare_similarity} vs golden ${expected.toFixed(4)}`);
    return `similarity ${scan.compare_similarity} (golden embeddings: ${expected.toFixed(4)})`;
  });

  await check('compare() names the preset and its nominal FAR; a document face too small to compare is QUALITY_TOO_LOW with its measurements, on the main thread and in the worker', async () => {
    assert(scan.compare_preset === 'medium' && scan.compare_nominal_far === 1e-4, `preset ${scan.compare_preset} ${scan.compare_nominal_far}`);
    assert(scan.compare_threshold >= 0.4117 - 1e-6 && scan.compare_threshold < 0.5, `threshold ${scan.compare_threshold}`);
    const r = await page.evaluate(async () => {
      // Shrink the document until its face is found with under 8 px between the eyes.
      const img = await fx.img('obama2');
      const eye = (await sdk.analyze(img)).faces[0].eye_dist;
      let small = null;
      let smallEye = null;
      for (let scale = 7.5 / eye; scale > 0.02 && !small; scale *= 0.9) {
        const c = document.createElement('canvas');
        c.width = Math.max(1, Math.round(img.naturalWidth * scale));
        c.height = Math.max(1, Math.round(img.naturalHeight * scale));
        c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
        const faces = (await sdk.analyze(c, { limit: 1 })).faces;
        if (faces.length && faces[0].eye_dist < 8) [small, smallEye] = [c, faces[0].eye_dist];
      }
      if (!small) return { found: false };
      const bitmap = () => createImageBitmap(small);
      const catchIt = async (p) => p.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message, details: e.details }));
      const main = await catchIt(sdk.compare(await fx.blob('obama_640x480'), small));
      const w = await likeness.Likeness.createWorker();
      const worker = await catchIt(w.compare(await fx.blob('obama_640x480'), await bitmap()));
      w.close();
      return { found: true, smallEye, main, worker };
    });
    assert(r.found, 'no scale gave a findable face under 8 px between the eyes');
    for (const [where, e] of [['main thread', r.main], ['worker', r.worker]]) {
      assert(e && e.name === 'LikenessError' && e.code === 'QUALITY_TOO_LOW', `${where}: ${JSON.stringify(e)}`);
      assert(/document photo/.test(e.message), `${where}: ${e.message}`);
      assert(e.details && e.details.min_eye_dist === 8 && e.details.face1_eye_dist > 40, `${where}: details ${JSON.stringify(e.details)}`);
      assert(Math.abs(e.details.face2_eye_dist - r.smallEye) < 1e-3, `${where}: face2_eye_dist ${e.details.face2_eye_dist} vs measured ${r.smallEye}`);
    }
    return `document face of ${r.smallEye.toFixed(1)} px refused on both`;
  });

  await check('detectForVideo tracks a face across frames, refuses a decreasing timestamp, and feeds a capture session to "captured"', async () => {
    const g = (await golden('obama_640x480')).faces[0];
    const r = await page.evaluate(async () => {
      const canvas = await fx.canvas('obama_640x480');
      const frame = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      sdk.resetVideo();
      const session = await likeness.createCaptureSession({ holdMs: 500 });
      const methods = [];
      let update, first, t = 1000, times = [];
      for (let i = 0; i < 40 && !(update && update.done); i++) {
        t += 66;
        const t0 = performance.now();
        const f = await sdk.detectForVideo(frame, t);
        times.push(performance.now() - t0);
        first ??= f;
        methods.push(f.method);
        update = session.update(f);
      }
      const backwards = await fx.code(sdk.detectForVideo(frame, 5));
      const after = await sdk.detectForVideo(frame, t + 66);
      const summary = session.summary();
      const bad = await fx.code(() => likeness.createCaptureSession({ profile: 'passport' }));
      times.sort((a, b) => a - b);
      return { first, methods, update, summary, backwards, afterFaces: after.faces.length, bad, median: times[times.length >> 1] };
    });
    const f = r.first.faces[0];
    assert(r.first.method === 'detected' && f.embedding === undefined, 'first frame detected, no embedding');
    assert(Math.abs(f.x1 - g.x1) < 3 && Math.abs(f.y2 - g.y2) < 3, `box ${f.x1},${f.y2} vs golden ${g.x1},${g.y2}`);
    assert(r.methods.filter((m) => m === 'tracked').length >= r.methods.length - 2, `methods ${r.methods}`);
    assert(r.update.done && r.update.state === 'captured', JSON.stringify(r.update));
    assert(r.summary.timeline[0].code === 'OK' && r.summary.frame_timestamp_ms > 0, JSON.stringify(r.summary));
    assert(r.backwards === 'Error:INVALID_ARGUMENT', r.backwards);
    assert(r.afterFaces === 1, 'the next good timestamp works');
    assert(r.bad === 'Error:INVALID_ARGUMENT', r.bad);
    return `${r.methods.length} frames (${r.methods.filter((m) => m === 'tracked').length} tracked), median ${r.median.toFixed(1)} ms a frame`;
  });

  await check('every kind of source finds the golden face of obama_640x480', async () => {
    const g = (await golden('obama_640x480')).faces[0];
    const results = await page.evaluate(async () => {
      const bytes = await fx.bytes('obama_640x480');
      const canvas = await fx.canvas('obama_640x480');
      const off = new OffscreenCanvas(canvas.width, canvas.height);
      off.getContext('2d').drawImage(canvas, 0, 0);
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      const b64 = btoa(binary);
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = canvas.captureStream(10);
      await video.play();
      await new Promise((r) => (video.readyState >= 2 ? r() : video.addEventListener('loadeddata', r, { once: true })));
      const sources = {
        Uint8Array: bytes,
        ArrayBuffer: bytes.slice().buffer,
        'data URL': `data:image/png;base64,${b64}`,
        base64: b64,
        Blob: await fx.blob('obama_640x480'),
        File: new File([bytes], 'selfie.png', { type: 'image/png' }),
        HTMLImageElement: await fx.img('obama_640x480'),
        HTMLCanvasElement: canvas,
        OffscreenCanvas: off,
        ImageBitmap: await createImageBitmap(canvas),
        ImageData: canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height),
        HTMLVideoElement: video,
      };
      const out = {};
      for (const [name, src] of Object.entries(sources)) {
        try {
          const r = await sdk.analyze(src, { embedding: false });
          out[name] = { width: r.width, height: r.height, faces: r.faces.map((f) => [f.x1, f.y1, f.x2, f.y2]) };
        } catch (e) {
          out[name] = { error: `${e.code}: ${e.message}` };
        }
      }
      video.srcObject.getTracks().forEach((t) => t.stop());
      return out;
    });
    const iou = (a, b) => {
      const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
      const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
      const area = (r) => (r[2] - r[0]) * (r[3] - r[1]);
      return (w * h) / (area(a) + area(b) - w * h);
    };
    const gb = [g.x1, g.y1, g.x2, g.y2];
    const bad = [];
    for (const [name, r] of Object.entries(results)) {
      const min = name === 'HTMLVideoElement' ? 0.9 : 0.99; // a video frame is re-encoded (YUV)
      if (r.error) bad.push(`${name}: ${r.error}`);
      else if (r.width !== 640 || r.height !== 480 || r.faces.length !== 1 || iou(r.faces[0], gb) < min) {
        bad.push(`${name}: ${JSON.stringify(r)}`);
      }
    }
    assert(bad.length === 0, bad.join('; '));
    return `${Object.keys(results).length} source kinds`;
  });

  await check('embed() is a Float32Array(512); similarity() agrees with compare() and with the JS twin', async () => {
    const r = await page.evaluate(async () => {
      const a = await sdk.embed(await fx.blob('obama_640x480'));
      const b = await sdk.embed(await fx.img('obama2'));
      const random = [];
      for (let i = 0; i < 50; i++) {
        const x = new Float32Array(512).map(() => Math.random() * 2 - 1);
        const y = new Float32Array(512).map(() => Math.random() * 2 - 1);
        if (i % 2) for (let k = 0; k < 512; k++) y[k] = x[k] + 0.1 * y[k];
        random.push([sdk.similarity(x, y), likeness.similarity(x, y)]);
      }
      return {
        isF32: a instanceof Float32Array,
        len: a.length,
        norm: Math.hypot(...a),
        core: sdk.similarity(a, b),
        js: likeness.similarity(a, b),
        array: sdk.similarity(Array.from(a), Array.from(b)),
        random,
      };
    });
    assert(r.isF32 && r.len === 512, `embedding ${r.isF32} ${r.len}`);
    assert(Math.abs(r.norm - 1) < 1e-3, `norm ${r.norm}`);
    assert(r.core === scan.compare_similarity, `similarity ${r.core} vs compare ${scan.compare_similarity}`);
    assert(r.js === r.core && r.array === r.core, `JS ${r.js} / array ${r.array} vs core ${r.core}`);
    const off = r.random.filter(([c, j]) => c !== j);
    assert(off.length === 0, `JS similarity differs from the core: ${JSON.stringify(off.slice(0, 3))}`);
  });

  await check('a corrupt image rejects with IMAGE_DECODE_FAILED (bytes, Blob, <img>)', async () => {
    const r = await page.evaluate(async () => {
      const bytes = await fx.bytes('obama_640x480');
      const corrupt = bytes.slice(0, 4096);
      corrupt.fill(7, 200);
      const img = new Image();
      img.src = URL.createObjectURL(new Blob([corrupt], { type: 'image/png' }));
      return {
        bytes: await fx.code(sdk.analyze(corrupt)),
        blob: await fx.code(sdk.compare(new Blob([corrupt]), bytes)),
        img: await fx.code(sdk.analyze(img)),
        notAnImage: await fx.code(sdk.analyze(new TextEncoder().encode('hello, not an image at all'))),
      };
    });
    assert(r.bytes === 'Error:IMAGE_DECODE_FAILED', `bytes: ${r.bytes}`);
    assert(r.blob === 'Error:IMAGE_DECODE_FAILED', `blob: ${r.blob}`);
    assert(r.img === 'Error:IMAGE_DECODE_FAILED', `img: ${r.img}`);
    assert(r.notAnImage === 'Error:UNSUPPORTED_FORMAT', `text: ${r.notAnImage}`);
  });

  await check('wrong arguments reject with INVALID_ARGUMENT (never a TypeError)', async () => {
    const r = await page.evaluate(async () => {
      const bytes = await fx.bytes('obama_640x480');
      const cases = {
        'analyze(42)': () => sdk.analyze(42),
        'analyze(null)': () => sdk.analyze(null),
        'analyze()': () => sdk.analyze(),
        'analyze({})': () => sdk.analyze({}),
        'analyze([1,2])': () => sdk.analyze([1, 2]),
        'analyze(Float32Array)': () => sdk.analyze(new Float32Array(4)),
        'analyze(not base64)': () => sdk.analyze('%%% not base64 %%%'),
        'analyze(<div>)': () => sdk.analyze(document.createElement('div')),
        'analyze(<img> without src)': () => sdk.analyze(new Image()),
        'analyze(<video> without frame)': () => sdk.analyze(document.createElement('video')),
        'analyze(empty canvas)': () => sdk.analyze(Object.assign(document.createElement('canvas'), { width: 0, height: 0 })),
        'analyze(bad ImageData-like)': () => sdk.analyze({ width: 10, height: 10, data: new Uint8ClampedArray(7) }),
        'analyze(bytes, {limt})': () => sdk.analyze(bytes, { limt: 1 }),
        'analyze(bytes, {limit:-1})': () => sdk.analyze(bytes, { limit: -1 }),
        "analyze(bytes, 'x')": () => sdk.analyze(bytes, 'x'),
        'compare(bytes)': () => sdk.compare(bytes),
        "compare(threshold:'loose')": () => sdk.compare(bytes, bytes, { threshold: 'loose' }),
        'embed(true)': () => sdk.embed(true),
        'similarity([1],[1,2])': () => sdk.similarity([1], [1, 2]),
        "similarity('a','b')": () => sdk.similarity('a', 'b'),
        'create({modelsURL})': () => likeness.Likeness.create({ modelsURL: '/models/' }),
        "create({liveness:'yes'})": () => likeness.Likeness.create({ liveness: 'yes' }),
        'new Likeness()': () => new likeness.Likeness(),
      };
      const out = {};
      for (const [name, fn] of Object.entries(cases)) out[name] = await fx.code(fn);
      return out;
    });
    const bad = Object.entries(r).filter(([, v]) => v !== 'Error:INVALID_ARGUMENT');
    assert(bad.length === 0, bad.map(([k, v]) => `${k} -> ${v}`).join('; '));
    return `${Object.keys(r).length} cases`;
  });

  await check('no face: embed() and compare() reject with NO_FACE; analyze() gives no faces', async () => {
    const r = await page.evaluate(async () => ({
      embed: await fx.code(sdk.embed(await fx.blob('no_face'))),
      compare: await fx.code(sdk.compare(await fx.blob('obama2'), await fx.blob('no_face'))),
      faces: (await sdk.analyze(await fx.blob('no_face'))).faces.length,
    }));
    assert(r.embed === 'Error:NO_FACE' && r.compare === 'Error:NO_FACE' && r.faces === 0, JSON.stringify(r));
  });

  await check('bad models reject with MODEL_INVALID (corrupt bytes, 404)', async () => {
    const r = await page.evaluate(async () => ({
      bytes: await fx.code(likeness.Likeness.create({ models: { fr_detect: new Uint8Array(64) } })),
      missing: await fx.code(likeness.Likeness.create({ modelsUrl: '/no/such/dir/', cache: false })),
    }));
    assert(r.bytes === 'Error:MODEL_INVALID' && r.missing === 'Error:MODEL_INVALID', JSON.stringify(r));
  });

  await check('create({ liveness, models }): given bytes are used, cached ones reused, only fr_liveness fetched', async () => {
    server.requests.length = 0;
    const r = await page.evaluate(async () => {
      const get = async (f) => new Uint8Array(await (await fetch(`/pkg/models/${f}`)).arrayBuffer());
      const s = await likeness.Likeness.create({
        liveness: true,
        models: { fr_detect: await get('fr_detect.onnx'), fr_landmark: (await get('fr_landmark.onnx')).buffer },
      });
      const face = (await s.analyze(await fx.blob('obama_640x480'), { liveness: true, embedding: false })).faces[0];
      s.close();
      return { liveness: face.liveness, embedding: 'embedding' in face, has: s.liveness };
    });
    const fetched = modelRequests().sort();
    // fr_detect and fr_landmark by the page itself; fr_eye and fr_feature come from the cache.
    const expected = ['/pkg/models/fr_detect.onnx', '/pkg/models/fr_landmark.onnx', '/pkg/models/fr_liveness.onnx'];
    assert(fetched.join() === expected.join(), `requests ${fetched}`);
    assert(typeof r.liveness === 'number' && r.liveness >= 0 && r.liveness <= 1, `liveness ${r.liveness}`);
    assert(!r.embedding && r.has === true, JSON.stringify(r));
    return `liveness ${r.liveness.toFixed(3)}`;
  });

  await check('close(): later calls fail with CLOSED; close() is idempotent', async () => {
    const r = await page.evaluate(async () => {
      const s = await likeness.Likeness.create();
      s.close();
      s.close();
      return {
        closed: s.closed,
        analyze: await fx.code(s.analyze(await fx.bytes('obama2'))),
        similarity: await fx.code(() => s.similarity([1], [1])),
      };
    });
    assert(r.closed && r.analyze === 'Error:CLOSED' && r.similarity === 'Error:CLOSED', JSON.stringify(r));
  });

  await check('wasmUrl loads the plain-SIMD core (what Safari gets): the same faces and embeddings as the goldens', async () => {
    await page.evaluate(() => sdk.close());
    server.requests.length = 0;
    await openBare();
    const r = await page.evaluate(async () => {
      window.sdk = await likeness.Likeness.create({ wasmUrl: '/pkg/core/likeness_bg.wasm' });
      const faces = (await sdk.analyze(await fx.bytes('obama_640x480'), { embedding: true })).faces;
      return { simd: sdk.simd, faces: faces.map((f) => ({ x1: f.x1, y1: f.y1, embedding: Array.from(f.embedding) })) };
    });
    const cores = server.requests.filter((p) => p.startsWith('/pkg/core/') && p.endsWith('.wasm'));
    assert(r.simd === 'simd', `simd ${r.simd}`);
    assert(JSON.stringify(cores) === '["/pkg/core/likeness_bg.wasm"]', `core downloads: ${JSON.stringify(cores)}`);
    const g = await golden('obama_640x480');
    assert(r.faces.length === g.faces.length, `faces ${r.faces.length}`);
    const cos = cosine(r.faces[0].embedding, g.faces[0].embedding);
    assert(cos >= 0.9999, `embedding cosine to the golden ${cos}`);
    return `embedding cosine to the onnxruntime golden ${cos.toFixed(6)}`;
  });

  await check('after a reload, create() (with and without liveness) is served from the Cache API: no model request', async () => {
    await page.evaluate(() => sdk.close());
    server.requests.length = 0;
    await openBare();
    const r = await page.evaluate(async () => {
      const t0 = performance.now();
      window.sdk = await likeness.Likeness.create();
      const ready = performance.now() - t0;
      const faces = (await sdk.analyze(await fx.blob('obama_640x480'))).faces.length;
      const firstResult = performance.now() - t0;
      (await likeness.Likeness.create({ liveness: true })).close();
      return { ready, firstResult, faces, caches: await caches.keys() };
    });
    const reqs = modelRequests();
    assert(reqs.length === 0, `model requests after reload: ${JSON.stringify(reqs)}`);
    assert(r.faces === 1, `faces ${r.faces}`);
    assert(r.caches.some((k) => k.startsWith('likeness-models-')), `caches ${r.caches}`);
    return `warm create ${r.ready.toFixed(0)} ms, to first result ${r.firstResult.toFixed(0)} ms (cache ${r.caches.join(',')})`;
  });

  await check('a corrupt cached model is detected by its sha256 and fetched again', async () => {
    server.requests.length = 0;
    const r = await page.evaluate(async () => {
      const name = (await caches.keys()).find((k) => k.startsWith('likeness-models-'));
      const cache = await caches.open(name);
      const url = new URL('/pkg/models/fr_eye.onnx', location.href).href;
      const good = new Uint8Array(await (await cache.match(url)).arrayBuffer());
      const bad = good.slice();
      bad[1000] ^= 0xff; // same size, one flipped byte
      await cache.put(url, new Response(bad));
      const s = await likeness.Likeness.create();
      const faces = (await s.analyze(await fx.blob('obama2'))).faces.length;
      s.close();
      const healed = new Uint8Array(await (await cache.match(url)).arrayBuffer());
      return { faces, healed: healed.length === good.length && healed.every((b, i) => b === good[i]) };
    });
    assert(r.faces === 1 && r.healed, JSON.stringify(r));
    assert(modelRequests().join() === '/pkg/models/fr_eye.onnx', `requests ${modelRequests()}`);
  });

  await check('createWorker(): same API and results in a Web Worker, frames transferred, main thread free', async () => {
    server.requests.length = 0;
    const r = await page.evaluate(async () => {
      const events = [];
      // What the page transfers to the worker with each message.
      const transfers = [];
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (msg, transfer) {
        transfers.push([msg.op, (transfer || []).map((t) => t.constructor.name).join('+')]);
        return post.call(this, msg, transfer);
      };
      const w = await likeness.Likeness.createWorker({ onProgress: (l, t) => events.push([l, t]) });
      const doc = await fx.img('obama2');
      const canvas = await fx.canvas('obama_640x480');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      // Warm-up: V8 tiers the worker's wasm up during the first runs, and on a 2-core machine its
      // background compilers compete with the main thread for CPU.
      for (let i = 0; i < 2; i++) await w.analyze(canvas);
      // The main thread keeps running while the worker analyses: timer ticks (every ~4 ms) during
      // each call. Were the core on this thread, no tick could fire inside its synchronous run.
      let last = performance.now();
      let stall = 0;
      let ticks = 0;
      let ticking = true;
      const tick = () => {
        const now = performance.now();
        stall = Math.max(stall, now - last);
        last = now;
        ticks++;
        if (ticking) setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      const t0 = performance.now();
      const during = [];
      const timed = async (p) => {
        const before = ticks;
        const value = await p;
        during.push(ticks - before);
        return value;
      };
      const workerScan = await timed(w.compare(canvas, doc, { reference: 'w-1' }));
      const analyses = [];
      for (let i = 0; i < 3; i++) analyses.push((await timed(w.analyze(canvas))).faces.length);
      const busy = performance.now() - t0;
      ticking = false;
      const mainScan = await sdk.compare(canvas, doc, { reference: 'w-1' });
      const e = await w.embed(data);
      const out = {
        progress: events.at(-1),
        result: workerScan.compare_result,
        sim: workerScan.compare_similarity,
        mainSim: mainScan.compare_similarity,
        analyses,
        embed: [e instanceof Float32Array, e.length],
        imageDataIntact: data.data.length === canvas.width * canvas.height * 4,
        canvasUsable: canvas.getContext('2d').getImageData(0, 0, 1, 1).data.length === 4,
        similarity: w.similarity(e, e),
        badArg: await fx.code(w.analyze(42)),
        corrupt: await fx.code(w.analyze(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]))),
        noFace: await fx.code(w.embed(await fx.blob('no_face'))),
        stall,
        busy,
        during,
      };
      w.close();
      out.closed = await fx.code(w.analyze(canvas));
      Worker.prototype.postMessage = post;
      out.transfers = transfers;
      return out;
    });
    assert(r.result === 'Same person', `worker compare: ${r.result}`);
    assert(r.sim === r.mainSim, `worker similarity ${r.sim} vs main thread ${r.mainSim}`);
    assert(r.analyses.join() === '1,1,1', `analyses ${r.analyses}`);
    assert(r.embed[0] && r.embed[1] === 512, `embed ${r.embed}`);
    assert(r.imageDataIntact && r.canvasUsable, 'the caller keeps its ImageData and canvas');
    assert(Math.abs(r.similarity - 1) < 1e-6, `self-similarity ${r.similarity}`);
    assert(r.badArg === 'Error:INVALID_ARGUMENT', `bad argument: ${r.badArg}`);
    assert(r.corrupt === 'Error:IMAGE_DECODE_FAILED', `corrupt: ${r.corrupt}`);
    assert(r.noFace === 'Error:NO_FACE', `no face: ${r.noFace}`);
    assert(r.closed === 'Error:CLOSED', `after close: ${r.closed}`);
    const sent = (op) => r.transfers.filter(([o]) => o === op).map(([, t]) => t);
    assert(sent('compare').every((t) => t === 'ImageBitmap+ImageBitmap'), `compare transfers ${sent('compare')}`);
    assert(sent('analyze').slice(0, 5).every((t) => t === 'ImageBitmap'), `analyze(canvas) transfers ${sent('analyze')}`);
    assert(sent('embed')[0] === '', `embed(ImageData) must copy, not transfer: ${sent('embed')}`);
    assert(r.progress && r.progress[0] === BASE_BYTES && r.progress[1] === BASE_BYTES, `progress ${r.progress}`);
    assert(modelRequests().length === 0, `the worker fetched models despite the cache: ${modelRequests()}`);
    const median = [...r.during].sort((a, b) => a - b)[Math.floor(r.during.length / 2)];
    assert(median >= 3, `the main thread did not run during worker calls: ticks per call ${r.during}`);
    return `main thread ticks per worker call ${r.during.join('/')}, longest stall ${r.stall.toFixed(0)} ms in ${r.busy.toFixed(0)} ms`;
  });

  await check('no console errors on the page', async () => {
    const unexpected = consoleErrors.filter((t) => !/404|Failed to load resource/.test(t));
    assert(unexpected.length === 0, unexpected.join(' | '));
  });
} catch (e) {
  failed++;
  console.log(`not ok - the test run itself failed: ${e && e.stack ? e.stack : e}`);
} finally {
  await context.close().catch(() => {});
  await server.close();
  await rm(profile, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
