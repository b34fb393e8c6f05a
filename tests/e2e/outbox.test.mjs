// The scan outbox (js/outbox.js, issue 5) end to end: the built pkg/ in Debian's headless
// Chromium, the real `likeness-server` binary on a fresh SQLite file, and between them a small
// fault-injecting HTTP proxy written here.
//
//   node --test tests/e2e/outbox.test.mjs      (scripts/test_outbox.sh builds the server and pkg/ first)
//
// The proof: a page posts 50 scans while the backend is down (all `queued`, stored in
// IndexedDB); a second tab opens the same outbox; the backend starts; the proxy answers 500 to
// 30% of the POSTs, drops the response of 10% after the backend has committed them, and answers
// 503 / 429 with Retry-After once each; the first tab is reloaded in the middle of draining; at
// the end the backend's paged GET list holds exactly the 50 ids, no duplicates, both tabs'
// pending() is empty, and the proxy never saw two POSTs in flight at once (one sender across
// tabs) except across the reload. Then: a 400 and a 409 go to the dead-letter list and are not
// retried; a 401 asks the token callback again once (then sends, or dead-letters); embeddings
// are stripped unless asked for; the IndexedDB-lease fallback (no Web Locks) drains two tabs
// without overlap either.
//
// Environment: CHROMIUM (default /usr/bin/chromium); LIKENESS_SERVER_BIN (default
// $CARGO_TARGET_DIR/release/likeness-server, CARGO_TARGET_DIR defaulting to
// ~/.cache/likeness/target).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SERVER_BIN = process.env.LIKENESS_SERVER_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'likeness', 'target'), 'release', 'likeness-server');
const SLOW = 180_000;
const N = 50;
const TOKEN = 'e2e-token-acme'; // tenant acme: the 50 scans and nothing else
const SIDE = 'e2e-token-side'; // tenant side: the other checks

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function until(what, fn, timeout = 60_000, every = 50) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

// ---------------------------------------------------------------------------------------------
// The fault-injecting proxy. Every response carries `Connection: close`, so Chromium never sends
// a request on a reused socket and never replays one by itself when a response is dropped.

function startProxy(port, backendPort) {
  const stats = {
    posts: [], // { n, id, fault, status, t0, t1, delivered }
    faults: { 500: 0, drop: 0, 503: 0, 429: 0, down: 0 },
    inflight: new Set(),
    overlaps: [], // { t, ids }
    script: new Map(), // n -> fault, for the first POSTs after the backend starts
    faulty: false,
    down: false, // answer nothing at all, as an unreachable backend
    seen: 0, // POSTs counted while faulty
  };
  const cors = (req) => ({
    'Access-Control-Allow-Origin': req.headers.origin ?? '*',
    'Access-Control-Expose-Headers': 'Retry-After, Location',
    Vary: 'Origin',
    'Content-Type': 'application/json',
    Connection: 'close',
  });
  const server = createServer((req, res) => {
    if (stats.down) {
      stats.faults.down++;
      req.socket.destroy();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const post = req.method === 'POST';
      let entry = null;
      let fault = null;
      if (post) {
        let id = null;
        try {
          id = JSON.parse(body.toString('utf8')).id;
        } catch {
          /* not JSON: the backend will say so */
        }
        entry = { id, fault: null, status: 0, t0: Date.now(), t1: 0, delivered: false };
        stats.posts.push(entry);
        if (stats.inflight.size > 0) stats.overlaps.push({ t: entry.t0, ids: [...stats.inflight, id] });
        stats.inflight.add(entry);
        res.on('close', () => {
          entry.t1 = Date.now();
          stats.inflight.delete(entry);
        });
        if (stats.faulty) {
          const n = stats.seen++;
          // 30% answered 500 without reaching the backend, 10% forwarded and their answer dropped,
          // and, once each, a 503 with Retry-After in seconds and a 429 with an HTTP date.
          fault = stats.script.get(n) ?? (n % 10 === 0 || n % 10 === 3 || n % 10 === 6 ? '500' : n % 10 === 8 ? 'drop' : null);
          entry.fault = fault;
        }
      }
      if (fault === '500' || fault === '503' || fault === '429') {
        stats.faults[fault]++;
        const headers = cors(req);
        if (fault === '503') headers['Retry-After'] = '1';
        if (fault === '429') headers['Retry-After'] = new Date(Date.now() + 2000).toUTCString();
        res.writeHead(Number(fault), headers);
        res.end(JSON.stringify({ code: 'INJECTED', message: `fault injected by the test proxy: ${fault}` }));
        entry.status = Number(fault);
        entry.delivered = true;
        return;
      }
      const headers = { ...req.headers, host: `127.0.0.1:${backendPort}`, connection: 'close' };
      const upstream = httpRequest({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers }, (bres) => {
        const out = [];
        bres.on('data', (c) => out.push(c));
        bres.on('end', () => {
          if (entry) entry.status = bres.statusCode;
          if (fault === 'drop') {
            // The backend committed it; the client never hears so.
            stats.faults.drop++;
            req.socket.destroy();
            return;
          }
          const h = { ...bres.headers, connection: 'close' };
          delete h['keep-alive'];
          delete h['transfer-encoding'];
          h['content-length'] = String(Buffer.concat(out).length);
          res.writeHead(bres.statusCode, h);
          res.end(Buffer.concat(out));
          if (entry) entry.delivered = true;
        });
      });
      upstream.on('error', () => {
        // The backend is down: so is the connection, as the browser sees it (the CORS preflight
        // is the first request to fail, so count every method).
        stats.faults.down++;
        req.socket.destroy();
      });
      upstream.end(body);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    stats,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  })));
}

// ---------------------------------------------------------------------------------------------
// The backend: the real binary on a fresh SQLite file.

function startBackend({ port, dir, origin }) {
  const child = spawn(SERVER_BIN, [], {
    env: {
      ...process.env,
      LIKENESS_BACKEND_ADDR: `127.0.0.1:${port}`,
      LIKENESS_DATABASE_URL: `sqlite://${join(dir, 'outbox-e2e.db')}?mode=rwc`,
      LIKENESS_TOKENS: `acme:${TOKEN},side:${SIDE}`,
      LIKENESS_CORS_ORIGINS: origin,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, log, exited, url: `http://127.0.0.1:${port}` };
}

async function api(base, path, token = TOKEN) {
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Every record of the token's tenant, through the paged list (size 7: several pages). */
async function listAll(base, token = TOKEN) {
  const all = [];
  let total = null;
  for (let page = 0; ; page++) {
    const { status, body } = await api(base, `/v1/face-recognition?page=${page}&size=7`, token);
    assert.equal(status, 200, JSON.stringify(body));
    total = body.total_elements;
    all.push(...body.content);
    if (page + 1 >= body.total_pages) break;
  }
  return { all, total };
}

describe('scan outbox: pkg/ in Chromium, likeness-server behind a faulty proxy', { timeout: 15 * 60_000 }, () => {
  let site; // scripts/serve.mjs
  let proxy;
  let backend;
  let work;
  let context;
  let pageA;
  let pageB;
  let scan; // a real scan record, from compare() on two fixture photos, with embeddings
  const ids = [];
  const reloads = []; // times the first tab was reloaded
  const problems = [];
  let pageUrl;
  let backendPort;

  const watch = (page, label) => {
    page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|net::ERR_|CORS/.test(m.text())) problems.push(`${label} console: ${m.text()}`);
    });
  };

  before(async () => {
    assert.ok(existsSync(join(ROOT, 'pkg', 'outbox.js')), 'pkg/outbox.js is missing: bash scripts/build_pkg.sh');
    assert.ok(existsSync(SERVER_BIN), `${SERVER_BIN} is missing: cargo build --release -p likeness-server`);
    work = await mkdtemp(join(tmpdir(), 'likeness-outbox-e2e-'));
    site = await serve({ port: 0 });
    backendPort = await freePort();
    proxy = await startProxy(await freePort(), backendPort); // the backend is not started yet
    pageUrl = `${site.url}tests/browser/outbox.html?api=${encodeURIComponent(proxy.url)}&token=${TOKEN}&name=kyc`;
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    pageA = context.pages()[0] ?? await context.newPage();
    watch(pageA, 'tab A');
  });

  after(async () => {
    await context?.close();
    if (backend) {
      backend.child.kill('SIGTERM');
      await backend.exited;
    }
    await proxy?.close();
    await site?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a real scan record: compare() on two fixture photos, with embeddings', { timeout: SLOW }, async () => {
    await pageA.goto(pageUrl);
    await pageA.evaluate(() => window.ready);
    scan = await pageA.evaluate(async () => {
      const sdk = await likeness.Likeness.create();
      const blob = async (n) => (await fetch(`/tests/fixtures/golden/${n}.png`)).blob();
      const record = await sdk.compare(await blob('obama_640x480'), await blob('obama2'), { reference: 'outbox-e2e', channel: 'WEB', includeEmbeddings: true });
      const viaSdk = await sdk.openOutbox({ baseUrl: 'http://127.0.0.1:9', name: 'unused' });
      const ok = typeof viaSdk.post === 'function';
      viaSdk.close();
      sdk.close();
      return { ...record, viaSdk: ok };
    });
    assert.equal(scan.viaSdk, true, 'sdk.openOutbox() opens an outbox');
    delete scan.viaSdk;
    assert.equal(scan.compare_result, 'Same person');
    assert.equal(scan.face1.embedding.length, 512);
  });

  test('bad input is refused with typed errors', async () => {
    const codes = await pageA.evaluate(async (scan) => {
      const code = async (fn) => {
        try {
          await fn();
          return 'resolved';
        } catch (e) {
          return `${e.name}:${e.code}`;
        }
      };
      return {
        noId: await code(() => outbox.post({ ...scan, id: 'not-a-uuid' })),
        noScan: await code(() => outbox.post(null)),
        badOption: await code(() => outbox.post(scan, { embeddings: true })),
        noBase: await code(() => likeness.openOutbox({ token: 'x' })),
        unknownOption: await code(() => likeness.openOutbox({ baseUrl: 'http://x', retries: 3 })),
        list: likeness.OUTBOX_ERROR_CODES.join(),
      };
    }, scan);
    assert.deepEqual(codes, {
      noId: 'OutboxError:INVALID_ARGUMENT',
      noScan: 'OutboxError:INVALID_ARGUMENT',
      badOption: 'OutboxError:INVALID_ARGUMENT',
      noBase: 'OutboxError:INVALID_ARGUMENT',
      unknownOption: 'OutboxError:INVALID_ARGUMENT',
      list: 'INVALID_ARGUMENT,ID_CONFLICT,STORAGE_FAILED,CLOSED,INTERNAL',
    });
  });

  test(`${N} scans posted while the backend is down are all queued in IndexedDB`, { timeout: SLOW }, async () => {
    const r = await pageA.evaluate(async ({ scan, n }) => {
      const results = [];
      for (let i = 0; i < n; i++) {
        results.push(await outbox.post({ ...scan, id: crypto.randomUUID(), reference: `outbox-e2e-${i}` }));
      }
      // The same id again with the same body: no second entry; with another body: ID_CONFLICT.
      const again = await outbox.post({ ...scan, id: results[0].id, reference: 'outbox-e2e-0' });
      let conflict = 'resolved';
      try {
        await outbox.post({ ...scan, id: results[0].id, reference: 'changed' });
      } catch (e) {
        conflict = e.code;
      }
      const pending = await outbox.pending();
      return { results, again, conflict, pending: pending.map((p) => ({ id: p.id, embedding: 'embedding' in p.record.face1, lastError: p.lastError })) };
    }, { scan, n: N });
    assert.equal(r.results.length, N);
    ids.push(...r.results.map((x) => x.id));
    for (const x of r.results) assert.equal(x.status, 'queued', JSON.stringify(x));
    assert.equal(r.again.status, 'queued');
    assert.equal(r.conflict, 'ID_CONFLICT');
    assert.equal(r.pending.length, N);
    assert.deepEqual(r.pending.map((p) => p.id), r.results.map((x) => x.id), 'pending() is oldest first');
    assert.ok(r.pending.every((p) => !p.embedding), 'embeddings are stripped before storing');
    assert.ok(r.pending.some((p) => p.lastError && p.lastError.status === 0), 'network errors are recorded');
    assert.ok(proxy.stats.faults.down >= 1, 'the page did try the network');
  });

  test('the backend starts; the outbox drains through 500s, lost responses, Retry-After and a reload', { timeout: SLOW }, async () => {
    // A second tab on the same outbox: the Web Lock must keep it from sending at the same time.
    pageB = await context.newPage();
    watch(pageB, 'tab B');
    await pageB.goto(pageUrl);
    await pageB.evaluate(() => window.ready);
    assert.equal(await pageB.evaluate(async () => (await outbox.pending()).length), N, 'tab B sees the same queue');
    assert.equal(await pageB.evaluate(() => outbox.coordination), 'web-locks');

    proxy.stats.script.set(1, '503').set(12, '429');
    proxy.stats.faulty = true;
    backend = startBackend({ port: backendPort, dir: work, origin: site.url.replace(/\/$/, '') });
    await until('the backend /health', async () => {
      try {
        return (await fetch(`${backend.url}/health`)).ok;
      } catch {
        return false;
      }
    }, 60_000, 100).catch((e) => {
      throw new Error(`${e.message}\n${backend.log.join('')}`);
    });
    const t0 = Date.now();
    // No flush(): the outbox retries by itself. Reload tab A in the middle of draining.
    const ok = () => proxy.stats.posts.filter((p) => p.status >= 200 && p.status < 300).length;
    await until('15 records acknowledged', () => ok() >= 15, 60_000, 10);
    const before = ok();
    reloads.push(Date.now());
    await pageA.reload();
    await pageA.evaluate(() => window.ready);
    reloads.push(Date.now());
    const pendingAfterReload = await pageA.evaluate(async () => (await outbox.pending()).length);
    await until('both tabs empty', async () => {
      const [a, b] = await Promise.all([pageA, pageB].map((p) => p.evaluate(async () => (await outbox.pending()).length)));
      return a === 0 && b === 0;
    }, 120_000, 200);
    const ms = Date.now() - t0;
    const s = proxy.stats;
    console.log(`# drained in ${ms} ms; reload after ${before} acknowledgements, ${pendingAfterReload} pending after it; ` +
      `POSTs ${s.posts.length}, faults ${JSON.stringify(s.faults)}, overlaps ${s.overlaps.length}`);
    assert.ok(pendingAfterReload > 0 && pendingAfterReload < N, `the reload came mid-drain (${pendingAfterReload} pending)`);
    assert.ok(s.faults['500'] >= 5, `500s injected: ${s.faults['500']}`);
    assert.ok(s.faults.drop >= 2, `responses dropped: ${s.faults.drop}`);
    assert.equal(s.faults['503'], 1);
    assert.equal(s.faults['429'], 1);
  });

  test(`the database holds exactly the ${N} ids, once each, without embeddings`, async () => {
    const { all, total } = await listAll(backend.url);
    assert.equal(total, N);
    assert.equal(all.length, N);
    const got = all.map((r) => r.id);
    assert.equal(new Set(got).size, N, 'no duplicates');
    assert.deepEqual([...got].sort(), [...ids].sort());
    for (const r of all) {
      assert.ok(!('embedding' in r.face1) && !('embedding' in r.face2), 'no embedding was sent');
      assert.equal(r.compare_result, scan.compare_result);
    }
    for (const p of [pageA, pageB]) {
      assert.deepEqual(await p.evaluate(() => outbox.pending()), []);
      assert.deepEqual(await p.evaluate(() => outbox.deadLetters()), []);
    }
  });

  test('every lost or refused attempt was retried, and only those; one sender at a time', async () => {
    const s = proxy.stats;
    const posts = s.posts.filter((p) => ids.includes(p.id) && p.t0 >= 0);
    const byId = new Map();
    for (const p of posts) byId.set(p.id, [...(byId.get(p.id) ?? []), p]);
    const nearReload = (t) => reloads.some((r) => t >= r - 1000 && t <= r + 3000);
    for (const id of ids) {
      const list = byId.get(id) ?? [];
      const delivered = list.filter((p) => p.delivered && p.status >= 200 && p.status < 300);
      assert.ok(delivered.length >= 1, `${id}: no 2xx reached the page`);
      // A second acknowledged POST of the same id only when the page may have died in between.
      if (delivered.length > 1) assert.ok(delivered.slice(1).some((p) => nearReload(p.t0)), `${id} was acknowledged twice: ${JSON.stringify(list)}`);
      const ok201 = list.filter((p) => p.status === 201).length;
      assert.equal(ok201, 1, `${id}: ${ok201} POSTs created it`);
    }
    // A dropped response was followed by a replay that the backend answered 200.
    const replays = [...byId.values()].filter((list) => list.some((p) => p.fault === 'drop') && list.some((p) => p.status === 200));
    assert.ok(replays.length >= 1, 'a lost response was replayed and answered 200');
    // One sender across the two tabs: overlapping POSTs only around the reload.
    const bad = s.overlaps.filter((o) => !nearReload(o.t));
    assert.deepEqual(bad, [], 'two POSTs in flight at once');
    // Retry-After: nothing was sent for ~1 s after the 503, ~2 s (an HTTP date) after the 429.
    for (const [fault, min] of [['503', 900], ['429', 900]]) {
      const at = s.posts.findIndex((p) => p.fault === fault);
      const next = s.posts[at + 1];
      if (next && !nearReload(next.t0)) assert.ok(next.t0 - s.posts[at].t0 >= min, `${fault}: next POST after ${next.t0 - s.posts[at].t0} ms`);
      assert.ok(at >= 0, `no ${fault} was injected`);
    }
    // The UI hears about it: tab B's onChange saw progress (its own sends, or tab A's as 'changed').
    const kinds = new Set([...await pageA.evaluate(() => window.events.map((e) => e.type)),
      ...await pageB.evaluate(() => window.events.map((e) => e.type))]);
    for (const k of ['sending', 'sent', 'retry']) assert.ok(kinds.has(k), `no ${k} event: ${[...kinds]}`);
    assert.ok(await pageB.evaluate(() => window.events.some((e) => e.pending === 0)), 'tab B never heard the outbox was empty');
  });

  test('a 400 and a 409 go to the dead-letter list with the server\'s error, and are not retried', { timeout: SLOW }, async () => {
    proxy.stats.faulty = false;
    const r = await pageA.evaluate(async ({ scan, side }) => {
      const o = await openWith({ name: 'side-dead', tokens: [side] });
      const bad = await o.post({ ...scan, id: crypto.randomUUID(), compare_result: 'Maybe' });
      const id = crypto.randomUUID();
      const first = await o.post({ ...scan, id });
      // The same id with another body, as a second device might send it: 409 ID_CONFLICT.
      const conflict = await o.post({ ...scan, id, reference: 'someone else' });
      await new Promise((r) => setTimeout(r, 1500));
      await o.flush();
      const dead = await o.deadLetters();
      const pending = await o.pending();
      // The app clears a dead letter once it has dealt with it.
      const discarded = await o.discard(bad.id);
      const left = (await o.deadLetters()).map((d) => d.id);
      o.close();
      return { bad, first, conflict, dead, pending, discarded, left };
    }, { scan, side: SIDE });
    assert.equal(r.bad.status, 'rejected');
    assert.equal(r.bad.error.status, 400);
    assert.equal(r.bad.error.body.code, 'INVALID_FIELD');
    assert.equal(r.first.status, 'sent');
    assert.equal(r.conflict.status, 'rejected');
    assert.equal(r.conflict.error.status, 409);
    assert.deepEqual(r.dead.map((d) => [d.id, d.status, d.error.code]), [[r.bad.id, 400, 'INVALID_FIELD'], [r.conflict.id, 409, 'ID_CONFLICT']]);
    assert.match(r.dead[0].error.message, /compare_result/);
    assert.deepEqual(r.pending, []);
    assert.equal(r.discarded, true);
    assert.deepEqual(r.left, [r.conflict.id]);
    for (const d of r.dead) assert.equal(proxy.stats.posts.filter((p) => p.id === d.id && p.status >= 400).length, 1, `${d.id} was retried`);
  });

  test('a 401 asks the token callback again once: then sends, or dead-letters', { timeout: SLOW }, async () => {
    const r = await pageA.evaluate(async ({ scan, side }) => {
      const expired = await openWith({ name: 'side-auth', tokens: ['expired-token', side] });
      const sent = await expired.post({ ...scan, id: crypto.randomUUID() });
      const sentCalls = expired.calls.n;
      expired.close();
      const wrong = await openWith({ name: 'side-auth-wrong', tokens: ['wrong-token'] });
      const refused = await wrong.post({ ...scan, id: crypto.randomUUID() });
      const refusedCalls = wrong.calls.n;
      const dead = await wrong.deadLetters();
      wrong.close();
      return { sent, sentCalls, refused, refusedCalls, dead };
    }, { scan, side: SIDE });
    assert.equal(r.sent.status, 'sent');
    assert.equal(r.sentCalls, 2, 'the token callback was asked again after the 401');
    assert.equal(r.refused.status, 'rejected');
    assert.equal(r.refusedCalls, 2, 'asked once more, not forever');
    assert.equal(r.dead.length, 1);
    assert.equal(r.dead[0].status, 401);
    assert.equal(r.dead[0].error.code, 'UNAUTHORIZED');
    const got = await api(backend.url, `/v1/face-recognition/${r.sent.id}`, SIDE);
    assert.equal(got.status, 200);
    assert.equal((await api(backend.url, `/v1/face-recognition/${r.refused.id}`, SIDE)).status, 404);
  });

  test('embeddings are sent only when the app opts in per call', { timeout: SLOW }, async () => {
    const r = await pageA.evaluate(async ({ scan, side }) => {
      const o = await openWith({ name: 'side-embed', tokens: [side] });
      const seen = [];
      const stop = o.onChange((e) => seen.push(e.type));
      const without = await o.post({ ...scan, id: crypto.randomUUID() });
      await new Promise((r) => setTimeout(r, 200));
      stop(); // unsubscribed: the next post is not reported
      const before = seen.length;
      const withEmb = await o.post({ ...scan, id: crypto.randomUUID() }, { includeEmbeddings: true });
      await new Promise((r) => setTimeout(r, 200));
      o.close();
      let closed = 'resolved';
      try {
        await o.post({ ...scan, id: crypto.randomUUID() });
      } catch (e) {
        closed = e.code;
      }
      return { without, withEmb, seen, before, after: seen.length, closed };
    }, { scan, side: SIDE });
    assert.equal(r.without.status, 'sent');
    assert.equal(r.withEmb.status, 'sent');
    assert.deepEqual(r.seen, ['queued', 'sending', 'sent']);
    assert.equal(r.after, r.before, 'an unsubscribed callback was called');
    assert.equal(r.closed, 'CLOSED');
    const a = await api(backend.url, `/v1/face-recognition/${r.without.id}`, SIDE);
    const b = await api(backend.url, `/v1/face-recognition/${r.withEmb.id}`, SIDE);
    assert.ok(!('embedding' in a.body.face1) && !('embedding' in a.body.face2));
    assert.equal(b.body.face1.embedding.length, 512);
    assert.equal(b.body.face2.embedding.length, 512);
  });

  test('without Web Locks, the IndexedDB lease keeps two tabs from sending at once', { timeout: SLOW }, async () => {
    // The backend is unreachable while the scans are posted (the proxy drops every connection),
    // then comes back behind the faulty proxy.
    const s = proxy.stats;
    const M = 20;
    const leaseUrl = `${site.url}tests/browser/outbox.html?api=${encodeURIComponent(proxy.url)}&token=${SIDE}&name=lease&locks=0`;
    s.faulty = false;
    await pageA.goto(leaseUrl);
    await pageA.evaluate(() => window.ready);
    assert.equal(await pageA.evaluate(() => outbox.coordination), 'lease');
    s.down = true;
    const posted = await pageA.evaluate(async ({ scan, m }) => {
      const out = [];
      for (let i = 0; i < m; i++) out.push(await outbox.post({ ...scan, id: crypto.randomUUID(), reference: `lease-${i}` }));
      return out;
    }, { scan, m: M });
    assert.ok(posted.every((p) => p.status === 'queued'), JSON.stringify(posted.map((p) => p.status)));
    await pageB.goto(leaseUrl);
    await pageB.evaluate(() => window.ready);
    const from = s.posts.length;
    const overlapsBefore = s.overlaps.length;
    s.seen = 0;
    s.script.clear();
    s.faulty = true;
    s.down = false;
    await until('both lease tabs empty', async () => {
      const [a, b] = await Promise.all([pageA, pageB].map((p) => p.evaluate(async () => (await outbox.pending()).length)));
      return a === 0 && b === 0;
    }, 120_000, 200);
    const leaseIds = posted.map((p) => p.id);
    for (const id of leaseIds) {
      const got = await api(backend.url, `/v1/face-recognition/${id}`, SIDE);
      assert.equal(got.status, 200, id);
    }
    assert.deepEqual(s.overlaps.slice(overlapsBefore), [], 'two POSTs in flight at once under the lease');
    const created = s.posts.slice(from).filter((p) => p.status === 201).length;
    assert.equal(created, M);
  });

  test('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
