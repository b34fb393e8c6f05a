// The live-capture per-frame benchmark page (bench/capture/index.html): `sdk.detectForVideo()`
// at 640x480, one thread, on the main thread (`Likeness.create()`) or in the worker
// (`Likeness.createWorker()`, timed end to end per call: the ImageData's structured clone to the
// worker, the core, the answer back). Numbers, not a test.
//
// Served from the repo root (bench/capture/run.mjs does that), so the absolute paths resolve:
//   /pkg/index.js, /pkg/models/                   the built npm package (scripts/build_pkg.sh)
//   /tests/fixtures/golden/obama_640x480.png      the face (640x480, one face)
//
// Frames are made on a canvas, one new ImageData per call (what a camera loop hands over), all
// outside the timed region:
//   face        the photo drawn with a drift of 1 px a frame (a ±30 px triangle wave) and a
//               scale of 0.9–1.1 (a sine over 60 frames) on a grey-brown background, so the
//               tracker really has to follow the face
//   grey        mid grey with ±10 of fresh noise per channel per frame, no face
//   background  the photo's face-free left strip (flag and curtain, x 0–224), stretched to
//               640x480 and drifting 1 px a frame, no face
// Timestamps advance 33.3 ms a frame; `resetVideo()` before each scenario; `warmup` untimed
// frames, then `frames` timed ones, each awaited. Before the first row, 2 x `warmup` untimed
// frames of every kind warm the page up once.
//
// ?mode=main|worker|inner (main; inner = our own worker around the main-thread API, timed inside
// the worker too: compute vs message round trip) &frames=100 &warmup=20 &capture=1 (also time getting ImageData from
// a canvas / <video>; main mode only). The result is left in window.__bench.

const params = new URLSearchParams(location.search);
const MODE = params.get('mode') ?? 'main';
const FRAMES = Number(params.get('frames') ?? 100);
const WARMUP = Number(params.get('warmup') ?? 20);
const CAPTURE = params.get('capture') !== '0';
const PKG = params.get('pkg') ?? '/pkg/index.js';
const PHOTO = '/tests/fixtures/golden/obama_640x480.png';
const W = 640;
const H = 480;
const FRAME_MS = 1000 / 30;

const $ = (id) => document.getElementById(id);
function log(...args) {
  const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  console.log(line);
  $('log').textContent += line + '\n';
}

// ---------------------------------------------------------------------------------------------
// Statistics.

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return null;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p90 = s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)]; // nearest rank
  const mean = s.reduce((a, b) => a + b, 0) / n;
  return { median, p90, mean, min: s[0], max: s[n - 1], n };
}

function addRow(name, s, tracked = '', faces = '') {
  const tr = document.createElement('tr');
  [name, s.median.toFixed(2), s.p90.toFixed(2), s.mean.toFixed(2), tracked, faces].forEach((c, i) => {
    const td = document.createElement('td');
    td.textContent = c;
    if (i > 0 && i < 4) td.className = 'n';
    tr.appendChild(td);
  });
  $('results').tBodies[0].appendChild(tr);
}

// ---------------------------------------------------------------------------------------------
// Frames.

async function loadPhoto() {
  const blob = await (await fetch(PHOTO)).blob();
  return createImageBitmap(blob);
}

function canvas2d(width = W, height = H, willReadFrequently = true) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently });
  return { canvas, ctx };
}

// A small deterministic PRNG (mulberry32), so every round sees the same noise.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Frame i of the face video, drawn into ctx. */
function drawFace(ctx, photo, i) {
  const k = i % 120;
  const dx = k < 60 ? k - 30 : 90 - k; // 1 px a frame, between -30 and +30
  const s = 1 + 0.1 * Math.sin((2 * Math.PI * i) / 60); // 0.9–1.1 over 60 frames
  ctx.fillStyle = '#6b5a52';
  ctx.fillRect(0, 0, W, H);
  const w = W * s;
  const h = H * s;
  ctx.drawImage(photo, (W - w) / 2 + dx, (H - h) / 2, w, h);
}

function drawBackground(ctx, photo, i) {
  const k = i % 40;
  const sx = k < 20 ? k : 40 - k; // 1 px a frame, 0–20
  ctx.drawImage(photo, sx, 0, 205, H, 0, 0, W, H);
}

function makeSources(photo) {
  const { ctx } = canvas2d();
  const noise = rng(1234);
  return {
    face: (i) => {
      drawFace(ctx, photo, i);
      return ctx.getImageData(0, 0, W, H);
    },
    grey: () => {
      const img = new ImageData(W, H);
      const d = img.data;
      for (let p = 0; p < d.length; p += 4) {
        d[p] = 118 + ((noise() * 21) | 0);
        d[p + 1] = 118 + ((noise() * 21) | 0);
        d[p + 2] = 118 + ((noise() * 21) | 0);
        d[p + 3] = 255;
      }
      return img;
    },
    background: (i) => {
      drawBackground(ctx, photo, i);
      return ctx.getImageData(0, 0, W, H);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// ?mode=inner: our own worker (inner-worker.js) with the SDK's main-thread API inside it, the
// call timed in the worker as well.

async function innerWorker() {
  const worker = new Worker(new URL('./inner-worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let next = 1;
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) p.resolve(data.result);
    else p.reject(new Error(data.error));
  };
  const call = (msg) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...msg, id });
  });
  await call({ op: 'create' });
  return {
    resetVideo: () => call({ op: 'reset' }),
    detectForVideo: (frame, ts, options) => call({ op: 'frame', frame, ts, options }),
    close: () => worker.terminate(),
  };
}

// ---------------------------------------------------------------------------------------------
// One scenario: resetVideo, warm-ups, timed frames.

let clock = 1000;

async function scenario(sdk, name, make, options, { source = 'imagedata' } = {}) {
  await sdk.resetVideo();
  const times = [];
  const inner = [];
  const methods = { tracked: 0, detected: 0 };
  const byMethod = { tracked: [], detected: [] };
  let withFace = 0;
  let facesMax = 0;
  for (let i = 0; i < WARMUP + FRAMES; i++) {
    const frame = make(i);
    clock += FRAME_MS;
    const t0 = performance.now();
    const f = await sdk.detectForVideo(frame, clock, options);
    const dt = performance.now() - t0;
    if (i < WARMUP) continue;
    times.push(dt);
    if (typeof f.inner === 'number') inner.push(f.inner);
    methods[f.method] = (methods[f.method] ?? 0) + 1;
    (byMethod[f.method] ??= []).push(dt);
    if (f.faces.length > 0) withFace++;
    facesMax = Math.max(facesMax, f.faces.length);
  }
  const s = stats(times);
  const r = {
    name, source, options, ...s, times,
    tracked: methods.tracked, detected: methods.detected, withFace, facesMax,
    trackedMedian: stats(byMethod.tracked)?.median ?? null,
    detectedMedian: stats(byMethod.detected)?.median ?? null,
  };
  if (inner.length) {
    r.inner = stats(inner);
    r.roundTrip = stats(times.map((t, i) => t - inner[i]));
  }
  log(`${MODE} ${name}: median ${s.median.toFixed(2)} ms, p90 ${s.p90.toFixed(2)}, mean ${s.mean.toFixed(2)}, `
    + `tracked ${r.tracked}/${s.n}, with a face ${withFace}/${s.n}`
    + (r.inner ? `; inside the worker median ${r.inner.median.toFixed(2)} ms, round trip median ${r.roundTrip.median.toFixed(2)} ms` : ''));
  addRow(`${MODE} ${name}`, s, `${r.tracked}/${s.n}`, `${withFace}/${s.n}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// What getting the pixels costs (no SDK involved).

function timeSync(fn, runs = 100, warmup = 10) {
  for (let i = 0; i < warmup; i++) fn(i);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  return stats(times);
}

async function timeAsync(fn, runs = 100, warmup = 10) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return stats(times);
}

async function captureCosts(photo) {
  const out = {};
  const fast = canvas2d(W, H, true);
  const slow = canvas2d(W, H, false);
  // Drawing the frame is not part of these (a camera loop draws the <video>: timed below).
  const only = (ctx) => {
    const times = [];
    for (let i = 0; i < 110; i++) {
      drawFace(ctx, photo, i);
      const t0 = performance.now();
      ctx.getImageData(0, 0, W, H);
      if (i >= 10) times.push(performance.now() - t0);
    }
    return stats(times);
  };
  out.getImageDataRead = only(fast.ctx);
  out.getImageDataDefault = only(slow.ctx);
  const sample = fast.ctx.getImageData(0, 0, W, H);
  out.structuredClone = timeSync(() => structuredClone(sample));

  // A <video> playing a MediaStream of an animated canvas (canvas.captureStream), as close to a
  // camera as headless Chromium gets without a fake device.
  try {
    const src = canvas2d(W, H, false);
    drawFace(src.ctx, photo, 0);
    const stream = src.canvas.captureStream(30);
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    document.body.appendChild(video);
    let n = 0;
    const timer = setInterval(() => drawFace(src.ctx, photo, ++n), 33);
    await video.play();
    const deadline = performance.now() + 10000;
    while ((video.readyState < 2 || video.videoWidth === 0) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (video.videoWidth === 0) throw new Error('the <video> never got a frame');
    out.videoSize = [video.videoWidth, video.videoHeight];
    const dst = canvas2d(video.videoWidth, video.videoHeight, true);
    out.videoDrawAndRead = timeSync(() => {
      dst.ctx.drawImage(video, 0, 0);
      dst.ctx.getImageData(0, 0, dst.canvas.width, dst.canvas.height);
    });
    out.videoDraw = timeSync(() => dst.ctx.drawImage(video, 0, 0));
    out.videoBitmap = await timeAsync(async () => (await createImageBitmap(video)).close());
    clearInterval(timer);
    video.pause();
    for (const t of stream.getTracks()) t.stop();
    video.remove();
  } catch (e) {
    out.videoError = String(e && e.message ? e.message : e);
  }
  for (const [k, v] of Object.entries(out)) if (v && typeof v.median === 'number') log(`capture ${k}: median ${v.median.toFixed(3)} ms, p90 ${v.p90.toFixed(3)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const likeness = await import(PKG);
  const { Likeness, VERSION } = likeness;
  const photo = await loadPhoto();
  const t0 = performance.now();
  // &build=simd|relaxed-simd: that core instead of the one create() picks.
  const build = params.get('build');
  const options = build ? { wasmUrl: new URL(`./core/${build === 'relaxed-simd' ? 'likeness_relaxed_bg.wasm' : 'likeness_bg.wasm'}`, new URL(PKG, location.href)) } : undefined;
  const sdk = MODE === 'worker' ? await Likeness.createWorker(options) : MODE === 'inner' ? await innerWorker() : await Likeness.create(options);
  const createMs = performance.now() - t0;
  log(`${MODE}: created in ${createMs.toFixed(0)} ms (Likeness ${VERSION}${MODE === 'main' ? `, ${sdk.simd} core` : ''})`);
  const src = makeSources(photo);

  const result = { mode: MODE, version: VERSION, frames: FRAMES, warmup: WARMUP, createMs, scenarios: {} };
  const run = async (key, ...args) => {
    $('status').textContent = `${MODE}: ${key}…`;
    result.scenarios[key] = await scenario(sdk, ...args);
  };
  // A page-level warm-up first (untimed: detector, landmarks and tracking all run), so the first
  // row does not pay for the wasm tier-up that later rows get for free.
  $('status').textContent = `${MODE}: warm-up…`;
  const t1 = performance.now();
  await sdk.resetVideo();
  for (let i = 0; i < 2 * WARMUP; i++) {
    clock += FRAME_MS;
    await sdk.detectForVideo(i % 4 === 3 ? src.grey(i) : src.face(i), clock, { tracking: i % 2 === 0 });
  }
  result.pageWarmupMs = performance.now() - t1;
  for (const tracking of [true, false]) {
    const o = { tracking };
    const t = tracking ? 'on' : 'off';
    await run(`face_${t}`, `face video, tracking ${t}`, src.face, o);
    await run(`grey_${t}`, `grey + noise, tracking ${t}`, src.grey, o);
    if (MODE !== 'inner') await run(`background_${t}`, `photo background, tracking ${t}`, src.background, o);
  }
  // The same face video handed over as the canvas itself (main: the SDK reads it into an
  // ImageData; worker: an ImageBitmap made on the main thread and transferred).
  const { canvas, ctx } = canvas2d(W, H, false);
  if (MODE !== 'inner') await run('face_canvas_on', 'face video as a <canvas>, tracking on', (i) => (drawFace(ctx, photo, i), canvas), { tracking: true }, { source: 'canvas' });

  // Reference: still-photo analyze() of the same no-face frames (it retries on a black-padded
  // canvas when nothing is found; detectForVideo should not), and of the face frame.
  if (MODE === 'main') {
    $('status').textContent = 'main: analyze() reference…';
    const grey = src.grey(0);
    const black = new ImageData(W, H);
    black.data.fill(0);
    for (let p = 3; p < black.data.length; p += 4) black.data[p] = 255;
    const face = src.face(0);
    const ref = {};
    const time = async (fn) => {
      for (let i = 0; i < 5; i++) await fn();
      const times = [];
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        await fn();
        times.push(performance.now() - t0);
      }
      return stats(times);
    };
    ref.analyzeGrey = await time(() => sdk.analyze(grey, { embedding: false }));
    ref.analyzeBlack = await time(() => sdk.analyze(black, { embedding: false }));
    ref.analyzeFace = await time(() => sdk.analyze(face, { embedding: false }));
    sdk.resetVideo();
    ref.videoBlack = await time(() => sdk.detectForVideo(black, (clock += FRAME_MS), { tracking: false }));
    ref.videoGrey = await time(() => sdk.detectForVideo(grey, (clock += FRAME_MS), { tracking: false }));
    for (const [k, v] of Object.entries(ref)) log(`reference ${k}: median ${v.median.toFixed(2)} ms`);
    result.reference = ref;
  }
  if (CAPTURE && MODE === 'main') result.capture = await captureCosts(photo);
  sdk.close?.();
  return result;
}

main().then(
  (result) => {
    $('status').textContent = 'done';
    window.__bench = { ok: true, result };
  },
  (e) => {
    const message = `${e && e.code ? e.code + ': ' : ''}${e && e.message ? e.message : e}`;
    log(`FAILED: ${message}`);
    $('status').textContent = `failed: ${message}`;
    window.__bench = { ok: false, error: message };
  },
);
