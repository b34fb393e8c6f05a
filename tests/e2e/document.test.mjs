// The ID-document step in Debian's headless Chromium: `startDocumentCapture` with a real
// (fake-device) camera playing a generated video of a card brought closer, the
// <likeness-document-capture> element, the demo's document step by upload, and typed errors.
// The card photos and the video are made here by `cargo run --release --example document_cards`
// (examples/document_cards.rs, tests/common/cards.rs): no document photo is committed.
//
//   node --test tests/e2e/document.test.mjs     (scripts/test_document.sh builds what is missing)
//
// Environment: CHROMIUM (default /usr/bin/chromium); DOCUMENT_CARDS to reuse a folder where the
// generator wrote approach.y4m and approach.png; E2E_OUT for the screenshots
// (default bench/out/e2e, git-ignored).
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
const GOLDEN = join(ROOT, 'tests', 'fixtures', 'golden');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.E2E_OUT ?? join(ROOT, 'bench', 'out', 'e2e');
const SLOW = 180_000;
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

let server;
let work;
let cards; // { dir, video, photo, selfie }

/**
 * Runs the generator (or reuses DOCUMENT_CARDS): the approach video (a colour ID-1 card printed
 * from obama_640x480.png, brought closer, then held) and its last frame, approach.png, which is
 * also the photo the demo gets by upload. The selfie is another photo of the same man.
 */
function makeCards() {
  const dir = process.env.DOCUMENT_CARDS ?? join(work, 'cards');
  const video = join(dir, 'approach.y4m');
  if (!process.env.DOCUMENT_CARDS || !existsSync(video)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('cargo', ['run', '--quiet', '--release', '--example', 'document_cards', '--', 'approach', video],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  }
  return { dir, video, photo: join(dir, 'approach.png'), selfie: join(GOLDEN, 'obama2.png') };
}

/** A fresh browser whose camera plays `video` (no camera file: the synthetic pattern). */
async function launch(video, viewport = { width: 1280, height: 800 }) {
  const args = [...BASE_ARGS];
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

/** The distinct instruction codes in the order they were first shown. */
function codes(instructions) {
  return instructions.map((i) => i.code);
}

describe('the ID-document step in Chromium', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    assert.ok(existsSync(join(ROOT, 'pkg', 'index.js')), 'pkg/ is missing: bash scripts/build_pkg.sh');
    server = await serve({ port: 0 });
    work = mkdtempSync(join(tmpdir(), 'likeness-document-'));
    cards = makeCards();
  });

  after(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a card brought closer to the rear camera: MOVE_CLOSER, then OK, then a capture with the card and the portrait', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(cards.video);
    try {
      await openBare(page);
      const selfie = readFileSync(cards.selfie).toString('base64');
      const out = await page.evaluate(async (selfie) => {
        const { Likeness } = window.likeness;
        const sdk = await Likeness.create();
        const capture = sdk.startDocumentCapture(null, { timeoutMs: 90_000 });
        const instructions = [];
        const states = [];
        const trace = []; // per analysed frame: ms since the first, card found, portrait found, the session's instruction
        let frames = 0;
        capture.on('instruction', (i) => instructions.push({ t: i.timestampMs, code: i.code, value: i.value ?? null }));
        capture.on('state', (s) => states.push(s.state));
        capture.on('frame', (f) => {
          frames += 1;
          trace.push(`${Math.round(f.timestampMs - (trace.t0 ??= f.timestampMs))}:${f.document ? 'card' : '-'}${f.portrait ? '+face' : ''}:${f.instruction}`);
        });
        const ready = await capture.ready;
        const facing = capture.stream.getVideoTracks()[0].getSettings().facingMode ?? null;
        const r = await capture.result;
        const out = { ready, facing, instructions, states, frames, trace, state: r.state, reason: r.reason ?? null, summary: r.summary };
        if (r.state === 'captured') {
          const portrait = r.analysis.portrait;
          const bitmap = await createImageBitmap(r.card);
          out.result = {
            frameType: r.frame.type, frameBytes: r.frame.size, cardType: r.card.type, cardBytes: r.card.size,
            card: [bitmap.width, bitmap.height], cardImageData: [r.cardImageData.width, r.cardImageData.height],
            size: [r.width, r.height], format: r.analysis.document.format,
            embedding: portrait.embedding ? portrait.embedding.length : 0, eyeDist: portrait.eye_dist_frame,
            boxInCard: portrait.box_in_card, ghosts: r.analysis.ghost_faces.length,
          };
          const bytes = Uint8Array.from(atob(selfie), (c) => c.charCodeAt(0));
          try {
            const scan = await sdk.compare(new Blob([bytes], { type: 'image/png' }), r);
            out.scan = { mode: scan.compare_mode, result: scan.compare_result, similarity: scan.compare_similarity };
          } catch (e) {
            out.scan = { error: e.code, message: e.message };
          }
        }
        capture.stop();
        out.tracksAfterStop = capture.stream.getTracks().map((t) => t.readyState);
        sdk.close();
        return out;
      }, selfie);
      const seq = codes(out.instructions);
      console.log(`# instructions: ${seq.join(' → ')}; ${out.frames} frames; camera ${out.ready.width}x${out.ready.height}, facing ${out.facing}`);
      console.log(`# frames: ${out.trace.join(' ')}`);
      assert.equal(out.state, 'captured', `${out.reason} ${JSON.stringify(out.summary?.failed_checks)}`);
      const closer = seq.indexOf('MOVE_CLOSER');
      assert.ok(closer >= 0, `MOVE_CLOSER was never shown: ${seq.join(', ')}`);
      assert.ok(seq.lastIndexOf('OK') > closer, `OK did not follow MOVE_CLOSER: ${seq.join(', ')}`);
      assert.deepEqual(out.states.filter((s, i, a) => a.indexOf(s) === i).slice(-2), ['holding', 'captured']);
      const r = out.result;
      console.log(`# captured: ${JSON.stringify(r)}; compare: ${JSON.stringify(out.scan)}`);
      assert.equal(r.frameType, 'image/jpeg');
      assert.equal(r.cardType, 'image/jpeg');
      assert.deepEqual(r.size, [out.ready.width, out.ready.height], 'the kept frame has the camera size');
      assert.deepEqual(r.card, r.cardImageData, 'the JPEG is the card pixels');
      assert.ok(r.card[0] > r.card[1], `the rectified card is landscape: ${r.card}`);
      assert.equal(r.embedding, 512, 'the portrait has its embedding');
      // The portrait is the main one: on the card's left side (the ghost image is on the right).
      assert.ok((r.boxInCard[0] + r.boxInCard[2]) / 2 < 0.4 * r.card[0], `portrait box ${r.boxInCard} on a ${r.card} card`);
      assert.equal(out.scan.mode, 'document', JSON.stringify(out.scan));
      assert.deepEqual(out.tracksAfterStop, ['ended']);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('<likeness-document-capture> (frames analysed in a worker) fires capture, with one hint at a time in an aria-live region', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(cards.video, { width: 390, height: 844 });
    try {
      await openBare(page);
      const out = await page.evaluate(async () => {
        await import('/pkg/document-capture.js');
        const { Likeness } = window.likeness;
        const el = document.createElement('likeness-document-capture');
        el.setAttribute('lang', 'de');
        el.setAttribute('timeout-ms', '90000');
        document.body.append(el);
        const hints = [];
        el.addEventListener('instruction', (e) => hints.push(e.detail.text));
        const captured = new Promise((resolve, reject) => {
          el.addEventListener('capture', (e) => resolve(e.detail));
          el.addEventListener('error', (e) => reject(e.detail));
          el.addEventListener('timeout', (e) => resolve(e.detail));
        });
        el.sdk = await Likeness.createWorker();
        const hint = el.shadowRoot.querySelector('.hint');
        const r = await captured;
        const box = el.getBoundingClientRect();
        const card = el.shadowRoot.querySelector('.card').getBoundingClientRect();
        return {
          state: r.state, cardType: r.card?.type ?? null, hints, shown: hint.textContent,
          live: hint.getAttribute('aria-live'), mirrored: el.shadowRoot.querySelector('video').classList.contains('mirrored'),
          box: [box.x, box.y, box.width, box.height], card: [card.x, card.y, card.width, card.height],
        };
      });
      console.log(`# element hints: ${out.hints.join(' → ')}`);
      assert.equal(out.state, 'captured');
      assert.equal(out.cardType, 'image/jpeg');
      assert.equal(out.live, 'polite');
      assert.equal(out.shown, 'Fertig', 'German strings');
      assert.ok(out.hints.includes('Ausweis näher an die Kamera halten'), out.hints.join(', '));
      assert.equal(out.mirrored, false, 'the rear camera preview is not mirrored');
      // The card outline fits inside the element and has the ID-1 aspect, on a phone screen.
      const [bx, by, bw, bh] = out.box;
      const [cx, cy, cw, ch] = out.card;
      assert.ok(cx >= bx && cy >= by && cx + cw <= bx + bw + 1 && cy + ch <= by + bh + 1, `outline ${out.card} outside ${out.box}`);
      assert.ok(Math.abs(cw / ch - 85.6 / 54) < 0.02, `outline aspect ${cw / ch}`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('the demo: a card photo by upload shows the rectified card with the portrait boxed, and the verdict names document mode', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(null, { width: 1280, height: 900 });
    try {
      await page.goto(`${server.url}www/`);
      await page.locator('body[data-sdk="ready"]').waitFor({ timeout: SLOW });
      assert.equal(await page.locator('#document-camera').isEnabled(), true, 'the live document step is offered');
      await page.locator('#selfie-input').setInputFiles(cards.selfie);
      await page.locator('#document-input').setInputFiles(cards.photo);
      await page.locator('#verdict[data-state="done"], #verdict[data-state="error"]').waitFor({ timeout: SLOW });
      await page.locator('#document-card:not([hidden])').waitFor({ timeout: SLOW });
      const verdictState = await page.locator('#verdict').getAttribute('data-state');
      assert.equal(verdictState, 'done', `${await page.locator('#verdict').textContent()} ${await page.locator('#error').textContent()}`);
      // The box over the card image, in card units (0..1).
      const geometry = await page.evaluate(() => {
        const img = document.getElementById('document-card-image').getBoundingClientRect();
        const box = document.getElementById('document-portrait-box');
        const b = box.getBoundingClientRect();
        return {
          hidden: box.hidden, format: document.getElementById('document-card').dataset.format,
          box: [(b.left - img.left) / img.width, (b.top - img.top) / img.height, (b.right - img.left) / img.width, (b.bottom - img.top) / img.height],
          aspect: img.width / img.height,
        };
      });
      console.log(`# demo: ${JSON.stringify(geometry)}`);
      assert.equal(geometry.hidden, false, 'the portrait is boxed');
      assert.equal(geometry.format, 'ID-1');
      assert.ok(Math.abs(geometry.aspect - 85.6 / 54) < 0.03, `the rectified card has the ID-1 aspect: ${geometry.aspect}`);
      // The generator prints the portrait at x 0.04–0.33, y 0.20–0.83 of an ID-1 card
      // (docs/document-generator.md): the face box lies inside it, its centre well inside.
      const [x1, y1, x2, y2] = geometry.box;
      const region = [0.04, 0.20, 0.33, 0.83];
      const m = 0.03;
      assert.ok(x1 >= region[0] - m && y1 >= region[1] - m && x2 <= region[2] + m && y2 <= region[3] + m,
        `the box ${geometry.box.map((v) => v.toFixed(3))} is not over the portrait region ${region}`);
      assert.ok(x2 - x1 > 0.1 && y2 - y1 > 0.15, `the box is the size of a face: ${geometry.box}`);
      const mode = page.locator('#compare-mode');
      assert.equal(await mode.getAttribute('data-mode'), 'document');
      assert.match(await mode.textContent(), /document/);
      const record = JSON.parse(await page.locator('#scan-record').textContent());
      assert.equal(record.compare_mode, 'document');
      assert.match(await page.locator('#verdict').textContent(), /Same person/, 'the card carries the selfie\'s person');
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'document-demo-upload.png'), fullPage: true });
      console.log(`# screenshot: ${join(OUT, 'document-demo-upload.png')}`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('the demo, live: "Scan the ID document" opens the rear camera, captures, shows the card and compares in document mode', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(cards.video, { width: 390, height: 844 });
    try {
      await page.goto(`${server.url}www/`);
      await page.locator('body[data-sdk="ready"]').waitFor({ timeout: SLOW });
      await page.locator('#selfie-input').setInputFiles(cards.selfie);
      await page.locator('#document-camera').click();
      const element = page.locator('#document-dialog likeness-document-capture');
      await element.waitFor({ timeout: 10_000 });
      await element.locator('.hint').filter({ hasText: /card|Hold still/ }).waitFor({ timeout: 60_000 });
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'document-demo-live-guiding.png') });
      await page.locator('#document-capture-info[data-state="captured"]').waitFor({ timeout: 90_000 });
      assert.equal(await page.locator('#document-dialog').evaluate((d) => d.open), false, 'the dialog closes after the capture');
      await page.locator('#document-card:not([hidden])').waitFor({ timeout: SLOW });
      await page.locator('#verdict[data-state="done"], #verdict[data-state="error"]').waitFor({ timeout: SLOW });
      assert.match(await page.locator('#document-file').textContent(), /camera-document\.jpg/);
      assert.equal(await page.locator('#document-portrait-box').isVisible(), true);
      assert.equal(await page.locator('#compare-mode').getAttribute('data-mode'), 'document');
      assert.match(await page.locator('#verdict').textContent(), /Same person/);
      await page.screenshot({ path: join(OUT, 'document-demo-live.png'), fullPage: true });
      console.log(`# screenshots: ${join(OUT, 'document-demo-live*.png')}`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test('analyzeDocument: a typed error for bad input, the card as JPEG and pixels from the worker too', { timeout: SLOW }, async () => {
    const { browser, page, problems } = await launch(null);
    try {
      await openBare(page);
      const photo = readFileSync(cards.photo).toString('base64');
      const out = await page.evaluate(async (photo) => {
        const { Likeness, LikenessError } = window.likeness;
        const caught = async (p) => {
          try {
            await p;
            return 'resolved';
          } catch (e) {
            return `${e instanceof LikenessError ? 'LikenessError' : e?.name} ${e.code}`;
          }
        };
        const sdk = await Likeness.create();
        const worker = await Likeness.createWorker();
        const errors = {
          number: await caught(sdk.analyzeDocument(42)),
          garbage: await caught(sdk.analyzeDocument(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))),
          option: await caught(sdk.analyzeDocument(new Uint8Array(8), { format: 'ID-1' })),
          quality: await caught(sdk.analyzeDocument(new Uint8Array(8), { jpegQuality: 2 })),
          workerGarbage: await caught(worker.analyzeDocument(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))),
          session: await caught(window.likeness.createDocumentSession({ format: 'ID-2' })),
          captureOption: await caught(Promise.resolve().then(() => sdk.startDocumentCapture(null, { profile: 'icao' }))),
        };
        const blob = new Blob([Uint8Array.from(atob(photo), (c) => c.charCodeAt(0))], { type: 'image/png' });
        const fromWorker = await worker.analyzeDocument(blob);
        const onPage = await sdk.analyzeDocument(blob);
        const empty = await sdk.analyzeDocument(new ImageData(64, 64));
        sdk.close();
        worker.close();
        const summary = (d) => ({
          format: d.document?.format ?? null, cardType: d.card?.type ?? null,
          pixels: d.cardImageData ? [d.cardImageData.width, d.cardImageData.height, d.cardImageData.data.length] : null,
          isImageData: d.cardImageData instanceof ImageData, embedding: d.portrait?.embedding?.length ?? 0,
          box: d.portrait?.box_in_card ?? null,
        });
        return { errors, worker: summary(fromWorker), page: summary(onPage), empty: { document: empty.document, instruction: empty.instruction.code, card: empty.card } };
      }, photo);
      console.log(`# ${JSON.stringify(out)}`);
      assert.equal(out.errors.number, 'LikenessError INVALID_ARGUMENT');
      assert.match(out.errors.garbage, /^LikenessError (IMAGE_DECODE_FAILED|UNSUPPORTED_FORMAT)$/);
      assert.equal(out.errors.workerGarbage, out.errors.garbage, 'the worker gives the same typed error');
      assert.equal(out.errors.option, 'LikenessError INVALID_ARGUMENT');
      assert.equal(out.errors.quality, 'LikenessError INVALID_ARGUMENT');
      assert.equal(out.errors.session, 'LikenessError INVALID_ARGUMENT');
      assert.equal(out.errors.captureOption, 'LikenessError INVALID_ARGUMENT');
      // A blank frame: no card is not an error.
      assert.deepEqual(out.empty, { document: null, instruction: 'DOCUMENT_NOT_FOUND', card: null });
      for (const side of [out.page, out.worker]) {
        assert.equal(side.format, 'ID-1');
        assert.equal(side.cardType, 'image/jpeg');
        assert.equal(side.pixels[2], side.pixels[0] * side.pixels[1] * 4, 'RGBA pixels');
        assert.equal(side.isImageData, true);
        assert.equal(side.embedding, 512);
      }
      assert.deepEqual(out.worker, out.page, 'the worker finds the same card and portrait');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
