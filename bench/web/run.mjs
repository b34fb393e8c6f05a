#!/usr/bin/env node
// The browser benchmark, one command: `npm run bench:web` (= `node bench/web/run.mjs`).
//
// Serves the repo root on 127.0.0.1 (a free port), starts Debian's headless Chromium through
// playwright-core with a fresh profile (so Cache Storage starts empty), and loads
// bench/web/index.html once per section:
//   1. ?run=likeness&loops=0   cold start: first create() → first result, empty Cache Storage
//   2. ?run=likeness           warm start (models from the Cache API), then analyze() timings
//   3. ?run=ort                onnxruntime-web, bare inference of the same models
//   4. ?run=faceapi            face-api.js, detection + 68 landmarks + descriptor
// then prints a Markdown table and writes it to bench/web/results.md (raw numbers: results.json).
//
// Options: --runs N (20) --warmup N (10) --rounds N (3: fresh browser each; best median kept)
//          --sections likeness,ort,faceapi --out FILE
//          --from results.json   re-render the table from saved numbers (measures nothing)
//          CHROMIUM=/path/to/chromium (default /usr/bin/chromium)
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg, availableParallelism } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants as zc } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..');

// ---------------------------------------------------------------------------------------------
// Options.

const argv = process.argv.slice(2);
function opt(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}
const RUNS = Number(opt('runs', 20));
const WARMUP = Number(opt('warmup', 10));
const SECTIONS = opt('sections', 'likeness,ort,faceapi').split(',');
const ROUNDS = Number(opt('rounds', 3));
const OUT = resolve(opt('out', join(here, 'results.md')));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WASM = join(root, 'pkg', 'core', 'likeness_bg.wasm');
const WASM_RELAXED = join(root, 'pkg', 'core', 'likeness_relaxed_bg.wasm');

// ---------------------------------------------------------------------------------------------
// A static server for the repo root, loopback only, with ETags (so a second page load revalidates
// the .wasm with a 304, as a real deployment would) and no-cache.

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream', '.png': 'image/png', '.css': 'text/css; charset=utf-8', '.map': 'application/json',
};

function serve() {
  const server = createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return res.writeHead(403).end();
    try {
      let info = statSync(file);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) return res.writeHead(301, { location: pathname + '/' }).end();
        file = join(file, 'index.html');
        info = statSync(file);
      }
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const headers = { etag, 'cache-control': 'no-cache', 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' };
      if (req.headers['if-none-match'] === etag) return res.writeHead(304, headers).end();
      res.writeHead(200, { ...headers, 'content-length': info.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// ---------------------------------------------------------------------------------------------
// Helpers.

const ms = (v, digits = 1) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : `${v.toFixed(digits)} ms`);
const med = (s) => (s ? s.median : undefined);
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB (${bytes.toLocaleString('en-US')} bytes)`;

function machine() {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) model = m[1].trim();
  } catch {}
  return { cpu: model, nproc: availableParallelism() };
}

async function section(context, query, timeoutMs = 15 * 60 * 1000) {
  const page = await context.newPage();
  page.on('console', (m) => console.log(`  [page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  const url = `${context.__base}bench/web/?${query}&runs=${RUNS}&warmup=${WARMUP}`;
  console.log(`> ${url}`);
  await page.goto(url);
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: timeoutMs, polling: 250 });
  const bench = await page.evaluate(() => window.__bench);
  const ua = await page.evaluate(() => navigator.userAgent);
  await page.close();
  if (!bench.ok) throw new Error(`${query}: ${bench.error}`);
  return { ...bench.result, ua };
}

// ---------------------------------------------------------------------------------------------

const FROM = opt('from', null); // re-render the table from a results.json, measuring nothing
const saved = FROM ? JSON.parse(readFileSync(FROM, 'utf8')) : null;
const server = FROM ? null : await serve();
const base = server ? `http://127.0.0.1:${server.address().port}/` : '';
const load = saved ? saved.load : { before: loadavg() };
const started = saved ? new Date(saved.date) : new Date();
const r = { errors: [], rounds: saved ? saved.rounds : [] };

/** One round: a fresh browser and profile (so Cache Storage starts empty), every section once. */
async function round(n) {
  console.log(`# round ${n} of ${ROUNDS}`);
  const out = { errors: [] };
  const profile = mkdtempSync(join(tmpdir(), 'likeness-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.__base = base;
  try {
    try {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      out.product = (await cdp.send('Browser.getVersion')).product; // e.g. HeadlessChrome/156.0.8078.79
      await page.close();
    } catch {}
    if (SECTIONS.includes('likeness')) {
      if (!existsSync(join(root, 'pkg', 'index.js'))) {
        out.errors.push('pkg/ is not built (scripts/build_pkg.sh): Likeness not measured');
      } else {
        try {
          out.cold = await section(context, 'run=likeness&loops=0');
          // The build create() picks (relaxed SIMD in Chromium), then the plain one forced.
          out.warm = await section(context, 'run=likeness');
          out.plain = await section(context, 'run=likeness&build=simd');
        } catch (e) {
          out.errors.push(`likeness: ${e.message}`);
        }
      }
    }
    if (SECTIONS.includes('ort')) {
      try {
        out.ort = await section(context, 'run=ort');
      } catch (e) {
        out.errors.push(`onnxruntime-web: ${e.message}`);
      }
    }
    if (SECTIONS.includes('faceapi')) {
      try {
        out.faceapi = await section(context, 'run=faceapi');
      } catch (e) {
        out.errors.push(`face-api.js: ${e.message}`);
      }
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  out.load = loadavg();
  return out;
}

// Several rounds on a shared machine: each figure is the best (lowest) of the rounds' medians,
// as bench/README.md does natively; every round's headline figures are listed too.
const isStats = (v) => v && typeof v === 'object' && typeof v.median === 'number' && Array.isArray(v.times);
function best(values) {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.length === 0) return undefined;
  const first = present[0];
  if (isStats(first)) return present.reduce((a, b) => (b.median < a.median ? b : a));
  if (typeof first === 'number') return Math.min(...present);
  if (typeof first === 'object' && !Array.isArray(first)) {
    const merged = {};
    for (const key of new Set(present.flatMap((v) => Object.keys(v)))) {
      // Counts and checks are not timings: keep the first round's.
      merged[key] = /^(cacheEntries|modelBytes|check|version|tfjs|backend|simd|threads|numTensors|runs|warmup)/.test(key)
        ? present.find((v) => v[key] !== undefined)?.[key]
        : best(present.map((v) => v[key]));
    }
    return merged;
  }
  return first;
}

if (!saved) {
  try {
    for (let i = 1; i <= ROUNDS; i++) r.rounds.push(await round(i));
  } finally {
    server.close();
  }
}
for (const key of ['cold', 'warm', 'plain', 'ort', 'faceapi']) r[key] = best(r.rounds.map((x) => x[key]));
// A start-up is one measurement: keep its parts from the round whose total was best.
for (const key of ['cold', 'warm']) {
  const starts = r.rounds.map((x) => x[key]?.likeness).filter((l) => l && typeof l.startMs === 'number');
  if (starts.length && r[key]?.likeness) {
    const b = starts.reduce((a, l) => (l.startMs < a.startMs ? l : a));
    Object.assign(r[key].likeness, { importMs: b.importMs, createMs: b.createMs, firstAnalyzeMs: b.firstAnalyzeMs, startMs: b.startMs });
  }
}
r.product = r.rounds.find((x) => x.product)?.product;
r.errors = [...new Set(r.rounds.flatMap((x) => x.errors))];
if (r.ort?.ort?.models) {
  const m = r.ort.ort.models;
  r.ort.ort.sum = m.fr_detect.median + m.fr_landmark.median + m.fr_feature.median + m.fr_eye_left.median + m.fr_eye_right.median;
}
if (!saved) load.after = loadavg();

// .wasm sizes, measured here from the built files.
const sizes = (file) => {
  if (!existsSync(file)) return undefined;
  const wasm = readFileSync(file);
  return {
    raw: wasm.length,
    gzip: gzipSync(wasm, { level: 9 }).length,
    brotli: brotliCompressSync(wasm, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: wasm.length } }).length,
  };
};
if (saved) Object.assign(r, { wasm: saved.wasm, wasmRelaxed: saved.wasmRelaxed });
else Object.assign(r, { wasm: sizes(WASM), wasmRelaxed: sizes(WASM_RELAXED) });

// ---------------------------------------------------------------------------------------------
// The table.

const ua = (r.warm ?? r.ort ?? r.faceapi ?? r.cold)?.ua ?? '';
const chromeVersion = ((r.product ?? ua).match(/(?:Headless)?Chrome\/([\d.]+)/) ?? [])[1] ?? 'unknown';
const { cpu, nproc } = machine();
const L = r.warm?.likeness;
const P = r.plain?.likeness;
const C = r.cold?.likeness;
const O = r.ort?.ort;
const F = r.faceapi?.faceapi;
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');

const lines = [];
lines.push(`Browser benchmark, ${started.toISOString().replace(/\.\d+Z$/, 'Z')}: ${cpu}, ${nproc} cores (\`nproc\`), `
  + `headless Chromium ${chromeVersion}; load average ${fmtLoad(load.before)} before, ${fmtLoad(load.after)} after.`);
lines.push(`Median of ${r.warm?.runs ?? r.ort?.runs ?? RUNS} runs after ${r.warm?.warmup ?? r.ort?.warmup ?? WARMUP} warm-ups (the best of ${r.rounds.length} rounds, each in a fresh browser with an empty profile), one thread, WebAssembly SIMD, on `
  + '`tests/fixtures/golden/obama_640x480.png` (640x480, one face), decoded once by the browser and passed as `ImageData` unless noted. '
  + `Likeness ${L?.version ?? C?.version ?? '(not built)'} through the npm package's \`analyze()\`; `
  + `onnxruntime-web ${O?.version ?? 'n/a'} (\`numThreads = 1\`, wasm backend); `
  + `@vladmandic/face-api ${F?.version ?? 'n/a'} (tfjs ${F?.tfjs ?? 'n/a'}, ${F?.backend ?? 'n/a'} backend${F?.backend === 'wasm' ? `, SIMD ${F.simd}, threads ${F.threads}` : ''}).`);
lines.push('');
lines.push('| | median | fastest run | notes |');
lines.push('|---|---|---|---|');
// The fastest single run of the same round, where the figure is a median of runs.
let minOf = '';
const row = (what, value, note = '') => {
  lines.push(`| ${what} | ${value} | ${minOf} | ${note} |`);
  minOf = '';
};
const withMin = (s, digits = 1) => {
  minOf = s ? ms(s.min, digits) : '';
  return s ? ms(s.median, digits) : 'n/a';
};
row(`**Likeness full \`analyze()\`** (detect, 2 landmark runs, align, embed, 2 eyes, pose, quality; liveness off), the build \`create()\` picks: ${L?.build ?? 'n/a'}`, `**${withMin(L?.full)}**`, 'embedding on');
row('**Likeness full `analyze()`, plain SIMD build** (`wasmUrl`: core/likeness_bg.wasm, what Safari gets)', `**${withMin(P?.full)}**`, 'embedding on');
row('Likeness `analyze()`, `embedding: false`', withMin(L?.noEmbedding));
row('Likeness `analyze()` of the PNG bytes (decode included)', withMin(L?.fullPng));
row('Likeness `analyze()` of a blank 640x480 frame (no face: two detector passes, the frame and the padded retry)', withMin(L?.blank));
if (L?.blank) row('→ Likeness detector stage (resize, fr_detect, NMS) ≈ blank ÷ 2', ms(L.blank.median / 2), 'derived');
if (L?.noEmbedding && L?.blank) row('→ Likeness landmarks (2 runs) + eyes + quality ≈ no-embedding − blank ÷ 2', ms(L.noEmbedding.median - L.blank.median / 2), 'derived');
if (L?.full && L?.noEmbedding) row('→ Likeness embedding stage (align + fr_feature) = full − no-embedding', ms(L.full.median - L.noEmbedding.median), 'derived');
for (const [key, label] of [['fr_detect', 'fr_detect [1,3,240,320]'], ['fr_landmark', 'fr_landmark [1,1,64,64]'], ['fr_feature', 'fr_feature [1,3,112,112]'], ['fr_eye_left', 'fr_eye [1,1,24,24] (left eye)'], ['fr_eye_right', 'fr_eye [1,1,24,24] (right eye)']]) {
  row(`onnxruntime-web ${label}, bare \`session.run\``, withMin(O?.models?.[key], 2));
}
row('**onnxruntime-web sum** (detect + landmark + feature + 2 eyes), no pre/post-processing', `**${ms(O?.sum)}**`, 'one landmark run (Likeness does two)');
row('onnxruntime-web the same five runs back to back', withMin(O?.chain));
row('onnxruntime-web: fetch + create the four sessions', ms(O?.sessionsMs), 'one run, for reference');
row(`**face-api.js** SSD MobileNet v1 + 68 landmarks + descriptor (\`detectSingleFace().withFaceLandmarks().withFaceDescriptor()\`)`, `**${withMin(F?.full)}**`, F ? `${F.backend} backend` : '');
row('face-api.js with TinyFaceDetector (416) instead', withMin(F?.fullTiny), F ? `${F.backend} backend` : '');
row('**Likeness cold start**: `create()` → first result, empty Cache Storage', `**${ms(C?.startMs)}**`,
  C ? `create ${ms(C.createMs)} (wasm + ${(C.modelBytes / 1e6).toFixed(1)} MB of models from localhost) + first analyze ${ms(C.firstAnalyzeMs)}; one run` : '');
row('**Likeness warm start**: second page load, models from the Cache API', `**${ms(L?.startMs)}**`,
  L ? `create ${ms(L.createMs)} + first analyze ${ms(L.firstAnalyzeMs)}; cache entries before: ${L.cacheEntriesBefore}; one run` : '');
row('→ of which the core constructor as `create()` calls it, bytes in memory (tract load/optimise; the sha256 is compared in JS)', withMin(L?.coreNew), 'median of 3');
for (const [file, w] of [['likeness_bg.wasm', r.wasm], ['likeness_relaxed_bg.wasm', r.wasmRelaxed]]) {
  row(`\`pkg/core/${file}\` raw`, w ? mb(w.raw) : 'n/a', 'without models; one of the two is downloaded');
  row('… gzipped (zlib level 9)', w ? `**${mb(w.gzip)}**` : 'n/a', '');
  row('… brotli (quality 11)', w ? mb(w.brotli) : 'n/a', '');
}

// Per model: the bare runs of each build beside onnxruntime-web's, on the same tensors.
lines.push('');
lines.push('| bare model run (same input tensor) | Likeness plain SIMD | Likeness relaxed SIMD | onnxruntime-web | plain ÷ ORT | relaxed ÷ ORT |');
lines.push('|---|---|---|---|---|---|');
const ratio = (a, b) => (a && b ? `${(a.median / b.median).toFixed(2)}x` : 'n/a');
for (const key of ['fr_detect', 'fr_landmark', 'fr_feature', 'fr_eye_left', 'fr_eye_right']) {
  const p = P?.models?.[key], x = L?.models?.[key], o = O?.models?.[key];
  lines.push(`| ${key} | ${p ? ms(p.median, 2) : 'n/a'} | ${x ? ms(x.median, 2) : 'n/a'} | ${o ? ms(o.median, 2) : 'n/a'} | ${ratio(p, o)} | ${ratio(x, o)} |`);
}
const sumOf = (m) => (m ? ['fr_detect', 'fr_landmark', 'fr_feature', 'fr_eye_left', 'fr_eye_right'].reduce((a, k) => a + (m[k]?.median ?? NaN), 0) : undefined);
const [sumP, sumL] = [sumOf(P?.models), sumOf(L?.models)];
lines.push(`| sum of the five | ${ms(sumP, 2)} | ${ms(sumL, 2)} | ${ms(O?.sum, 2)} | ${sumP && O?.sum ? (sumP / O.sum).toFixed(2) + 'x' : 'n/a'} | ${sumL && O?.sum ? (sumL / O.sum).toFixed(2) + 'x' : 'n/a'} |`);

// Per-op profile (the last round's; node-by-node timing adds a little to each op).
const profiled = (x) => r.rounds.map((y) => y[x]?.likeness?.profile).filter(Boolean).at(-1);
for (const [x, label] of [['warm', 'relaxed SIMD'], ['plain', 'plain SIMD']]) {
  const prof = profiled(x);
  if (!prof) continue;
  lines.push('');
  lines.push(`Per-op profile, ${label} build (mean of 10 runs, ms; each op kind's share of the model's profiled time):`);
  for (const [model, ops] of Object.entries(prof)) {
    const total = ops.reduce((a, [, t]) => a + t, 0);
    lines.push(`- ${model} (${total.toFixed(2)} ms): ${ops.filter(([, t]) => t >= 0.02 * total).map(([k, t]) => `${k} ${t.toFixed(2)} (${Math.round((100 * t) / total)} %)`).join(', ')}`);
  }
}

// Targets (issues 3 and 13).
const verdict = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : '**not met**');
lines.push('');
lines.push('| target | measured | |');
lines.push('|---|---|---|');
const target = (what, a, b, limit) => {
  if (a === undefined || b === undefined) return lines.push(`| ${what} | n/a | n/a |`);
  const x = a / b;
  lines.push(`| ${what} | ${ms(a, 2)} / ${ms(b, 2)} = ${x.toFixed(3)}x | ${verdict(x <= limit)} |`);
};
target('full `analyze()`, relaxed build, ≤ 0.8x onnxruntime-web\'s bare inference sum (issue 13)', L?.full?.median, O?.sum, 0.8);
target('full `analyze()`, plain build, ≤ 1.0x onnxruntime-web\'s bare inference sum (issue 13)', P?.full?.median, O?.sum, 1.0);
target('fr_feature alone, relaxed build, ≤ 0.7x onnxruntime-web\'s (issue 13)', L?.models?.fr_feature?.median, O?.models?.fr_feature?.median, 0.7);
if (L?.full && F?.full) {
  const x = L.full.median / F.full.median;
  lines.push(`| full \`analyze()\` ≤ 0.5x face-api.js's full path | ${ms(L.full.median)} / ${ms(F.full.median)} = ${x.toFixed(2)}x | ${verdict(x <= 0.5)} |`);
} else lines.push('| full `analyze()` ≤ 0.5x face-api.js\'s full path | n/a | n/a |');
lines.push(`| start from cache < 1 s | ${ms(L?.startMs)} | ${verdict(L ? L.startMs < 1000 : undefined)} |`);
for (const [file, w] of [['likeness_bg.wasm', r.wasm], ['likeness_relaxed_bg.wasm', r.wasmRelaxed]]) {
  lines.push(`| ${file} ≤ 3 MB gzipped (issue 3) | ${w ? mb(w.gzip) : 'n/a'} | ${verdict(w ? w.gzip <= 3e6 : undefined)} |`);
}
if (r.rounds.length > 1) {
  lines.push('');
  lines.push('Each round (median of its runs; load average after it): ' + r.rounds.map((x, i) => {
    const l = x.warm?.likeness, p = x.plain?.likeness, o = x.ort?.ort, f = x.faceapi?.faceapi, c = x.cold?.likeness;
    const osum = o?.models ? Object.values(o.models).reduce((a, s) => a + s.median, 0) : undefined;
    return `${i + 1}: analyze ${ms(med(l?.full))} (plain ${ms(med(p?.full))}), fr_feature ${ms(med(l?.models?.fr_feature), 2)} (plain ${ms(med(p?.models?.fr_feature), 2)}, ORT ${ms(med(o?.models?.fr_feature), 2)}), ORT sum ${ms(osum)}, face-api ${ms(med(f?.full))}, cold ${ms(c?.startMs, 0)}, warm ${ms(l?.startMs, 0)} (load ${x.load[0].toFixed(2)})`;
  }).join('; ') + '.');
}
if (r.errors.length) {
  lines.push('');
  for (const e of r.errors) lines.push(`- not measured: ${e.split('\n')[0]}`);
}
const table = lines.join('\n') + '\n';

console.log('\n' + table);
writeFileSync(OUT, table);
writeFileSync(OUT.replace(/\.md$/, '') + '.json', JSON.stringify({ date: started.toISOString(), cpu, nproc, chromium: chromeVersion, load, ...r }, null, 1) + '\n');
console.log(`wrote ${OUT}`);
process.exit(r.errors.length && !L && !O && !F ? 1 : 0);
