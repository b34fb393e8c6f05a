// The scan outbox of the npm package `likeness` (source: js/outbox.js): delivers the scan records
// an app decides to post to a seed 004 backend (`POST /v1/face-recognition`, e.g. the reference
// server in server/), exactly once as far as the server can tell, through flaky networks,
// reloads and closed tabs.
//
//   import { openOutbox } from 'likeness';            // or sdk.openOutbox(options)
//   const outbox = await openOutbox({ baseUrl: 'https://kyc.example.com', token: () => getAccessToken() });
//   const { id, status } = await outbox.post(scan);    // 'sent' | 'queued' | 'rejected'
//   await outbox.pending();  await outbox.deadLetters();  await outbox.flush();
//   const stop = outbox.onChange((event) => render(event));
//   outbox.close();
//
// Every record is written to IndexedDB (one transaction) before any network attempt and leaves
// it only when the server answers 2xx. The scan `id` (a UUID made on the device) is the
// idempotency key: the server answers 200 to a repeated POST of the same body, so a request whose
// response was lost is simply sent again. Network errors, 5xx, 408 and 429 are retried with
// exponential backoff and full jitter (Retry-After, in seconds or as an HTTP date, is honoured);
// any other 4xx moves the record to the dead-letter list with the server's error body; a 401
// asks the `token` callback for a new token once, then dead-letters. Only one sender runs at a
// time across the tabs of an origin: a Web Lock (navigator.locks) where there is one, otherwise
// a lease kept in the same IndexedDB database; tabs tell each other about changes through a
// BroadcastChannel.

/** Every `code` an outbox error can carry. */
export const OUTBOX_ERROR_CODES = Object.freeze(['INVALID_ARGUMENT', 'ID_CONFLICT', 'STORAGE_FAILED', 'CLOSED', 'INTERNAL']);

/** The error the outbox throws or rejects with: an `Error` with a stable `code`. */
export class OutboxError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'OutboxError';
    this.code = OUTBOX_ERROR_CODES.includes(code) ? code : 'INTERNAL';
  }
}

const fail = (code, message, cause) => new OutboxError(code, message, cause === undefined ? undefined : { cause });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPTIONS = ['baseUrl', 'token', 'name', 'baseDelayMs', 'maxDelayMs', 'timeoutMs', 'fetch', 'locks'];
const POST_OPTIONS = ['includeEmbeddings'];
const STORE = 'records';
const META = 'meta';
const LEASE_MS = 10_000;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkKeys(options, known, what) {
  if (options === undefined || options === null) return {};
  if (!isObject(options)) throw fail('INVALID_ARGUMENT', `${what} must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw fail('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`);
  }
  return options;
}

function positive(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw fail('INVALID_ARGUMENT', `${name} must be a positive number of milliseconds`);
  return value;
}

function pageUrl() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  if (typeof location !== 'undefined') return location.href;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// IndexedDB, promisified.

const done = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

function openDb(name) {
  if (typeof indexedDB === 'undefined') return Promise.reject(fail('STORAGE_FAILED', 'IndexedDB is not available here'));
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(fail('STORAGE_FAILED', `could not open IndexedDB database ${name}: ${request.error}`, request.error));
    request.onblocked = () => reject(fail('STORAGE_FAILED', `IndexedDB database ${name} is blocked by another connection`));
  });
}

/** Runs `fn(stores)` in one transaction; resolves with its result once the transaction commits. */
function tx(db, names, mode, fn) {
  return new Promise((resolve, reject) => {
    let t;
    try {
      t = db.transaction(names, mode, mode === 'readwrite' ? { durability: 'strict' } : undefined);
    } catch (e) {
      reject(fail('STORAGE_FAILED', `IndexedDB: ${e && e.message ? e.message : e}`, e));
      return;
    }
    let result;
    let failed = null;
    t.oncomplete = () => (failed ? reject(failed) : resolve(result));
    t.onerror = () => reject(fail('STORAGE_FAILED', `IndexedDB: ${t.error}`, t.error));
    t.onabort = () => reject(failed ?? fail('STORAGE_FAILED', `IndexedDB transaction aborted: ${t.error}`, t.error));
    const stores = Object.fromEntries([].concat(names).map((n) => [n, t.objectStore(n)]));
    Promise.resolve()
      .then(() => fn(stores))
      .then(
        (r) => (result = r),
        (e) => {
          failed = e;
          try {
            t.abort();
          } catch {
            /* already finished */
          }
        },
      );
  });
}

const byQueue = (a, b) => a.queuedAt - b.queuedAt || a.seq - b.seq;

// ---------------------------------------------------------------------------------------------
// Retry policy.

/** Full jitter: a uniform delay in [0, min(max, base * 2^attempt)). */
function backoff(attempt, base, max) {
  return Math.random() * Math.min(max, base * 2 ** Math.min(attempt, 30));
}

/** Retry-After as milliseconds (seconds or an HTTP date), or null. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

const retryable = (status) => status === 408 || status === 429 || status >= 500 || status < 200 || (status >= 300 && status < 400);

async function errorBody(response) {
  let text = '';
  try {
    text = await response.text();
  } catch {
    /* the body broke off: keep what we have */
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The record as it will be sent: embeddings stripped unless asked for, a plain JSON object. */
function wireRecord(scan, includeEmbeddings) {
  let copy;
  try {
    copy = JSON.parse(JSON.stringify(scan));
  } catch (e) {
    throw fail('INVALID_ARGUMENT', `scan is not JSON-serialisable: ${e && e.message ? e.message : e}`);
  }
  if (!includeEmbeddings) {
    for (const face of ['face1', 'face2']) {
      if (isObject(copy[face])) delete copy[face].embedding;
    }
  }
  return copy;
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// ---------------------------------------------------------------------------------------------
// The outbox.

let instances = 0;

let resume; // openOutbox's way to start the first drain (#kick is private)

export class Outbox {
  static {
    resume = (outbox) => outbox.#kick();
  }

  #db;
  #name;
  #endpoint;
  #token;
  #fetch;
  #base;
  #max;
  #timeout;
  #useLocks;
  #channel = null;
  #listeners = new Set();
  #closed = false;
  #running = null; // the promise of the drain in progress in this instance
  #again = false; // a new reason to drain came while draining
  #timer = null;
  #timerAt = Infinity;
  #cachedToken = null;
  #netFailures = 0;
  #seq = 0;
  #waiters = new Map(); // id -> [resolve] of post() calls waiting for their first attempt
  #inflight = null; // AbortController of the request in flight
  #wake = null; // ends the wait for another tab's lease
  #owner = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${++instances}`;
  #onOnline = () => this.flush().catch(() => {});

  /** Use `await openOutbox(options)`. */
  constructor(secret, db, o) {
    if (secret !== PRIVATE) throw fail('INVALID_ARGUMENT', 'use `await openOutbox(options)` instead of `new Outbox()`');
    this.#db = db;
    this.#name = o.name;
    this.#endpoint = o.endpoint;
    this.#token = o.token;
    this.#fetch = o.fetch;
    this.#base = o.baseDelayMs;
    this.#max = o.maxDelayMs;
    this.#timeout = o.timeoutMs;
    this.#useLocks = o.locks;
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(`likeness-outbox:${o.name}`);
      this.#channel.onmessage = (e) => this.#message(e.data);
    }
    db.onversionchange = () => this.close();
    if (typeof addEventListener === 'function') addEventListener('online', this.#onOnline);
  }

  /** The outbox's name (its IndexedDB database is `likeness-outbox:<name>`). */
  get name() {
    return this.#name;
  }

  /** Whether close() was called. */
  get closed() {
    return this.#closed;
  }

  /** How sends are serialised across tabs: 'web-locks' or 'lease'. */
  get coordination() {
    return this.#useLocks ? 'web-locks' : 'lease';
  }

  #live() {
    if (this.#closed) throw fail('CLOSED', 'this outbox is closed');
  }

  /**
   * Stores the record (one IndexedDB transaction), then tries to send it. Resolves
   * `{ id, status: 'sent' }` when the server acknowledged it, `{ id, status: 'queued' }` when it
   * stays in the outbox for a retry (server down, 5xx, another tab is sending), or
   * `{ id, status: 'rejected', error }` when the server refused it for good (see deadLetters()).
   */
  async post(scan, options) {
    this.#live();
    const o = checkKeys(options, POST_OPTIONS, 'options');
    if (o.includeEmbeddings !== undefined && typeof o.includeEmbeddings !== 'boolean') throw fail('INVALID_ARGUMENT', 'includeEmbeddings must be a boolean');
    if (!isObject(scan)) throw fail('INVALID_ARGUMENT', 'scan must be a scan record (an object)');
    if (typeof scan.id !== 'string' || !UUID.test(scan.id)) {
      throw fail('INVALID_ARGUMENT', `scan.id must be a UUID (the idempotency key made on the device); got ${JSON.stringify(scan.id)}`);
    }
    const record = wireRecord(scan, o.includeEmbeddings === true);
    const id = scan.id.toLowerCase();
    const entry = {
      id,
      record,
      state: 'pending',
      queuedAt: Date.now(),
      seq: ++this.#seq,
      attempts: 0,
      nextAttemptAt: 0,
      lastError: null,
      error: null,
    };
    const existing = await tx(this.#db, STORE, 'readwrite', async ({ records }) => {
      const old = await done(records.get(id));
      if (old && old.state === 'pending') {
        if (!sameJson(old.record, record)) throw fail('ID_CONFLICT', `a different record with id ${id} is already in the outbox`);
        return old;
      }
      records.put(entry); // a dead letter with this id is replaced: the app posts it again
      return null;
    });
    this.#live();
    const waited = new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
    if (!existing) {
      this.#emit({ type: 'queued', id });
      this.#broadcast({ type: 'posted', id });
    }
    this.#kick();
    return waited;
  }

  /** The records not yet acknowledged, oldest first: `{ id, record, queuedAt, attempts, nextAttemptAt, lastError }`. */
  async pending() {
    this.#live();
    const all = await this.#all();
    return all.filter((e) => e.state === 'pending').map(({ id, record, queuedAt, attempts, nextAttemptAt, lastError }) => ({ id, record, queuedAt, attempts, nextAttemptAt, lastError }));
  }

  /** The records the server refused for good, oldest first: `{ id, record, queuedAt, attempts, status, error, failedAt }`. */
  async deadLetters() {
    this.#live();
    const all = await this.#all();
    return all
      .filter((e) => e.state === 'dead')
      .map(({ id, record, queuedAt, attempts, error }) => ({ id, record, queuedAt, attempts, status: error.status, error: error.body, failedAt: error.at }));
  }

  /** Removes a dead letter (or a pending record) for good. Resolves whether there was one. */
  async discard(id) {
    this.#live();
    const key = String(id).toLowerCase();
    const had = await tx(this.#db, STORE, 'readwrite', async ({ records }) => {
      const old = await done(records.get(key));
      if (old) records.delete(key);
      return !!old;
    });
    if (had) {
      this.#emit({ type: 'discarded', id: key });
      this.#broadcast({ type: 'changed' });
    }
    return had;
  }

  /**
   * Retries now: every pending record becomes due at once (backoff forgotten) and a send runs,
   * in this tab or in the tab that holds the sender lock. Resolves once this tab's drain ends.
   */
  async flush() {
    this.#live();
    await tx(this.#db, STORE, 'readwrite', async ({ records }) => {
      for (const e of await done(records.getAll())) {
        if (e.state === 'pending' && e.nextAttemptAt > 0) {
          e.nextAttemptAt = 0;
          records.put(e);
        }
      }
    });
    this.#netFailures = 0;
    this.#broadcast({ type: 'flush' });
    this.#kick();
    await this.#running;
  }

  /**
   * Progress for the UI: `cb({ type, id?, pending, dead, status?, error?, retryInMs? })` where
   * type is 'queued' | 'sending' | 'sent' | 'retry' | 'dead' | 'discarded' | 'changed' (another
   * tab changed the outbox). Returns a function that unsubscribes.
   */
  onChange(cb) {
    this.#live();
    if (typeof cb !== 'function') throw fail('INVALID_ARGUMENT', 'onChange needs a function');
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Stops sending in this tab (the records stay stored; the next open resumes them). Idempotent. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    this.#inflight?.abort();
    this.#channel?.close();
    if (typeof removeEventListener === 'function') removeEventListener('online', this.#onOnline);
    const waiters = this.#waiters;
    this.#waiters = new Map();
    for (const [id, list] of waiters) for (const resolve of list) resolve({ id, status: 'queued' });
    this.#listeners.clear();
    const db = this.#db;
    Promise.resolve(this.#running).finally(() => db.close());
  }

  // -------------------------------------------------------------------------------------------

  async #all() {
    const all = await tx(this.#db, STORE, 'readonly', ({ records }) => done(records.getAll()));
    return all.sort(byQueue);
  }

  #emit(event) {
    if (this.#listeners.size === 0) return;
    this.#all()
      .then((all) => {
        const pending = all.filter((e) => e.state === 'pending').length;
        const full = { ...event, pending, dead: all.length - pending };
        for (const cb of this.#listeners) {
          try {
            cb(full);
          } catch (e) {
            console.error('likeness outbox: an onChange callback threw', e);
          }
        }
      })
      .catch(() => {});
  }

  #broadcast(message) {
    try {
      this.#channel?.postMessage(message);
    } catch {
      /* closed */
    }
  }

  #message(m) {
    if (this.#closed || !isObject(m)) return;
    if (m.type === 'posted' || m.type === 'flush') {
      if (m.type === 'flush') this.#netFailures = 0;
      this.#emit({ type: 'changed', id: m.id });
      this.#kick();
    } else if (m.type === 'released') {
      this.#wake?.(); // a tab waiting for the lease tries again now (no new drain: no ping-pong)
    } else {
      this.#emit({ type: 'changed', id: m.id });
    }
  }

  /** Starts a drain unless one runs (then it runs once more). */
  #kick() {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      try {
        for (;;) {
          this.#again = false;
          try {
            await this.#withSenderLock(() => this.#drain());
          } catch (e) {
            if (!this.#closed) console.error('likeness outbox: drain failed', e);
          }
          if (this.#closed) return;
          if (this.#again) continue;
          const all = await this.#all().catch(() => []);
          if (this.#closed) return;
          // A post() (or flush) came while we looked: drain again before answering anyone. From
          // here to the end there is no await, so a later post() starts a new drain of its own.
          if (this.#again) continue;
          // Whatever was not settled by an attempt stays queued; it is retried when due.
          const states = new Map(all.map((e) => [e.id, e]));
          for (const [id, list] of this.#waiters) {
            const e = states.get(id);
            const result = !e ? { id, status: 'sent' } : e.state === 'dead' ? { id, status: 'rejected', error: { status: e.error.status, body: e.error.body } } : { id, status: 'queued' };
            this.#waiters.delete(id);
            for (const resolve of list) resolve(result);
          }
          this.#schedule(all.filter((e) => e.state === 'pending').reduce((m, e) => Math.min(m, e.nextAttemptAt), Infinity));
          return;
        }
      } finally {
        this.#running = null;
      }
    })();
  }

  #schedule(at) {
    if (this.#closed || !Number.isFinite(at)) return;
    if (this.#timer !== null && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#kick();
    }, Math.max(0, at - Date.now()));
  }

  #settle(id, result) {
    const list = this.#waiters.get(id);
    if (!list) return;
    this.#waiters.delete(id);
    for (const resolve of list) resolve(result);
  }

  /** Runs `fn` holding the cross-tab sender lock (Web Locks, else an IndexedDB lease). */
  async #withSenderLock(fn) {
    if (this.#useLocks) {
      return navigator.locks.request(`likeness-outbox:${this.#name}`, { mode: 'exclusive' }, () => (this.#closed ? null : fn()));
    }
    // The lease: an entry in the meta store, taken and renewed in readwrite transactions (which
    // IndexedDB runs one at a time per store), so two tabs never both hold an unexpired lease.
    for (;;) {
      if (this.#closed) return null;
      const until = await this.#lease(true);
      if (until) break;
      // Another tab holds it: wait for its 'released' message, or poll (the lease may run out).
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 250 + Math.random() * 250);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    try {
      return await fn();
    } finally {
      await this.#lease(false).catch(() => {});
      this.#broadcast({ type: 'released' });
    }
  }

  /** Takes or renews (take=true) or gives back (take=false) the lease; resolves whether we hold it. */
  #lease(take) {
    return tx(this.#db, META, 'readwrite', async ({ meta }) => {
      const now = Date.now();
      const lease = await done(meta.get('lease'));
      const free = !lease || lease.owner === this.#owner || lease.expires <= now;
      if (!take) {
        if (lease && lease.owner === this.#owner) meta.delete('lease');
        return false;
      }
      if (!free) return false;
      meta.put({ owner: this.#owner, expires: now + LEASE_MS }, 'lease');
      return true;
    });
  }

  /** Sends the due records one at a time, oldest first, until none is due. Holds the lock. */
  async #drain() {
    for (;;) {
      if (this.#closed) return;
      if (!this.#useLocks && !(await this.#lease(true))) return; // renew; lost it: stop
      const now = Date.now();
      const all = await this.#all();
      const due = all.find((e) => e.state === 'pending' && e.nextAttemptAt <= now);
      if (!due) return;
      const outcome = await this.#send(due);
      if (this.#closed) return;
      if (outcome === 'network') return; // everything was rescheduled: end the round
    }
  }

  async #getToken(fresh) {
    if (!fresh && this.#cachedToken !== null) return this.#cachedToken;
    const value = typeof this.#token === 'function' ? await this.#token() : this.#token;
    if (value === null || value === undefined || value === '') {
      this.#cachedToken = null;
      return null;
    }
    this.#cachedToken = String(value);
    return this.#cachedToken;
  }

  async #request(entry, token) {
    const controller = new AbortController();
    this.#inflight = controller;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.#timeout} ms`)), this.#timeout);
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(entry.record),
        credentials: 'omit',
        cache: 'no-store',
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
      if (this.#inflight === controller) this.#inflight = null;
    }
  }

  /** One delivery attempt of `entry`: 'sent' | 'dead' | 'retry' | 'network'. */
  async #send(entry) {
    const { id } = entry;
    this.#emit({ type: 'sending', id });
    let response;
    let failure = null;
    try {
      let token = await this.#getToken(false);
      response = await this.#request(entry, token);
      if (response.status === 401) {
        // The token may have expired: ask the app once for a new one.
        await errorBody(response);
        token = await this.#getToken(true);
        response = await this.#request(entry, token);
      }
    } catch (e) {
      failure = e;
    }
    if (this.#closed) return 'network';

    if (failure) {
      // Unreachable server, CORS refusal, timeout, or the token callback failed: the whole queue
      // waits (every record would fail the same way).
      this.#netFailures++;
      const delay = backoff(this.#netFailures - 1, this.#base, this.#max);
      const message = `${failure && failure.name ? failure.name + ': ' : ''}${failure && failure.message ? failure.message : failure}`;
      const at = Date.now() + delay;
      await this.#update(id, (e) => {
        e.attempts++;
        e.lastError = { status: 0, message, at: Date.now() };
      });
      await tx(this.#db, STORE, 'readwrite', async ({ records }) => {
        for (const e of await done(records.getAll())) {
          if (e.state === 'pending' && e.nextAttemptAt < at) {
            e.nextAttemptAt = at;
            records.put(e);
          }
        }
      });
      this.#settle(id, { id, status: 'queued' });
      this.#emit({ type: 'retry', id, status: 0, error: message, retryInMs: Math.round(delay) });
      this.#broadcast({ type: 'changed', id });
      return 'network';
    }
    this.#netFailures = 0;

    const status = response.status;
    if (status >= 200 && status < 300) {
      try {
        await response.arrayBuffer();
      } catch {
        /* acknowledged all the same */
      }
      await tx(this.#db, STORE, 'readwrite', ({ records }) => records.delete(id));
      this.#settle(id, { id, status: 'sent' });
      this.#emit({ type: 'sent', id, status });
      this.#broadcast({ type: 'changed', id });
      return 'sent';
    }

    const body = await errorBody(response);
    if (retryable(status)) {
      const after = parseRetryAfter(response.headers.get('Retry-After'));
      const delay = after !== null ? Math.min(after, 24 * 3600_000) : backoff(entry.attempts, this.#base, this.#max);
      const at = Date.now() + delay;
      await this.#update(id, (e) => {
        e.attempts++;
        e.nextAttemptAt = at;
        e.lastError = { status, body, at: Date.now() };
      });
      this.#settle(id, { id, status: 'queued' });
      this.#emit({ type: 'retry', id, status, error: body, retryInMs: Math.round(delay) });
      this.#broadcast({ type: 'changed', id });
      if (after !== null) {
        // The server asked everyone to wait.
        await tx(this.#db, STORE, 'readwrite', async ({ records }) => {
          for (const e of await done(records.getAll())) {
            if (e.state === 'pending' && e.nextAttemptAt < at) {
              e.nextAttemptAt = at;
              records.put(e);
            }
          }
        });
        return 'network';
      }
      return 'retry';
    }

    // Refused for good (400, 401 twice, 403, 404, 409, 413, ...): the dead-letter list.
    const error = { status, body, at: Date.now() };
    await this.#update(id, (e) => {
      e.attempts++;
      e.state = 'dead';
      e.error = error;
      e.lastError = error;
    });
    this.#settle(id, { id, status: 'rejected', error: { status, body } });
    this.#emit({ type: 'dead', id, status, error: body });
    this.#broadcast({ type: 'changed', id });
    return 'dead';
  }

  #update(id, change) {
    return tx(this.#db, STORE, 'readwrite', async ({ records }) => {
      const e = await done(records.get(id));
      if (!e) return;
      change(e);
      records.put(e);
    });
  }
}

const PRIVATE = Symbol('likeness-outbox');

/**
 * Opens (creating if needed) the outbox `name` (default 'default') and resumes the records a
 * previous page left pending. Options: `baseUrl` (the backend; records go to
 * `<baseUrl>/v1/face-recognition`), `token` (a function returning the bearer token or a promise
 * of it, or a string), `name`, `baseDelayMs` (1000), `maxDelayMs` (300000), `timeoutMs` (30000),
 * `fetch` (default globalThis.fetch), `locks` (default: Web Locks when available; false forces
 * the IndexedDB lease).
 */
export async function openOutbox(options) {
  if (!isObject(options)) throw fail('INVALID_ARGUMENT', 'openOutbox needs options: { baseUrl, token }');
  const o = checkKeys(options, OPTIONS, 'options');
  if (o.baseUrl === undefined || (typeof o.baseUrl !== 'string' && !(o.baseUrl instanceof URL))) {
    throw fail('INVALID_ARGUMENT', 'baseUrl must be the backend URL (a string or a URL)');
  }
  let base;
  try {
    base = new URL(String(o.baseUrl), pageUrl());
  } catch {
    throw fail('INVALID_ARGUMENT', `baseUrl is not a valid URL: ${o.baseUrl}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw fail('INVALID_ARGUMENT', `baseUrl must be http(s): ${base.href}`);
  if (o.token !== undefined && o.token !== null && typeof o.token !== 'function' && typeof o.token !== 'string') {
    throw fail('INVALID_ARGUMENT', 'token must be a function returning the bearer token (or a promise of it), or a string');
  }
  const name = o.name === undefined ? 'default' : o.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw fail('INVALID_ARGUMENT', 'name must be a non-empty string');
  const fetchFn = o.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : null);
  if (typeof fetchFn !== 'function') throw fail('INVALID_ARGUMENT', 'no fetch here: pass options.fetch');
  const hasLocks = typeof navigator !== 'undefined' && navigator.locks && typeof navigator.locks.request === 'function';
  if (o.locks !== undefined && typeof o.locks !== 'boolean') throw fail('INVALID_ARGUMENT', 'locks must be a boolean');
  const baseDelayMs = positive(o.baseDelayMs, 'baseDelayMs', 1000);
  const maxDelayMs = positive(o.maxDelayMs, 'maxDelayMs', 300_000);
  if (maxDelayMs < baseDelayMs) throw fail('INVALID_ARGUMENT', 'maxDelayMs must be at least baseDelayMs');
  const db = await openDb(`likeness-outbox:${name}`);
  const outbox = new Outbox(PRIVATE, db, {
    name,
    endpoint: `${base.href.replace(/\/+$/, '')}/v1/face-recognition`,
    token: o.token ?? null,
    fetch: fetchFn,
    baseDelayMs,
    maxDelayMs,
    timeoutMs: positive(o.timeoutMs, 'timeoutMs', 30_000),
    locks: o.locks === false ? false : !!hasLocks,
  });
  // Resume what a previous page left: due records are sent now, the others when due.
  resume(outbox);
  return outbox;
}
