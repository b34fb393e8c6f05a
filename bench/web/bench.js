// The browser benchmark page (bench/web/index.html): Likeness beside onnxruntime-web and
// face-api.js in the same page, same photo, one thread, WebAssembly SIMD. Numbers, not a test.
//
// Served from the repo root (bench/web/run.mjs does that), so the absolute paths below resolve:
//   /pkg/index.js, /pkg/models/         the built npm package (scripts/build_pkg.sh)
//   /models/*.onnx                      the repo's models, for onnxruntime-web
//   /bench/web/node_modules/...                onnxruntime-web, @vladmandic/face-api, tfjs wasm binaries
//   /tests/fixtures/golden/obama_640x480.png (+ .json)   the photo (640x480, one face)
//
// ?run=likeness|ort|faceapi runs one section (the driver loads the page once per section so they
// never share a heap); without it every section runs in turn. &runs=20&warmup=10 by default.
// &loops=0 (likeness only) measures the start-up alone. The result is left in window.__bench.

const params = new URLSearchParams(location.search);
const RUNS = Number(params.get('runs') ?? 20);
const WARMUP = Number(params.get('warmup') ?? 10);
const PKG = params.get('pkg') ?? '/pkg/index.js';
const PKG_MODELS = params.get('pkgModels') ?? '/pkg/models/';
const ORT_DIST = '/bench/web/node_modules/onnxruntime-web/dist/';
const FACEAPI = '/bench/web/node_modules/@vladmandic/face-api/';
const TFJS_WASM_DIST = '/bench/web/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const PHOTO = '/tests/fixtures/golden/obama_640x480.png';
const PHOTO_JSON = '/tests/fixtures/golden/obama_640x480.json';

const $ = (id) => document.getElementById(id);
function log(...args) {
  const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  console.log(line);
  $('log').textContent += line + '\n';
}
function status(text) {
  $('status').textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Timing.

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], runs: n, times };
}

/** `warmup` untimed calls, then the median of `runs` timed calls (each awaited). */
async function timeit(name, fn, { runs = RUNS, warmup = WARMUP } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const s = stats(times);
  log(`${name}: median ${s.median.toFixed(2)} ms (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, n=${s.runs})`);
  addRow(name, s);
  return s;
}

function addRow(name, s, note = '') {
  const tr = document.createElement('tr');
  const cells = [name, s.median.toFixed(2), s.min?.toFixed(2) ?? '', s.max?.toFixed(2) ?? '', note];
  cells.forEach((c, i) => {
    const td = document.createElement('td');
    td.textContent = c;
    if (i > 0 && i < 4) td.className = 'n';
    tr.appendChild(td);
  });
  $('results').tBodies[0].appendChild(tr);
}

// ---------------------------------------------------------------------------------------------
// The photo, decoded once by the browser.

async function photo() {
  const bytes = new Uint8Array(await (await fetch(PHOTO)).arrayBuffer());
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const imageData = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  const golden = await (await fetch(PHOTO_JSON)).json();
  return { bytes, bitmap, canvas, imageData, golden };
}

/** A region of the photo resized to w x h, as an NCHW float tensor (RGB, BGR or gray). */
function crop(bitmap, [sx, sy, sw, sh], w, h, { channels, scale, offset }) {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, w, h);
  const px = ctx.getImageData(0, 0, w, h).data;
  const plane = w * h;
  const out = new Float32Array(plane * (channels === 'gray' ? 1 : 3));
  for (let i = 0; i < plane; i++) {
    const r = px[4 * i], g = px[4 * i + 1], b = px[4 * i + 2];
    if (channels === 'gray') {
      out[i] = (0.299 * r + 0.587 * g + 0.114 * b - offset) * scale;
    } else {
      const [c0, c1, c2] = channels === 'bgr' ? [b, g, r] : [r, g, b];
      out[i] = (c0 - offset) * scale;
      out[plane + i] = (c1 - offset) * scale;
      out[2 * plane + i] = (c2 - offset) * scale;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The bare model runs' inputs (Likeness's runModel and onnxruntime-web get the same tensors).

/**
 * The inputs of each bare model run, cut from the photo as Likeness would feed them (close
 * enough: the timing does not depend on the values): `{ key: [shape, Float32Array] }`.
 */
function modelInputs(bitmap, golden) {
  const f = golden.faces[0];
  const lm = f.landmark_68;
  const side = f.y2 - f.y1;
  const square = [(f.x1 + f.x2) / 2 - side / 2, f.y1, side, side];
  const eye = (a, b, c, d, left, right) => {
    const cx = (lm[a].x + lm[b].x + lm[c].x + lm[d].x) / 4;
    const cy = (lm[a].y + lm[b].y + lm[c].y + lm[d].y) / 4;
    const s = 1.6 * Math.hypot(lm[right].x - lm[left].x, lm[right].y - lm[left].y);
    return [cx - s / 2, cy - s / 2, s, s];
  };
  return {
    fr_detect: [[1, 3, 240, 320], crop(bitmap, [0, 0, bitmap.width, bitmap.height], 320, 240, { channels: 'rgb', offset: 127, scale: 1 / 128 })],
    fr_landmark: [[1, 1, 64, 64], crop(bitmap, square, 64, 64, { channels: 'gray', offset: 0, scale: 1 / 256 })],
    fr_feature: [[1, 3, 112, 112], crop(bitmap, [f.x1, f.y1, f.x2 - f.x1, f.y2 - f.y1], 112, 112, { channels: 'bgr', offset: 127, scale: 1 / 128 })],
    fr_eye_left: [[1, 1, 24, 24], crop(bitmap, eye(37, 38, 40, 41, 36, 39), 24, 24, { channels: 'gray', offset: 0, scale: 1 / 255 })],
    fr_eye_right: [[1, 1, 24, 24], crop(bitmap, eye(43, 44, 46, 47, 42, 45), 24, 24, { channels: 'gray', offset: 0, scale: 1 / 255 })],
  };
}

// ---------------------------------------------------------------------------------------------
// Likeness: start-up (create() to first result) and the full analyze() through the public API.

async function runLikeness() {
  const out = { section: 'likeness' };
  const cacheNames = typeof caches !== 'undefined' ? await caches.keys() : [];
  out.cacheEntriesBefore = cacheNames.filter((k) => k.startsWith('likeness-models-')).length;
  const { imageData, bytes, bitmap, golden } = await photo();
  // &build=simd|relaxed-simd loads that core; without it create() picks one, as in an app.
  const build = params.get('build');
  const wasmUrl = build ? new URL(`./core/${build === 'relaxed-simd' ? 'likeness_relaxed_bg.wasm' : 'likeness_bg.wasm'}`, new URL(PKG, location.href)) : undefined;

  status('likeness: import');
  let t = performance.now();
  const { Likeness, VERSION } = await import(PKG);
  out.importMs = performance.now() - t;
  out.version = VERSION;

  status('likeness: create + first analyze');
  let progressed = 0;
  const t0 = performance.now();
  const sdk = await Likeness.create({ modelsUrl: PKG_MODELS, wasmUrl, onProgress: (loaded) => (progressed = loaded) });
  out.build = sdk.simd;
  const t1 = performance.now();
  const first = await sdk.analyze(imageData, { limit: 1, embedding: true, liveness: false });
  const t2 = performance.now();
  out.createMs = t1 - t0;
  out.firstAnalyzeMs = t2 - t1;
  out.startMs = t2 - t0;
  out.modelBytes = progressed;
  out.cacheEntriesAfter = (typeof caches !== 'undefined' ? await caches.keys() : []).filter((k) => k.startsWith('likeness-models-')).length;
  log(`likeness ${VERSION}: import ${out.importMs.toFixed(1)} ms; create ${out.createMs.toFixed(1)} ms + first analyze ${out.firstAnalyzeMs.toFixed(1)} ms = ${out.startMs.toFixed(1)} ms (cache entries before: ${out.cacheEntriesBefore})`);
  addRow(`start-up (${out.cacheEntriesBefore ? 'warm, models from the Cache API' : 'cold, empty cache'}): create() → first result`, { median: out.startMs });

  // Sanity: one face, where the native golden file has it, with a 512-D embedding.
  const face = first.faces[0];
  const g = golden.faces[0];
  out.check = {
    faces: first.faces.length,
    embedding: face && face.embedding ? face.embedding.length : 0,
    boxDelta: face ? Math.max(Math.abs(face.x1 - g.x1), Math.abs(face.y1 - g.y1), Math.abs(face.x2 - g.x2), Math.abs(face.y2 - g.y2)) : null,
  };
  log('likeness check:', out.check);
  if (out.check.faces !== 1 || out.check.embedding !== 512) throw new Error(`unexpected analyze result: ${JSON.stringify(out.check)}`);

  if (params.get('loops') !== '0') {
    status('likeness: timing');
    const blank = new ImageData(new Uint8ClampedArray(imageData.data.length).fill(128), imageData.width, imageData.height);
    const none = await sdk.analyze(blank, { limit: 1, embedding: true, liveness: false });
    if (none.faces.length !== 0) log(`note: the blank frame gave ${none.faces.length} faces`);
    out.full = await timeit('likeness analyze(ImageData), embedding on, liveness off', () =>
      sdk.analyze(imageData, { limit: 1, embedding: true, liveness: false }));
    out.noEmbedding = await timeit('likeness analyze(ImageData), embedding off', () =>
      sdk.analyze(imageData, { limit: 1, embedding: false, liveness: false }));
    out.fullPng = await timeit('likeness analyze(PNG bytes), embedding on (decode included)', () =>
      sdk.analyze(bytes, { limit: 1, embedding: true, liveness: false }));
    // No face: the detector runs twice (the whole frame, then the black-padded retry for tight crops).
    out.blank = await timeit('likeness analyze(blank 640x480 ImageData): no face, so 2 detector passes', () =>
      sdk.analyze(blank, { limit: 1, embedding: true, liveness: false }));

    // Where start-up goes: the raw core's constructor as create() calls it (sizes checked, the
    // sha256 already compared with SubtleCrypto; tract parse/optimise of the four models) with
    // the bytes already in memory. Same module instance as the package's.
    status('likeness: core constructor');
    const core = await import(new URL('./core/likeness.js', new URL(PKG, location.href)).href);
    const names = core.Likeness.requiredModels(false);
    const manifest = core.Likeness.manifest();
    const models = {};
    for (const n of names) models[n] = new Uint8Array(await (await fetch(new URL(manifest.models[n].file, new URL(PKG_MODELS, location.href)))).arrayBuffer());
    out.coreNew = await timeit('likeness core: new Likeness(models, false, true) (bytes in memory)', () => new core.Likeness(models, false, true).free(), { runs: 3, warmup: 0 });

    // The bare model runs, on the tensors onnxruntime-web gets (runModel: the benchmark's hook).
    status('likeness: bare model runs');
    const raw = new core.Likeness(models, false, true);
    const inputs = modelInputs(bitmap, golden);
    out.models = {};
    for (const [key, [, data]] of Object.entries(inputs)) {
      out.models[key] = await timeit(`likeness (${out.build}) ${key}, bare run`, () => raw.runModel(key.startsWith('fr_eye') ? 'fr_eye' : key, data));
    }
    // Where each model's time goes: the mean over 10 profiled runs (after the timed runs), per kind of op.
    out.profile = {};
    for (const key of ['fr_detect', 'fr_feature', 'fr_landmark']) {
      const total = {};
      for (let i = 0; i < 10; i++) {
        for (const [kind, t] of raw.profileModel(key, inputs[key][1])) total[kind] = (total[kind] ?? 0) + t / 10;
      }
      out.profile[key] = Object.entries(total).sort((a, b) => b[1] - a[1]);
      log(`likeness (${out.build}) ${key} profile: ${out.profile[key].map(([k, t]) => `${k} ${t.toFixed(2)}`).join(', ')}`);
    }
    raw.free();
  }
  sdk.close();
  return out;
}

// ---------------------------------------------------------------------------------------------
// onnxruntime-web: the bare inference of the same models on the same inputs (no pre/post).

async function runOrt() {
  const out = { section: 'ort' };
  const { bitmap, golden } = await photo();
  status('ort: import');
  const ort = await import(ORT_DIST + 'ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = new URL(ORT_DIST, location.href).href;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  if ('simd' in ort.env.wasm) ort.env.wasm.simd = true; // older versions; SIMD is always on in 1.2x+
  out.version = ort.env.versions?.web ?? ort.env.versions?.common ?? 'unknown';

  const inputs = modelInputs(bitmap, golden);

  status('ort: sessions');
  const t0 = performance.now();
  const sessions = {};
  for (const name of ['fr_detect', 'fr_landmark', 'fr_feature', 'fr_eye']) {
    const model = new Uint8Array(await (await fetch(`/models/${name}.onnx`)).arrayBuffer());
    sessions[name] = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  }
  out.sessionsMs = performance.now() - t0;
  log(`onnxruntime-web ${out.version}: 4 sessions created in ${out.sessionsMs.toFixed(1)} ms`);

  const feeds = {};
  for (const [key, [shape, data]] of Object.entries(inputs)) {
    const session = sessions[key.startsWith('fr_eye') ? 'fr_eye' : key];
    feeds[key] = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  }
  const run = (key) => sessions[key.startsWith('fr_eye') ? 'fr_eye' : key].run(feeds[key]);
  const first = await run('fr_detect');
  out.check = { detectOutputs: Object.keys(first), maxScore: Math.max(...Array.from(first.scores.data).filter((_, i) => i % 2 === 1)) };
  log('ort check:', out.check);

  status('ort: timing');
  out.models = {};
  for (const key of ['fr_detect', 'fr_landmark', 'fr_feature', 'fr_eye_left', 'fr_eye_right']) {
    out.models[key] = await timeit(`onnxruntime-web ${key} ${JSON.stringify(inputs[key][0])}`, () => run(key));
  }
  const m = out.models;
  out.sum = m.fr_detect.median + m.fr_landmark.median + m.fr_feature.median + m.fr_eye_left.median + m.fr_eye_right.median;
  log(`onnxruntime-web sum of medians (detect + landmark + feature + 2 eyes): ${out.sum.toFixed(2)} ms`);
  addRow('onnxruntime-web sum of medians', { median: out.sum });
  out.chain = await timeit('onnxruntime-web the five runs back to back', async () => {
    await run('fr_detect');
    await run('fr_landmark');
    await run('fr_feature');
    await run('fr_eye_left');
    await run('fr_eye_right');
  });
  for (const s of Object.values(sessions)) await s.release();
  return out;
}

// ---------------------------------------------------------------------------------------------
// face-api.js (@vladmandic/face-api): detection + 68 landmarks + descriptor.

async function runFaceApi() {
  const out = { section: 'faceapi' };
  const { canvas } = await photo();
  status('face-api: import');
  const faceapi = await import(FACEAPI + 'dist/face-api.esm.js');
  const tf = faceapi.tf;
  out.version = faceapi.version;
  out.tfjs = tf.version_core ?? tf.version?.['tfjs-core'];
  const wanted = params.get('faceapiBackend') ?? 'wasm';
  let backend = 'cpu';
  if (wanted === 'wasm') {
    try {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, like the others
      (tf.setWasmPaths ?? faceapi.setWasmPaths)?.(new URL(TFJS_WASM_DIST, location.href).href);
      if (await tf.setBackend('wasm')) backend = 'wasm';
    } catch (e) {
      log(`face-api: the wasm backend failed (${e && e.message ? e.message : e}); using cpu`);
    }
  }
  if (backend === 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  out.backend = tf.getBackend();
  if (out.backend === 'wasm') {
    out.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    out.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  log(`face-api ${out.version} (tfjs ${out.tfjs}), backend ${out.backend}`, out.backend === 'wasm' ? `simd ${out.simd}, threads ${out.threads}` : '');

  status('face-api: models');
  const t0 = performance.now();
  const uri = FACEAPI + 'model/';
  await faceapi.nets.ssdMobilenetv1.loadFromUri(uri);
  await faceapi.nets.tinyFaceDetector.loadFromUri(uri);
  await faceapi.nets.faceLandmark68Net.loadFromUri(uri);
  await faceapi.nets.faceRecognitionNet.loadFromUri(uri);
  out.loadMs = performance.now() - t0;

  const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
  const tiny = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
  const full = (opts) => faceapi.detectSingleFace(canvas, opts).withFaceLandmarks().withFaceDescriptor();
  const r = await full(ssd);
  out.check = { found: !!r, landmarks: r ? r.landmarks.positions.length : 0, descriptor: r ? r.descriptor.length : 0, box: r ? r.detection.box : null };
  log('face-api check:', out.check);
  if (!r) throw new Error('face-api found no face');

  status('face-api: timing');
  out.full = await timeit(`face-api.js (${out.backend}) SSD MobileNet v1 + 68 landmarks + descriptor`, () => full(ssd));
  out.fullTiny = await timeit(`face-api.js (${out.backend}) TinyFaceDetector 416 + 68 landmarks + descriptor`, () => full(tiny));
  out.numTensors = tf.memory().numTensors;
  return out;
}

// ---------------------------------------------------------------------------------------------

const SECTIONS = { likeness: runLikeness, ort: runOrt, faceapi: runFaceApi };

async function main() {
  const which = params.get('run');
  const names = which ? which.split(',') : Object.keys(SECTIONS);
  const results = {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    wasmSimd: WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])),
    runs: RUNS,
    warmup: WARMUP,
  };
  for (const name of names) {
    if (!SECTIONS[name]) throw new Error(`unknown section ${name}`);
    results[name] = await SECTIONS[name]();
  }
  status('done');
  return results;
}

main().then(
  (result) => {
    window.__bench = { ok: true, result };
  },
  (e) => {
    const message = e && e.stack ? e.stack : String(e);
    log('FAILED: ' + message);
    status('failed');
    window.__bench = { ok: false, error: message };
  },
);
