// The demo page (www/) in Debian's headless Chromium, driven by playwright-core exactly as a user
// would drive it: served from localhost, importing the built pkg/, photos chosen with the file
// inputs. It must never download a browser or touch any network but the loopback.
//
//   node --test tests/e2e/demo.test.mjs         (scripts/test_e2e.sh installs playwright-core first)
//
// Environment: CHROMIUM (default /usr/bin/chromium); E2E_BASE_URL to test an already running
// server instead of starting one; E2E_OUT for the screenshots (default bench/out/e2e, git-ignored).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOLDEN = join(ROOT, 'tests', 'fixtures', 'golden');
const OUT = process.env.E2E_OUT ?? join(ROOT, 'bench', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Model download + wasm compile + first analyses on 2 shared cores: generous, not a benchmark.
const SLOW = 180_000;

// Seed 004's scan record and the face fields it shows (README "The face object").
const RECORD_KEYS = ['channel', 'compare_measured_far', 'compare_measured_frr', 'compare_mode', 'compare_nominal_far', 'compare_preset', 'compare_result', 'compare_similarity', 'compare_threshold', 'created', 'document', 'face1', 'face2', 'id', 'reference'];
const MEDIUM = 0.4117; // the 'medium' preset (src/constants.rs THRESHOLD_MEDIUM)
const SEED_FACE_KEYS = ['eye_dist', 'face_luminance', 'face_occlusion', 'face_quality', 'landmark_68', 'left_eye_closed',
  'mouth_opened', 'pitch', 'right_eye_closed', 'roll', 'x1', 'x2', 'y1', 'y2', 'yaw'];
const CHECK_NAMES = ['too_small', 'brightness', 'blurred', 'eyes_closed', 'mouth_open', 'off_pose', 'occluded'];

let server; // the static server of the repo (scripts/serve.mjs), when this test started one
let baseUrl;
let context;
let page;
let profile;
let work;
const problems = []; // console errors and uncaught page errors: a clean page has none

async function screenshot(name) {
  await mkdir(OUT, { recursive: true });
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`# screenshot: ${path}`);
  return path;
}

// Waits for a finished comparison with the given result and returns what the page shows.
async function verdictShown(result) {
  // Choosing a photo resets the verdict at once, so a finished state is this comparison's.
  await page.locator('#verdict[data-state="done"], #verdict[data-state="error"]').waitFor({ timeout: SLOW });
  const verdict = page.locator('#verdict');
  if ((await verdict.getAttribute('data-state')) === 'error') {
    assert.fail(`no verdict: ${await verdict.textContent()} ${await page.locator('#error').textContent()}`);
  }
  assert.equal(await verdict.getAttribute('data-result'), result);
  return {
    verdict: (await page.locator('#verdict').textContent()).trim(),
    similarity: (await page.locator('#similarity').textContent()).trim(),
    record: (await page.locator('#scan-record').textContent()).trim(),
  };
}

function checkRecord(record, expected, shownSimilarity) {
  assert.deepEqual(Object.keys(record).sort(), RECORD_KEYS);
  assert.equal(record.compare_result, expected);
  assert.equal(record.channel, 'WEB');
  assert.equal(typeof record.compare_similarity, 'number');
  assert.ok(Math.abs(record.compare_similarity - shownSimilarity) <= 0.0005,
    `shown ${shownSimilarity} vs record ${record.compare_similarity}`);
  assert.match(record.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(!Number.isNaN(Date.parse(record.created)), `created: ${record.created}`);
  for (const face of [record.face1, record.face2]) {
    for (const key of SEED_FACE_KEYS) assert.ok(key in face, `face is missing ${key}`);
    assert.equal(face.landmark_68.length, 68);
    assert.ok(!('embedding' in face), 'a scan record carries no embedding');
  }
}

async function checkFacePanel(side) {
  const faces = page.locator(`#${side}-faces [data-testid="face"]`);
  assert.ok(await faces.count() >= 1, `${side}: no face card`);
  const checks = await faces.first().locator('tr[data-check]').evaluateAll(
    (rows) => rows.map((r) => [r.dataset.check, r.dataset.passed, r.cells[0].textContent, r.cells[1].textContent]));
  assert.deepEqual(checks.map((c) => c[0]), CHECK_NAMES);
  for (const [name, passed, , measured] of checks) {
    assert.match(passed, /^(true|false)$/, name);
    assert.match(measured, /\d/, `${side} ${name}: no measured value`);
  }
  // The canvas holds the photo at its own size, with something drawn on it.
  const size = await page.locator(`#${side}-canvas`).evaluate((c) => [c.width, c.height]);
  assert.ok(size[0] > 0 && size[1] > 0, `${side} canvas is empty`);
}

describe('demo page (www/) with the built pkg/', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    assert.ok(existsSync(join(ROOT, 'pkg', 'index.js')) || process.env.E2E_BASE_URL,
      'pkg/index.js is missing: build the package first (bash scripts/build_pkg.sh)');
    if (process.env.E2E_BASE_URL) {
      baseUrl = process.env.E2E_BASE_URL.replace(/\/$/, '');
    } else {
      server = await serve({ port: 0 }); // a free port on 127.0.0.1
      baseUrl = server.url.replace(/\/$/, '');
    }
    work = await mkdtemp(join(tmpdir(), 'likeness-e2e-'));
    profile = join(work, 'profile'); // a fresh user-data-dir: no cache from an earlier run
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    page.on('requestfailed', (request) => {
      // Chromium reports a `no-store` fetch read to its end through a stream reader as
      // ERR_ABORTED (microsoft/playwright#42742); the package reads the models that way and
      // checks each one's sha256, so a model that really broke off shows as MODEL_INVALID.
      const error = request.failure()?.errorText ?? '';
      if (error !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} ${error}`);
    });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('loads the models with a progress bar', { timeout: SLOW }, async () => {
    await page.goto(`${baseUrl}/www/`);
    assert.equal(await page.title(), 'Likeness — selfie vs ID document');
    await page.locator('body[data-sdk="ready"]').waitFor({ timeout: SLOW });
    const [value, max] = await page.locator('#model-progress').evaluate((p) => [p.value, p.max]);
    assert.equal(value, max, 'the progress bar ends full');
    assert.match(await page.locator('#model-status').textContent(), /ready/i);
    assert.deepEqual(problems, []);
  });

  test('a selfie and an ID photo of the same person: "Same person"', { timeout: SLOW }, async () => {
    await page.locator('#selfie-input').setInputFiles(join(GOLDEN, 'obama_640x480.png'));
    await page.locator('#document-input').setInputFiles(join(GOLDEN, 'obama2.png'));
    const shown = await verdictShown('same');
    assert.equal(shown.verdict, 'Same person');
    const similarity = Number(shown.similarity);
    assert.ok(similarity > 0 && similarity <= 1, `similarity ${shown.similarity}`);
    checkRecord(JSON.parse(shown.record), 'Same person', similarity);
    await checkFacePanel('selfie');
    await checkFacePanel('document');
    await screenshot('demo-same-person');
    assert.deepEqual(problems, []);
  });

  test('a different person as the ID photo: "Different person"', { timeout: SLOW }, async () => {
    await page.locator('#document-input').setInputFiles(join(GOLDEN, 'biden.png'));
    const shown = await verdictShown('different');
    assert.equal(shown.verdict, 'Different person');
    const similarity = Number(shown.similarity);
    assert.ok(Number.isFinite(similarity) && similarity >= -1 && similarity < MEDIUM, `similarity ${shown.similarity}`);
    checkRecord(JSON.parse(shown.record), 'Different person', similarity);
    await checkFacePanel('document');
    await screenshot('demo-different-person');
    assert.deepEqual(problems, []);
  });

  test('a photo dropped on the document panel is compared', { timeout: SLOW }, async () => {
    // A drop as the browser delivers it: a DataTransfer holding a File.
    const base64 = (await readFile(join(GOLDEN, 'obama3.png'))).toString('base64');
    const dataTransfer = await page.evaluateHandle((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'obama3.png', { type: 'image/png' }));
      return transfer;
    }, base64);
    await page.dispatchEvent('#document-panel', 'dragover', { dataTransfer });
    await page.dispatchEvent('#document-panel', 'drop', { dataTransfer });
    const shown = await verdictShown('same');
    assert.equal(shown.verdict, 'Same person');
    assert.match(await page.locator('#document-file').textContent(), /^obama3\.png/);
    checkRecord(JSON.parse(shown.record), 'Same person', Number(shown.similarity));
    assert.deepEqual(problems, []);
  });

  test('a corrupt photo shows IMAGE_DECODE_FAILED', { timeout: SLOW }, async () => {
    // A photo cut off half-way through, as an interrupted upload leaves it.
    const png = await readFile(join(GOLDEN, 'obama_640x480.png'));
    const corrupt = join(work, 'selfie_truncated.png');
    await writeFile(corrupt, png.subarray(0, png.length >> 1));
    await page.locator('#selfie-input').setInputFiles(corrupt);
    const error = page.locator('#selfie-error:not([hidden])');
    await error.waitFor({ timeout: SLOW });
    assert.equal(await error.getAttribute('data-code'), 'IMAGE_DECODE_FAILED');
    assert.match(await error.textContent(), /IMAGE_DECODE_FAILED/);
    assert.equal(await page.locator('#error').getAttribute('data-code'), 'IMAGE_DECODE_FAILED');
    assert.equal(await page.locator('#verdict').getAttribute('data-state'), 'error');
    assert.equal(await page.locator('#scan-record').textContent(), '{}', 'no record from a failed photo');
    await screenshot('demo-corrupt-photo');
    assert.deepEqual(problems, []);
  });
});
