#!/usr/bin/env node
// The gallery benchmark, one command: `npm run bench:gallery` (= build pkg/ + this file).
//
// In Debian's headless Chromium (playwright-core, a fresh profile), through the built package's
// public API, for galleries of 10k and 100k faces (random unit embeddings, 1 subject per 10
// faces, filled by import() in chunks of 10k faces: one transaction each):
//   - fill: the import() time per 10k faces
//   - open: openGallery() of the full gallery (IndexedDB read + index rebuild), median of 3
//   - search: searchEmbedding(q, { topN: 10, threshold: -1 }) — the top-10 faces, one SIMD scan
//   - recognize: recognizeEmbeddings([q], { predictionCount: 10 }) — the top-10 subjects
// median and p95 of 50 queries after 5 warm-ups. Prints a Markdown table and writes it to
// bench/gallery/results.md. Numbers, not a pass/fail test. Options: --sizes 10000,100000
// --out FILE; CHROMIUM=/path/to/chromium.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const SIZES = opt('sizes', '10000,100000').split(',').map(Number);
const OUT = resolve(opt('out', join(here, 'results.md')));

const site = await serve({ root, port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'likeness-gallery-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`${site.url}tests/browser/bare.html`);
const load0 = loadavg();
const browserVersion = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1]));

const rows = [];
try {
  await page.evaluate(async () => {
    window.likeness = await import('/pkg/index.js');
    // create() with no models would download them; the gallery needs only the core.
    window.sdk = await likeness.Likeness.create();
  });
  for (const size of SIZES) {
    const r = await page.evaluate(async (size) => {
      const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
      let seed = 12345;
      const unit = () => {
        const v = new Float32Array(512);
        let n = 0;
        for (let i = 0; i < 512; i++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          v[i] = seed / 4294967296 - 0.5;
          n += v[i] * v[i];
        }
        for (let i = 0; i < 512; i++) v[i] /= Math.sqrt(n);
        return v;
      };
      const b64 = (v) => {
        const bytes = new Uint8Array(v.buffer);
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      };
      const name = `bench-${size}`;
      let g = await sdk.openGallery({ name });
      await g.deleteAllSubjects();
      const CHUNK = 10000;
      const fill = [];
      for (let start = 0; start < size; start += CHUNK) {
        const faces = [];
        for (let i = start; i < Math.min(size, start + CHUNK); i++) {
          faces.push({ image_id: `face-${i}`, subject: `subject-${Math.floor(i / 10)}`, embedding: b64(unit()), created_at: '2026-12-01T00:00:00.000Z' });
        }
        const backup = { format: 'likeness-gallery', version: 1, exported_at: '2026-12-01T00:00:00.000Z', embedding_len: 512, subjects: [], faces };
        const t0 = performance.now();
        await g.import(backup);
        fill.push(performance.now() - t0);
      }
      await g.close();
      const opens = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        g = await sdk.openGallery({ name });
        opens.push(performance.now() - t0);
        if (i < 2) await g.close();
      }
      const count = (await g.listFaces({ size: 1 })).total_elements;
      const time = async (fn) => {
        const xs = [];
        for (let i = 0; i < 55; i++) {
          const q = unit();
          const t0 = performance.now();
          await fn(q);
          if (i >= 5) xs.push(performance.now() - t0);
        }
        return [median(xs), p95(xs)];
      };
      const search = await time((q) => g.searchEmbedding(q, { topN: 10, threshold: -1 }));
      const recognize = await time((q) => g.recognizeEmbeddings([q], { predictionCount: 10 }));
      await g.deleteAllSubjects();
      await g.close();
      return { size, count, fill: median(fill), open: median(opens), search, recognize, memory: performance.memory?.usedJSHeapSize };
    }, size);
    console.log(JSON.stringify(r));
    rows.push(r);
  }
} finally {
  await context.close();
  await site.close();
  rmSync(profile, { recursive: true, force: true });
}

const ms = (x) => `${x.toFixed(1)} ms`;
const lines = [
  `Gallery benchmark, ${new Date().toISOString()}: ${cpus()[0].model.trim()}, ${cpus().length} cores, headless Chromium ${browserVersion};`,
  `load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${loadavg().map((x) => x.toFixed(2)).join(' ')} after.`,
  'Random unit embeddings, one subject per 10 faces, through the package API (`npm run bench:gallery`); search and recognize: 50 random queries after 5 warm-ups.',
  '',
  '| faces | fill: import() of 10k faces | open: openGallery() | search top-10 faces (median / p95) | recognize top-10 subjects (median / p95) |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.count.toLocaleString('en')} | ${ms(r.fill)} | ${ms(r.open)} | **${ms(r.search[0])}** / ${ms(r.search[1])} | ${ms(r.recognize[0])} / ${ms(r.recognize[1])} |`),
  '',
  'Target (issue 4): top-10 search over 100k faces < 20 ms.',
  '',
];
writeFileSync(OUT, lines.join('\n'));
console.log(lines.join('\n'));
