#!/usr/bin/env node
// The kernel micro-benchmark, one command: `npm run bench:kernels` (= build pkg/, then this).
//
// Loads bench/kernels/index.html in Debian's headless Chromium once per build of the core (plain
// SIMD, relaxed SIMD) and prints GFLOP/s per tile shape on our models' 1x1-convolution shapes,
// against the machine's measured peak of f32x4 multiply-adds. Writes bench/kernels/results.md
// (+ results.json). Options: --millis N (300 per figure) --rounds N (3; the best of each kept).
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, loadavg, availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const MILLIS = Number(opt('millis', 300));
const ROUNDS = Number(opt('rounds', 3));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m) ?? [])[1] ?? 'unknown CPU';
const server = await serve({ root, port: 0 });
const load = { before: loadavg() };
const started = new Date();
const rounds = [];
let product = '';
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const profile = mkdtempSync(join(tmpdir(), 'likeness-kernels-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const out = {};
      for (const build of ['simd', 'relaxed-simd']) {
        const page = await context.newPage();
        page.on('console', (m) => console.log(`  [${build}] ${m.text()}`));
        if (!product) product = (await (await context.newCDPSession(page)).send('Browser.getVersion')).product; // HeadlessChrome/156.0.8078.114
        await page.goto(`${server.url}bench/kernels/?build=${build}&millis=${MILLIS}`);
        await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 20 * 60 * 1000, polling: 500 });
        const bench = await page.evaluate(() => window.__bench);
        await page.close();
        if (!bench.ok) throw new Error(`${build}: ${bench.error}`);
        out[build] = bench.result;
      }
      rounds.push(out);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
} finally {
  await server.close();
}
load.after = loadavg();

// The best of the rounds, figure by figure (the machine is shared).
const best = {};
for (const build of ['simd', 'relaxed-simd']) {
  const first = rounds[0][build];
  best[build] = {
    relaxed: first.relaxed,
    peak: Math.max(...rounds.map((r) => r[build].peak)),
    shapes: first.shapes.map((s, i) => ({
      ...s,
      gflops: Object.fromEntries(Object.keys(s.gflops).map((k) => [k, Math.max(...rounds.map((r) => r[build].shapes[i].gflops[k]))])),
    })),
  };
}

const chrome = (product.match(/Chrome\/([\d.]+)/) ?? [])[1] ?? 'unknown';
const lines = [];
lines.push(`Kernel benchmark, ${started.toISOString().replace(/\.\d+Z$/, 'Z')}: ${cpu}, ${availableParallelism()} cores, headless Chromium ${chrome}; `
  + `load average ${load.before.map((x) => x.toFixed(2)).join(' ')} before, ${load.after.map((x) => x.toFixed(2)).join(' ')} after. `
  + `GFLOP/s (2·m·k·n per product), each figure the best of ${ROUNDS} rounds of ≥ ${MILLIS} ms; one thread. `
  + 'Tiles driven as tract drives them: packed panels of A and B, the tile stored to a row-major C. '
  + '`tract_*` are tract-linalg 0.23.9\'s own wasm kernels (always mul + add: tract is not rebuilt for the relaxed core).');
for (const build of ['simd', 'relaxed-simd']) {
  const b = best[build];
  const kernels = Object.keys(b.shapes[0].gflops);
  lines.push('');
  lines.push(`**${build === 'simd' ? 'Plain SIMD build' : 'Relaxed SIMD build'}** (pkg/core/${build === 'simd' ? 'likeness_bg.wasm' : 'likeness_relaxed_bg.wasm'}): `
    + `peak ${b.peak.toFixed(1)} GFLOP/s (the best of 8, 10 and 12 independent ${build === 'simd' ? 'f32x4 mul + add' : 'f32x4.relaxed_madd'} chains acc = x + acc·y in registers); in brackets, the share of that peak.`);
  lines.push('');
  lines.push(`| shape (m x k x n) | ${kernels.join(' | ')} |`);
  lines.push(`|---|${kernels.map(() => '---').join('|')}|`);
  for (const s of b.shapes) {
    const top = Math.max(...Object.values(s.gflops));
    lines.push(`| ${s.label} (${s.m}x${s.k}x${s.n}) | ${kernels.map((k) => {
      const v = s.gflops[k];
      const cell = `${v.toFixed(1)} (${Math.round((100 * v) / b.peak)} %)`;
      return v === top ? `**${cell}**` : cell;
    }).join(' | ')} |`);
  }
}
const table = lines.join('\n') + '\n';
console.log('\n' + table);
writeFileSync(join(here, 'results.md'), table);
writeFileSync(join(here, 'results.json'), JSON.stringify({ date: started.toISOString(), cpu, chromium: chrome, load, rounds, best }, null, 1) + '\n');
console.log(`wrote ${join(here, 'results.md')}`);
