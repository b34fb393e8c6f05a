#!/usr/bin/env node
// The live-capture per-frame benchmark, one command: `npm run bench:capture`
// (= `node bench/capture/run.mjs`; needs a built pkg/, `npm run build:pkg`).
//
// Serves the repo root on 127.0.0.1 (a free port), starts Debian's headless Chromium through
// playwright-core (root node_modules) with a fresh profile per round, and loads
// bench/capture/index.html three times per round: ?mode=main (`Likeness.create()`), ?mode=worker
// (`Likeness.createWorker()`) and ?mode=inner (a bare worker of our own around `Likeness.create()`,
// timed inside too; the order rotates between rounds). Each page times
// `sdk.detectForVideo(imageData, timestampMs, { tracking })` on a drifting/zooming face video and
// on two kinds of frames without a face, tracking on and off (bench/capture/bench.js says how the
// frames are made). Prints a Markdown table and writes bench/capture/results.md (raw numbers,
// every frame's time: results.json).
//
// Options: --build simd|relaxed-simd (the core to load; default: the one create() picks)
//          --modes main,worker,inner (which pages)
//          --frames N (100) --warmup N (20) --rounds N (3: a fresh browser each; for every row
//          the round with the lowest median is shown, with that round's p90 and mean)
//          --out FILE   --from results.json (re-render the table, measure nothing)
//          CHROMIUM=/path/to/chromium (default /usr/bin/chromium)
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg, availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..');

const argv = process.argv.slice(2);
function opt(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}
const FRAMES = Number(opt('frames', 100));
const WARMUP = Number(opt('warmup', 20));
const ROUNDS = Number(opt('rounds', 3));
const OUT = resolve(opt('out', join(here, 'results.md')));
const FROM = opt('from', null);
// --build simd|relaxed-simd: that core (wasmUrl) instead of the one create() picks; --modes main,worker,inner.
const BUILD = opt('build', null);
const MODES = opt('modes', 'main,worker,inner').split(',');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';


function machine() {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) model = m[1].trim();
  } catch {}
  return { cpu: model, nproc: availableParallelism() };
}

async function page(context, base, mode, timeoutMs = 15 * 60 * 1000) {
  const p = await context.newPage();
  p.on('console', (m) => console.log(`  [page] ${m.text()}`));
  p.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  const url = `${base}bench/capture/?mode=${mode}&frames=${FRAMES}&warmup=${WARMUP}${BUILD ? `&build=${BUILD}` : ''}`;
  console.log(`> ${url}`);
  await p.goto(url);
  await p.waitForFunction(() => window.__bench !== undefined, null, { timeout: timeoutMs, polling: 250 });
  const bench = await p.evaluate(() => window.__bench);
  await p.close();
  if (!bench.ok) throw new Error(`${mode}: ${bench.error}`);
  return bench.result;
}

async function round(n, base) {
  console.log(`# round ${n} of ${ROUNDS} (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  const out = { errors: [], loadBefore: loadavg() };
  const profile = mkdtempSync(join(tmpdir(), 'likeness-capture-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    try {
      const p = await context.newPage();
      const cdp = await context.newCDPSession(p);
      out.product = (await cdp.send('Browser.getVersion')).product;
      await p.close();
    } catch {}
    const all = ['main', 'worker', 'inner'].filter((m) => MODES.includes(m));
    const modes = [...all.slice((n - 1) % all.length), ...all.slice(0, (n - 1) % all.length)];
    for (const mode of modes) {
      try {
        out[mode] = await page(context, base, mode);
      } catch (e) {
        out.errors.push(e.message);
      }
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  out.load = loadavg();
  return out;
}

// ---------------------------------------------------------------------------------------------

const saved = FROM ? JSON.parse(readFileSync(FROM, 'utf8')) : null;
const started = saved ? new Date(saved.date) : new Date();
const load = saved ? saved.load : { before: loadavg() };
let rounds = saved ? saved.rounds : [];
if (!saved) {
  if (!existsSync(join(root, 'pkg', 'index.js'))) {
    console.error('pkg/ is not built: run `npm run build:pkg` first');
    process.exit(1);
  }
  const server = await serve({ root, port: 0 }); // scripts/serve.mjs: the repo root, loopback only
  try {
    for (let i = 1; i <= ROUNDS; i++) rounds.push(await round(i, server.url));
  } finally {
    await server.close();
  }
  load.after = loadavg();
}

// Best of the rounds: per row, the round with the lowest median (its p90, mean, counts kept).
const pick = (list) => list.filter(Boolean).reduce((a, b) => (a === undefined || b.median < a.median ? b : a), undefined);
const best = {};
for (const mode of ['main', 'worker', 'inner']) {
  const keys = new Set(rounds.flatMap((r) => Object.keys(r[mode]?.scenarios ?? {})));
  best[mode] = {};
  for (const k of keys) {
    const cands = rounds.map((r, i) => r[mode]?.scenarios?.[k] && { ...r[mode].scenarios[k], round: i + 1 });
    best[mode][k] = pick(cands);
  }
}
const capture = {};
for (const k of new Set(rounds.flatMap((r) => Object.keys(r.main?.capture ?? {})))) {
  const vals = rounds.map((r) => r.main?.capture?.[k]);
  capture[k] = typeof vals.find(Boolean)?.median === 'number' ? pick(vals) : vals.find((v) => v !== undefined);
}
const product = rounds.find((r) => r.product)?.product ?? '';
const chromeVersion = (product.match(/Chrome\/([\d.]+)/) ?? [])[1] ?? 'unknown';
const errors = [...new Set(rounds.flatMap((r) => r.errors))];
const version = rounds.find((r) => r.main?.version)?.main.version ?? rounds.find((r) => r.worker)?.worker?.version ?? '?';
const { cpu, nproc } = saved ?? machine();

// ---------------------------------------------------------------------------------------------
// The table.

const ms = (v, d = 1) => (typeof v === 'number' && !Number.isNaN(v) ? `${v.toFixed(d)} ms` : 'n/a');
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');
const lines = [];
lines.push(`Live-capture per-frame benchmark, ${started.toISOString().replace(/\.\d+Z$/, 'Z')}: ${cpu}, ${nproc} cores (\`nproc\`), `
  + `headless Chromium ${chromeVersion}; load average ${fmtLoad(load.before)} before, ${fmtLoad(load.after)} after.`);
lines.push(`\`sdk.detectForVideo(imageData, timestampMs, { tracking })\` at 640x480 (Likeness ${version}, one thread, WebAssembly SIMD, embedding off as by default, \`redetectEvery\` 10), `
  + `a new \`ImageData\` per call made on a canvas outside the timed region, timestamps 33.3 ms apart, \`resetVideo()\` before each row; `
  + `${2 * WARMUP} untimed frames once per page, then per row ${WARMUP} warm-up frames, then ${FRAMES} timed frames, each awaited. Per row the best of ${rounds.length} rounds (a fresh browser and profile each) by median, `
  + `with that round's p90 (nearest rank) and mean (\`performance.now()\`, 0.1 ms resolution: the page is not cross-origin isolated). **main** = \`Likeness.create()\` on the page's thread; **worker** = \`Likeness.createWorker()\`, timed end to end per call `
  + `(the ImageData is structured-cloned to the worker, not transferred; the answer comes back by postMessage).`);
lines.push('Frames: **face video** = `tests/fixtures/golden/obama_640x480.png` drawn drifting 1 px a frame (±30 px) and scaled 0.9–1.1 (a sine over 60 frames); '
  + '**grey + noise** = mid grey with fresh ±10 noise per channel each frame; **photo background** = the photo\'s face-free left strip (flag, curtain) stretched to 640x480, drifting 1 px a frame.');
lines.push('');
lines.push('| frames | tracking | where | median | p90 | mean | `tracked` share | frames with a face | median of tracked / detected frames | round |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
const LABEL = { face: 'face video', grey: 'grey + noise (no face)', background: 'photo background (no face)', face_canvas: 'face video, passed as the `<canvas>`' };
const order = ['face_on', 'grey_on', 'background_on', 'face_off', 'grey_off', 'background_off', 'face_canvas_on'];
for (const k of order) {
  for (const mode of ['main', 'worker']) {
    const s = best[mode]?.[k];
    if (!s) continue;
    const base = k.replace(/_(on|off)$/, '');
    const on = k.endsWith('_on');
    const bold = (x) => (k === 'face_on' || k === 'face_off' ? `**${x}**` : x);
    const split = `${s.trackedMedian === null ? '–' : ms(s.trackedMedian)} / ${s.detectedMedian === null ? '–' : ms(s.detectedMedian)}`;
    lines.push(`| ${LABEL[base]} | ${on ? 'on' : 'off'} | ${mode} | ${bold(ms(s.median))} | ${ms(s.p90)} | ${ms(s.mean)} | ${s.tracked}/${s.n} (${Math.round((100 * s.tracked) / s.n)}%) | ${s.withFace}/${s.n} | ${split} | ${s.round} |`);
  }
}

// Targets.
const verdict = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : '**not met**');
lines.push('');
lines.push('| target | measured (median) | |');
lines.push('|---|---|---|');
for (const mode of ['main', 'worker']) {
  const b = best[mode];
  if (!b?.face_on) continue;
  lines.push(`| ${mode}: face video with tracking ≤ 15 ms/frame | ${ms(b.face_on.median)} | ${verdict(b.face_on.median <= 15)} |`);
  if (b.face_off) lines.push(`| ${mode}: face video without tracking ≤ 25 ms/frame | ${ms(b.face_off.median)} | ${verdict(b.face_off.median <= 25)} |`);
  for (const t of ['on', 'off']) {
    const face = b[`face_${t}`];
    for (const nf of ['grey', 'background']) {
      const s = b[`${nf}_${t}`];
      if (!face || !s) continue;
      lines.push(`| ${mode}, tracking ${t}: ${LABEL[nf].replace(' (no face)', '')} (no face) ≤ face video | ${ms(s.median)} vs ${ms(face.median)} (${(s.median / face.median).toFixed(2)}x) | ${verdict(s.median <= face.median)} |`);
    }
  }
}
if (best.main?.face_on && best.worker?.face_on) {
  lines.push('');
  lines.push('Worker overhead (worker − main, medians): ' + ['face_on', 'face_off', 'grey_on', 'background_on', 'face_canvas_on'].filter((k) => best.main[k] && best.worker[k])
    .map((k) => `${k.replace(/_/g, ' ')} ${(best.worker[k].median - best.main[k].median).toFixed(1)} ms`).join(', ') + '.');
}

// Where the worker's time goes.
if (best.inner?.face_on) {
  lines.push('');
  lines.push('Where the worker\'s time goes: **inner** = a worker of our own (`bench/capture/inner-worker.js`) holding `Likeness.create()`, each call timed inside the worker as well; '
    + 'round trip = end to end − inside (postMessage of the ImageData, the answer back, thread wake-ups). Medians, best round by end-to-end median.');
  lines.push('');
  lines.push('| frames | tracking | main thread | `createWorker()` end to end | inner end to end | inside the worker | round trip |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const k of ['face_on', 'grey_on', 'face_off', 'grey_off']) {
    const i = best.inner[k];
    if (!i) continue;
    lines.push(`| ${LABEL[k.replace(/_(on|off)$/, '')]} | ${k.endsWith('_on') ? 'on' : 'off'} | ${ms(best.main?.[k]?.median)} | ${ms(best.worker?.[k]?.median)} | ${ms(i.median)} | ${ms(i.inner?.median)} | ${ms(i.roundTrip?.median)} |`);
  }
}

// Reference rows: still-photo analyze() beside detectForVideo on the same single frame.
const reference = {};
for (const k of new Set(rounds.flatMap((r) => Object.keys(r.main?.reference ?? {})))) reference[k] = pick(rounds.map((r) => r.main?.reference?.[k]));
if (Object.keys(reference).length) {
  lines.push('');
  lines.push('Reference, main thread, one fixed frame called 30 times after 5 warm-ups (best round): still-photo `analyze(frame, { embedding: false })` retries on a black-padded canvas when it finds nothing; `detectForVideo` should not.');
  lines.push('');
  lines.push('| call | median | p90 |');
  lines.push('|---|---|---|');
  const c = (label, s) => s && lines.push(`| ${label} | ${ms(s.median)} | ${ms(s.p90)} |`);
  c('`analyze()` of the grey + noise frame (no face: two detector passes)', reference.analyzeGrey);
  c('`analyze()` of a black 640x480 frame (no face: two detector passes)', reference.analyzeBlack);
  c('`analyze()` of face frame 0 (detector + 2 landmark runs + quality)', reference.analyzeFace);
  c('`detectForVideo(…, { tracking: false })` of the grey + noise frame', reference.videoGrey);
  c('`detectForVideo(…, { tracking: false })` of the black frame', reference.videoBlack);
}

// Getting the pixels.
if (Object.keys(capture).length) {
  lines.push('');
  lines.push('Getting the `ImageData` (main thread, no SDK; median / p90 of 100 after 10 warm-ups, best round):');
  lines.push('');
  lines.push('| step | median | p90 |');
  lines.push('|---|---|---|');
  const c = (label, s) => s && lines.push(`| ${label} | ${ms(s.median, 2)} | ${ms(s.p90, 2)} |`);
  c('`getImageData` 640x480 from a canvas with `willReadFrequently: true`', capture.getImageDataRead);
  c('`getImageData` 640x480 from a default canvas (`--disable-gpu`)', capture.getImageDataDefault);
  c('`structuredClone` of that ImageData (what postMessage to the worker copies)', capture.structuredClone);
  c(`\`drawImage(video)\` + \`getImageData\` (a \`<video>\` playing a canvas \`captureStream\`, ${capture.videoSize?.join('x') ?? '?'})`, capture.videoDrawAndRead);
  c('… `drawImage(video)` alone', capture.videoDraw);
  c('`createImageBitmap(video)` (what the worker path does for a `<video>`/canvas source)', capture.videoBitmap);
  if (capture.videoError) lines.push(`| \`<video>\` | n/a | ${capture.videoError} |`);
}

lines.push('');
lines.push('Each round (medians, face video main/worker, tracking on | off; grey on, main/worker; load average after): ' + rounds.map((r, i) => {
  const g = (m, k) => ms(r[m]?.scenarios?.[k]?.median);
  return `${i + 1}: ${g('main', 'face_on')} / ${g('worker', 'face_on')} | ${g('main', 'face_off')} / ${g('worker', 'face_off')}; grey ${g('main', 'grey_on')} / ${g('worker', 'grey_on')} (load ${fmtLoad(r.load)})`;
}).join('; ') + '.');
if (errors.length) {
  lines.push('');
  for (const e of errors) lines.push(`- not measured: ${e.split('\n')[0]}`);
}
const table = lines.join('\n') + '\n';
console.log('\n' + table);
writeFileSync(OUT, table);
writeFileSync(OUT.replace(/\.md$/, '') + '.json', JSON.stringify({ date: started.toISOString(), cpu, nproc, chromium: chromeVersion, product, load, frames: FRAMES, warmup: WARMUP, best, capture, reference, rounds }, null, 1) + '\n');
console.log(`wrote ${OUT}`);
process.exit(errors.length && !best.main?.face_on && !best.worker?.face_on ? 1 : 0);
