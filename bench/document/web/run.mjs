#!/usr/bin/env node
// The card finder in headless Chromium, one command: `npm run bench:document`
// (= build the package, write held-out scenes, run this page; needs LFW at ../shared/datasets
// for the people, else the committed photos stand in).
//
// Writes held-out scenes (tests/common/scenes.rs, `Split::Held`) at a long side of 1920 and
// 1280 px with `cargo run --release --example document_eval -- --scenes N --write-frames DIR`
// into bench/document/web/frames/ (not committed), serves the repo on 127.0.0.1, and times in
// one Chromium page per set: `analyzeDocument` (still path) and `detectDocumentForVideo` (live
// path) on every frame as ImageData, with the found rate (Jaccard ≥ 0.9) per scene kind.
// Prints a Markdown table and writes bench/document/web/results.md (+ results.json).
//
// Options: --n N scenes per kind (8) --build simd|relaxed-simd (default: what create() picks)
//          --sets 1920,1280  CHROMIUM=/path/to/chromium (default /usr/bin/chromium)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../../scripts/serve.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..', '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => { const i = argv.indexOf(`--${name}`); return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback; };
const N = Number(opt('n', 8));
const BUILD = opt('build', null);
const SETS = opt('sets', '1920,1280').split(',');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

function machine() {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try { const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m); if (m) model = m[1].trim(); } catch {}
  return `${model}, ${availableParallelism()} cores`;
}

for (const set of SETS) {
  console.log(`> writing ${N} held-out scenes per kind at ${set} px`);
  execFileSync('cargo', ['run', '--release', '--quiet', '--example', 'document_eval', '--', '--scenes', String(N), '--long', set, '--seed', '3', '--write-frames', join(here, 'frames', set)], { cwd: root, stdio: 'inherit' });
}

const server = await serve({ root, port: 0 }); // scripts/serve.mjs: the repo root, loopback only
const base = `http://127.0.0.1:${server.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), 'likeness-document-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = [];
try {
  for (const set of SETS) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
    const url = `${base}bench/document/web/?set=${set}${BUILD ? `&build=${BUILD}` : ''}`;
    console.log(`> ${url}`);
    await page.goto(url);
    await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 30 * 60 * 1000, polling: 500 });
    const bench = await page.evaluate(() => window.__bench);
    await page.close();
    if (!bench.ok) throw new Error(bench.error);
    results.push(bench.result);
  }
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

const median = (v) => { const s = [...v].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)} %` : '–');
const chrome = (results[0]?.userAgent.match(/Chrome\/([\d.]+)/) ?? [])[1] ?? '?';
let md = `# The card finder in headless Chromium\n\n\`npm run bench:document -- --n ${N}\` on ${new Date().toISOString()}, ${machine()}, Chromium ${chrome}, core build ${results[0]?.build}. Held-out generated scenes (tests/common/scenes.rs, \`Split::Held\`, seed 3), ${N} per kind and frame size, JPEG 92, analysed as ImageData (decoding not timed). Found: Jaccard index ≥ 0.9 with the truth (cut cards: the parts inside the frame). \`analyzeDocument\`: finder, portrait and its embedding; \`detectDocumentForVideo\`: the live path (no embedding).\n\n`;
md += '| frames | scenes | n | found | documents said | portrait found | FIT_DOCUMENT_IN_FRAME | analyzeDocument median | detectDocumentForVideo median |\n|---|---|---|---|---|---|---|---|---|\n';
for (const r of results) {
  const kinds = [...new Set(r.rows.map((x) => x.kind))];
  for (const k of [...kinds, 'all']) {
    const rows = k === 'all' ? r.rows : r.rows.filter((x) => x.kind === k);
    const docs = rows.filter((x) => x.has);
    const size = `${r.rows[0].width > r.rows[0].height ? '' : ''}${r.set} long side`;
    md += `| ${size} | ${k} | ${rows.length} | ${docs.length ? pct(docs.filter((x) => x.iou >= 0.9).length, docs.length) : '–'} | ${pct(rows.filter((x) => x.said).length, rows.length)} | ${docs.length ? pct(docs.filter((x) => x.portrait).length, docs.length) : '–'} | ${k === 'cut' ? pct(rows.filter((x) => x.code === 'FIT_DOCUMENT_IN_FRAME').length, rows.length) : '–'} | ${median(rows.map((x) => x.stillMs)).toFixed(1)} ms | ${median(rows.map((x) => x.liveMs)).toFixed(1)} ms |\n`;
  }
}
md += `\n\`create()\`: ${results.map((r) => `${r.createMs.toFixed(0)} ms`).join(', ')}.\n`;
console.log(md);
writeFileSync(join(here, 'results.md'), md);
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 1));
