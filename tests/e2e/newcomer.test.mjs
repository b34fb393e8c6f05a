// A newcomer's first five lines (issue 3's "done when"): `npm pack` the built pkg/, `npm install`
// the tarball into a blank app, write the five lines of the README, and get a correct scan record
// in Debian's headless Chromium — once with no bundler (an import map onto node_modules), once
// bundled by Vite (`vite build`, the package's `new URL(..., import.meta.url)` assets emitted by
// the bundler; the models copied from node_modules/likeness/models into public/, as documented).
// And the live selfie: `<likeness-selfie-capture>` from the same tarball in a blank page, with a
// fake-device camera playing a video made from a committed photo (examples/fake_camera.rs), gives
// a `capture` event whose FACE compares as "Same person" with another photo of that person.
//
//   node --test tests/e2e/newcomer.test.mjs      (scripts/test_newcomer.sh builds pkg/ first)
//
// Installs vite from the npm registry into the throw-away app (npm's cache makes it quick after
// the first time). Environment: CHROMIUM (default /usr/bin/chromium).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const VITE = '8.4.0';
// examples/fake_camera.rs, built by scripts/test_newcomer.sh.
const FAKE_CAMERA = join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/likeness/target'), 'release/examples/fake_camera');

// The five lines, as an app writes them (the photos are the repo's committed fixtures).
const MAIN_JS = `import { Likeness } from 'likeness';

const photo = async (name) => (await fetch('/photos/' + name)).blob();
const MODELS = window.LIKENESS_MODELS; // undefined: the package's own models/ next to index.js

const sdk = await Likeness.create({ modelsUrl: MODELS });
const scan = await sdk.compare(await photo('obama_640x480.png'), await photo('obama2.png'), { threshold: 'medium', reference: 'first-app', channel: 'WEB' });
const v = await sdk.embed(await photo('biden.png'));
window.result = { scan, biden: sdk.similarity(v, await sdk.embed(await photo('obama2.png'))) };
sdk.close();
`;

const page = (head) => `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head>
<body><script type="module" src="/main.js"></script></body></html>
`;

// The selfie step, as an app writes it: the element, the SDK, the capture event into compare().
const SELFIE_JS = `import { Likeness } from 'likeness';
import 'likeness/selfie-capture';

const sdk = await Likeness.create();
const el = document.createElement('likeness-selfie-capture');
el.setAttribute('hold-ms', '800');
document.body.append(el);
const instructions = [];
el.addEventListener('instruction', (e) => instructions.push(e.detail.code));
el.addEventListener('error', (e) => (window.result = { error: e.detail.code + ': ' + e.detail.message }));
el.addEventListener('capture', async (e) => {
  const document_ = await (await fetch('/photos/obama2.png')).blob();
  const scan = await sdk.compare(e.detail, document_, { threshold: 'medium' });
  window.result = { scan, instructions, mirrored: e.detail.mirrored, type: e.detail.image.type, shown: el.shadowRoot.textContent };
});
el.sdk = sdk; // starts the camera
`;

const npm = (cwd, ...args) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

describe('a newcomer installs the package into a blank app', { timeout: 10 * 60_000 }, () => {
  let work, tarball, context;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'likeness-newcomer-'));
    const packed = JSON.parse(npm(join(ROOT, 'pkg'), 'pack', '--json', '--pack-destination', work));
    tarball = join(work, packed[0].filename);
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await context?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A blank app directory with the package installed from the tarball and the photos. */
  function blankApp(name, extra = []) {
    const app = join(work, name);
    mkdirSync(join(app, 'photos'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
    npm(app, 'install', '--no-audit', '--no-fund', tarball, ...extra);
    for (const f of ['obama_640x480.png', 'obama2.png', 'biden.png']) cpSync(join(ROOT, 'tests/fixtures/golden', f), join(app, 'photos', f));
    return app;
  }

  async function run(root, models) {
    const site = await serve({ root, port: 0 });
    const tab = await context.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    try {
      await tab.addInitScript((m) => (window.LIKENESS_MODELS = m), models);
      await tab.goto(site.url);
      const handle = await tab.waitForFunction(() => window.result, null, { timeout: 120_000 });
      return { ...(await handle.jsonValue()), errors };
    } finally {
      await tab.close();
      await site.close();
    }
  }

  function checkScan(r) {
    assert.deepEqual(r.errors, []);
    assert.equal(r.scan.compare_result, 'Same person');
    assert.equal(r.scan.reference, 'first-app');
    assert.equal(r.scan.channel, 'WEB');
    assert.ok(r.scan.compare_similarity >= r.scan.compare_threshold, `similarity ${r.scan.compare_similarity}`);
    assert.equal(r.scan.face1.landmark_68.length, 68);
    assert.ok(r.biden < 0.28, `biden vs obama ${r.biden}`);
  }

  test('no bundler: node_modules and an import map', { timeout: 5 * 60_000 }, async () => {
    const app = blankApp('plain');
    writeFileSync(join(app, 'index.html'), page('<script type="importmap">{"imports":{"likeness":"/node_modules/likeness/index.js"}}</script>'));
    writeFileSync(join(app, 'main.js'), MAIN_JS);
    checkScan(await run(app, undefined));
  });

  test(`bundled by Vite ${VITE}`, { timeout: 5 * 60_000 }, async () => {
    const app = blankApp('bundled', [`vite@${VITE}`]);
    writeFileSync(join(app, 'index.html'), page(''));
    writeFileSync(join(app, 'main.js'), MAIN_JS);
    writeFileSync(join(app, 'vite.config.js'), "export default { build: { target: 'es2022' } };\n");
    // The documented step: serve the package's models directory with the app.
    cpSync(join(app, 'node_modules/likeness/models'), join(app, 'public/models'), { recursive: true });
    cpSync(join(app, 'photos'), join(app, 'public/photos'), { recursive: true });
    execFileSync(join(app, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    const assets = readdirSync(join(app, 'dist/assets'));
    assert.ok(assets.some((f) => f.endsWith('.wasm')), `the bundler emitted the .wasm: ${assets.join(', ')}`);
    checkScan(await run(join(app, 'dist'), '/models/'));
  });

  test('the selfie web component with a camera', { timeout: 5 * 60_000 }, async () => {
    const app = blankApp('selfie');
    const video = join(work, 'still.y4m');
    execFileSync(FAKE_CAMERA, ['still', video], { stdio: ['ignore', 'pipe', 'inherit'] });
    writeFileSync(join(app, 'index.html'), page(`<script type="importmap">{"imports":{
      "likeness":"/node_modules/likeness/index.js",
      "likeness/selfie-capture":"/node_modules/likeness/selfie-capture.js"}}</script>`));
    writeFileSync(join(app, 'main.js'), SELFIE_JS);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`],
    });
    const site = await serve({ root: app, port: 0 });
    try {
      const tab = await browser.newPage({ viewport: { width: 360, height: 740 } });
      const errors = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      await tab.goto(site.url);
      const r = await (await tab.waitForFunction(() => window.result, null, { timeout: 120_000 })).jsonValue();
      assert.deepEqual(errors, []);
      assert.equal(r.error, undefined);
      assert.equal(r.type, 'image/jpeg');
      assert.equal(r.mirrored, false);
      assert.equal(r.instructions.at(-1), 'OK', `instructions: ${r.instructions.join(', ')}`);
      assert.equal(r.scan.compare_result, 'Same person', `similarity ${r.scan.compare_similarity}`);
      assert.ok(r.shown.includes('Done'), `the element says it is done: ${r.shown}`);
    } finally {
      await browser.close();
      await site.close();
    }
  });
});
