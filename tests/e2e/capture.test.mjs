// The live selfie capture in Debian's headless Chromium with a real (fake-device) camera: Chromium
// plays a y4m file as the camera (`--use-file-for-fake-video-capture`), and the videos are made
// here, from committed photos, by `cargo run --release --example fake_camera` (examples/fake_camera.rs,
// tests/common/frames.rs). Nothing is mocked: getUserMedia, the <video>, requestVideoFrameCallback,
// the canvas, the JPEG encoder and the WebAssembly core are the browser's and the package's own.
//
//   node --test tests/e2e/capture.test.mjs      (scripts/test_capture.sh builds what is missing)
//
// One browser per video (the camera file is a launch flag). Environment: CHROMIUM (default
// /usr/bin/chromium); CAPTURE_VIDEOS to reuse a folder of generated videos; E2E_OUT for the
// screenshots (default bench/out/e2e, git-ignored).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.E2E_OUT ?? join(ROOT, 'bench', 'out', 'e2e');
const SLOW = 240_000;
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream'];

let server;
let work;
const videos = {}; // script name -> { file, png, info }

/** Writes the fake-camera video of `script` (and its reference PNG); returns its summary. */
function makeVideo(script) {
  const dir = process.env.CAPTURE_VIDEOS ?? work;
  const file = join(dir, `${script}.y4m`);
  const png = join(dir, `${script}.png`);
  let info;
  if (process.env.CAPTURE_VIDEOS && existsSync(file) && existsSync(`${file}.json`)) {
    info = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  } else {
    const stdout = execFileSync('cargo', ['run', '--quiet', '--release', '--example', 'fake_camera', '--', script, file],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    info = JSON.parse(stdout.trim().split('\n').pop());
  }
  videos[script] = { file, png, info };
  return videos[script];
}

/** A fresh browser whose camera plays `video` (or, with `deny`, a camera the user refuses). */
async function launch(video, { deny = false, viewport = { width: 1280, height: 800 } } = {}) {
  const args = [...BASE_ARGS, ...(deny ? ['--deny-permission-prompts'] : ['--use-fake-ui-for-media-stream'])];
  if (video) args.push(`--use-file-for-fake-video-capture=${video}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return { browser, page, problems };
}

async function openBare(page) {
  await page.goto(`${server.url}tests/browser/bare.html`);
  await page.evaluate(() => window.ready);
}

/**
 * Runs one capture in the page and returns what a test needs: the instruction events, the
 * result (without the Blob), the frame events' last fps, and the captured JPEG as base64.
 */
function runCapture(page, { worker = false, options = {}, compareWith = null, retryAfterTimeout = false } = {}) {
  return page.evaluate(async ({ worker, options, compareWith, retryAfterTimeout }) => {
    const { Likeness } = window.likeness;
    const sdk = worker ? await Likeness.createWorker() : await Likeness.create();
    const video = document.createElement('video');
    video.style.transform = 'scaleX(-1)'; // a mirrored preview, as the web component shows it
    document.body.append(video);
    const capture = sdk.startSelfieCapture(video, options);
    const instructions = [];
    const states = [];
    let frames = 0;
    let lastFrame = null;
    capture.on('instruction', (i) => instructions.push({ t: i.timestampMs, code: i.code, value: i.value ?? null }));
    capture.on('state', (s) => states.push(s.state));
    capture.on('frame', (f) => {
      frames += 1;
      lastFrame = f;
    });
    const ready = await capture.ready;
    const started = performance.now();
    const first = await capture.result;
    const plain = ({ image, face, ...rest }) => rest;
    const out = { ready, started, instructions, states, frames, lastFrame, result: plain(first) };
    if (first.state === 'captured') {
      out.face = { embedding: first.face.embedding.length, eye_dist: first.face.eye_dist, liveness: first.face.liveness ?? null };
      out.imageType = first.image.type;
      const bytes = new Uint8Array(await first.image.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out.jpeg = btoa(binary);
      if (compareWith) {
        const doc = await (await fetch(compareWith)).blob();
        const scan = await sdk.compare(first, doc);
        out.scan = { compare_result: scan.compare_result, compare_similarity: scan.compare_similarity };
      }
    }
    if (retryAfterTimeout && first.state === 'timeout') {
      capture.retry();
      const second = await capture.result;
      out.retry = { state: second.state, frames: second.summary.frames, timeline: second.summary.timeline, failed: second.summary.failed_checks };
    }
    capture.stop();
    out.tracksAfterStop = capture.stream.getTracks().map((t) => t.readyState);
    sdk.close();
    return out;
  }, { worker, options, compareWith, retryAfterTimeout });
}

/** Mean absolute difference of the captured JPEG from the reference frame, as is and mirrored. */
function mirrorCheck(page, jpeg, png) {
  return page.evaluate(async ({ jpeg, png }) => {
    const bitmap = async (b64, type) => createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type }));
    const [shot, ref] = await Promise.all([bitmap(jpeg, 'image/jpeg'), bitmap(png, 'image/png')]);
    const w = 160;
    const h = Math.round((ref.height / ref.width) * w);
    const pixels = (img, mirror) => {
      const c = new OffscreenCanvas(w, h);
      const ctx = c.getContext('2d');
      if (mirror) ctx.setTransform(-1, 0, 0, 1, w, 0);
      ctx.drawImage(img, 0, 0, w, h);
      return ctx.getImageData(0, 0, w, h).data;
    };
    const a = pixels(shot, false);
    const diff = (b) => {
      let s = 0;
      for (let i = 0; i < a.length; i += 4) s += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
      return s / ((a.length / 4) * 3);
    };
    return { size: [shot.width, shot.height], asIs: diff(pixels(ref, false)), mirrored: diff(pixels(ref, true)) };
  }, { jpeg, png });
}

/** The distinct instruction codes in the order they were first shown, with how long each lasted. */
function shown(instructions, endT) {
  return instructions.map((ins, i) => ({ code: ins.code, ms: (instructions[i + 1]?.t ?? endT) - ins.t }));
}

function isSubsequence(expected, codes) {
  let i = 0;
  for (const c of codes) if (c === expected[i]) i++;
  return i === expected.length;
}

describe('live selfie capture through Chromium\'s fake camera', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    assert.ok(existsSync(join(ROOT, 'pkg', 'index.js')), 'pkg/ is missing: bash scripts/build_pkg.sh');
    server = await serve({ port: 0 });
    work = mkdtempSync(join(tmpdir(), 'likeness-capture-'));
    for (const script of ['guided', 'empty', 'still', 'liveness']) makeVideo(script);
  });

  after(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a scripted session gives the instructions in order and captures in the hold window; the JPEG is not mirrored', { timeout: SLOW }, async () => {
    const { file, png, info } = videos.guided;
    const { browser, page, problems } = await launch(file);
    try {
      await openBare(page);
      const holdMs = 1000;
      const out = await runCapture(page, { options: { holdMs, timeoutMs: 60_000 }, compareWith: '/tests/fixtures/golden/obama2.png' });
      // The capturing frame: the last one analysed (the timeline only logs changes, so its last
      // entry is when OK began, not when the capture ended).
      const end = out.lastFrame.timestampMs;
      assert.equal(out.lastFrame.state, 'captured');
      const seq = shown(out.instructions, end);
      console.log(`# instructions: ${seq.map((s) => `${s.code} ${Math.round(s.ms)} ms`).join(' → ')}`);
      console.log(`# ${out.result.framesProcessed} frames analysed, ${out.result.framesDropped} dropped, ${out.result.fps.toFixed(1)} fps; camera ${out.ready.width}x${out.ready.height}`);
      const expected = ['FACE_NOT_FOUND', 'MOVE_CLOSER', 'CENTER_FACE', 'TOO_DARK', 'OPEN_EYES', 'OK'];
      assert.ok(isSubsequence(expected, seq.map((s) => s.code)), `instructions out of order: ${seq.map((s) => s.code).join(', ')}`);
      assert.equal(out.result.state, 'captured', JSON.stringify(out.result.summary));
      // Held: the kept frame lies inside the last OK stretch, which lasted the hold time.
      const ok = out.instructions.findLast((i) => i.code === 'OK');
      assert.ok(out.result.timestampMs >= ok.t && out.result.timestampMs <= end, 'the kept frame is from the hold window');
      assert.ok(end - ok.t >= holdMs - 50, `captured after ${Math.round(end - ok.t)} ms of OK, hold is ${holdMs}`);
      // Within the good segment's first pass: its start plus the hold, the smoothing and the
      // hysteresis, with two seconds of slack for a loaded 2-core machine.
      const good = info.segments.at(-1);
      const sinceStart = end - out.instructions[0].t;
      assert.ok(sinceStart <= good.from_ms + holdMs + 3000, `captured ${Math.round(sinceStart)} ms into the video; the good face starts at ${good.from_ms} ms`);
      assert.deepEqual(out.states.filter((s, i, a) => a.indexOf(s) === i).slice(-2), ['holding', 'captured']);
      // The result: the FACE of the JPEG, with its embedding, and a verdict against another photo.
      assert.equal(out.imageType, 'image/jpeg');
      assert.equal(out.result.mirrored, false);
      assert.equal(out.face.embedding, 512);
      assert.equal(out.scan.compare_result, 'Same person', `similarity ${out.scan.compare_similarity}`);
      const m = await mirrorCheck(page, out.jpeg, readFileSync(png).toString('base64'));
      console.log(`# captured JPEG vs the camera's frame: ${m.asIs.toFixed(1)} as is, ${m.mirrored.toFixed(1)} mirrored (mean abs difference)`);
      assert.deepEqual(m.size, [out.ready.width, out.ready.height], 'the JPEG keeps the camera size');
      assert.ok(m.asIs * 2 < m.mirrored, `the JPEG looks mirrored: ${m.asIs} vs ${m.mirrored}`);
      assert.ok(out.result.fps > 0 && out.lastFrame.fps > 0, 'a frame rate is reported');
      assert.deepEqual(out.tracksAfterStop, ['ended'], 'stop() stops the camera');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('the worker variant captures the same session', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(videos.guided.file);
    try {
      await openBare(page);
      const out = await runCapture(page, { worker: true, options: { timeoutMs: 60_000 } });
      console.log(`# worker: ${out.result.framesProcessed} frames, ${out.result.framesDropped} dropped, ${out.result.fps.toFixed(1)} fps`);
      assert.equal(out.result.state, 'captured', JSON.stringify(out.result.summary));
      assert.equal(out.face.embedding, 512);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('nobody in view: no capture, a timeout that says why, and retry() starts cleanly', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(videos.empty.file);
    try {
      await openBare(page);
      const out = await runCapture(page, { options: { timeoutMs: 3000 }, retryAfterTimeout: true });
      assert.equal(out.result.state, 'timeout');
      assert.match(out.result.reason, /3000 ms/);
      assert.equal(out.result.summary.failed_checks[0].code, 'FACE_NOT_FOUND');
      assert.ok(out.result.summary.failed_checks[0].ms >= 2900, JSON.stringify(out.result.summary.failed_checks));
      assert.ok(!out.states.includes('captured') && !out.states.includes('holding'));
      // The retry is a new attempt: its own frames and timeline, and the same verdict.
      assert.equal(out.retry.state, 'timeout');
      assert.ok(out.retry.frames > 0 && out.retry.frames <= out.result.summary.frames * 2, `retry frames ${out.retry.frames}`);
      assert.deepEqual(out.retry.timeline.map((e) => e.code), ['FACE_NOT_FOUND']);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('a still photo fails the active-liveness challenge', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(videos.still.file);
    try {
      await openBare(page);
      const out = await runCapture(page, { options: { activeLiveness: true, stepMs: 3000, timeoutMs: 60_000 } });
      console.log(`# still photo: ${out.result.reason}; steps ${JSON.stringify(out.result.summary.liveness?.steps)}`);
      assert.equal(out.result.state, 'timeout');
      assert.match(out.result.reason, /liveness step/);
      assert.equal(out.result.summary.liveness.passed, false);
      assert.ok(out.states.includes('challenge'), 'the challenge was shown');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('a blink and head-turn video passes the active-liveness challenge', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(videos.liveness.file);
    try {
      await openBare(page);
      const out = await runCapture(page, { options: { activeLiveness: true, stepMs: 8000, timeoutMs: 90_000 } });
      console.log(`# liveness: ${JSON.stringify(out.result.summary.liveness)}`);
      assert.equal(out.result.state, 'captured', JSON.stringify(out.result.summary));
      assert.equal(out.result.liveness.passed, true);
      assert.ok(out.result.liveness.steps.length >= 2 && out.result.liveness.steps.every((s) => s.passed));
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('a refused camera permission gives CAMERA_DENIED', { timeout: SLOW }, async () => {
    const { browser, page } = await launch(null, { deny: true });
    try {
      await openBare(page);
      const out = await page.evaluate(async () => {
        const { Likeness } = window.likeness;
        const sdk = await Likeness.create();
        const capture = sdk.startSelfieCapture(null);
        const errors = [];
        capture.on('error', (e) => errors.push(e.code));
        try {
          await capture.result;
          return { resolved: true };
        } catch (e) {
          return { name: e.name, code: e.code, message: e.message, errors };
        }
      });
      assert.equal(out.code, 'CAMERA_DENIED', JSON.stringify(out));
      assert.equal(out.name, 'LikenessError');
      assert.deepEqual(out.errors, ['CAMERA_DENIED']);
    } finally {
      await browser.close();
    }
  });

  test('hiding the page stops the capture and the camera', { timeout: SLOW }, async () => {
    const { browser, page } = await launch(videos.empty.file);
    try {
      await openBare(page);
      const out = await page.evaluate(async () => {
        const { Likeness } = window.likeness;
        const sdk = await Likeness.create();
        const capture = sdk.startSelfieCapture(null, { timeoutMs: 60_000 });
        await capture.ready;
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
        const r = await capture.result;
        return { state: r.state, reason: r.reason, tracks: capture.stream.getTracks().map((t) => t.readyState) };
      });
      assert.deepEqual(out, { state: 'stopped', reason: 'page hidden', tracks: ['ended'] });
    } finally {
      await browser.close();
    }
  });

  for (const [name, viewport] of [['phone', { width: 360, height: 740 }], ['desktop', { width: 1280, height: 720 }]]) {
    test(`the demo takes a live selfie with <likeness-selfie-capture> (${viewport.width}x${viewport.height}) and compares it`, { timeout: SLOW }, async () => {
      const { browser, page, problems } = await launch(videos.guided.file, { viewport });
      try {
        await page.goto(`${server.url}www/`);
        await page.locator('body[data-sdk="ready"]').waitFor({ timeout: SLOW });
        await page.locator('#selfie-camera').click();
        const element = page.locator('likeness-selfie-capture');
        const hint = element.locator('.hint'); // playwright pierces the open shadow root
        await hint.filter({ hasText: 'Move closer' }).waitFor({ timeout: 60_000 });
        mkdirSync(OUT, { recursive: true });
        await page.screenshot({ path: join(OUT, `capture-${name}-guiding.png`) });
        // The oval fits inside the element, whatever the screen's shape.
        const [box, oval] = await Promise.all([element.boundingBox(), element.locator('.oval').boundingBox()]);
        assert.ok(oval.x >= box.x && oval.x + oval.width <= box.x + box.width + 1 && oval.y >= box.y && oval.y + oval.height <= box.y + box.height + 1,
          `oval ${JSON.stringify(oval)} outside ${JSON.stringify(box)}`);
        assert.equal(await hint.getAttribute('aria-live'), 'polite');
        await page.locator('#selfie-capture-info[data-state="captured"]').waitFor({ timeout: 90_000 });
        await page.locator('#document-input').setInputFiles(join(ROOT, 'tests', 'fixtures', 'golden', 'obama2.png'));
        await page.locator('#verdict[data-state="done"]').waitFor({ timeout: SLOW });
        assert.equal(await page.locator('#verdict').getAttribute('data-result'), 'same');
        assert.match(await page.locator('#selfie-file').textContent(), /camera-selfie\.jpg/);
        const record = JSON.parse(await page.locator('#scan-record').textContent());
        assert.equal(record.compare_result, 'Same person');
        await page.screenshot({ path: join(OUT, `capture-${name}-compared.png`), fullPage: true });
        console.log(`# screenshots: ${join(OUT, `capture-${name}-*.png`)}`);
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    });
  }
});
