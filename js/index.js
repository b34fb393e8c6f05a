// Likeness — the public JavaScript API of the npm package `likeness` (source: js/index.js).
//
//   import { Likeness } from 'likeness';
//   const sdk = await Likeness.create({ modelsUrl: '/models/', onProgress: (loaded, total) => {} });
//   const result = await sdk.analyze(source, { limit, detProbThreshold, embedding: true, liveness: false });
//   const scan = await sdk.compare(selfie, documentPhoto, { threshold: 'medium', reference, channel: 'WEB' });
//   const doc = await sdk.analyzeDocument(documentPhoto); // the card, rectified (JPEG), its portrait
//   const v = await sdk.embed(source);   // Float32Array(512) of the largest face, or NO_FACE
//   sdk.similarity(a, b);                // cosine of two embeddings
//   const gallery = await sdk.openGallery({ name: 'default' }); // IndexedDB face gallery (gallery.js)
//   sdk.close();
//
// The WebAssembly core (core/likeness.js + core/likeness_bg.wasm, built by wasm-bindgen from the
// Rust crate; core/likeness_relaxed_bg.wasm is the same core with relaxed-SIMD kernels, loaded
// instead where the engine has relaxed SIMD) does the work; this file loads the models (fetch, sha256, Cache API, progress),
// turns every accepted image source into encoded bytes or RGBA pixels, and normalises errors:
// everything rejects with a `LikenessError` (an `Error`) whose `code` is one of ERROR_CODES.
// `Likeness.createWorker()` runs the same core in a Web Worker (worker.js) behind the same API.

import initCore, { likenessRelaxedSimd, Likeness as Core, GalleryCore, CaptureSession as CoreCaptureSession, DocumentSession as CoreDocumentSession } from './core/likeness.js';
import { openGallery } from './gallery.js';
import { openOutbox } from './outbox.js';
import { startSelfieCapture, startDocumentCapture, pixelsToJpeg, CAMERA_ERROR_CODES } from './capture.js';

export { openOutbox, Outbox, OutboxError, OUTBOX_ERROR_CODES } from './outbox.js';
export { Gallery } from './gallery.js';
export { CAMERA_ERROR_CODES } from './capture.js';

/** The package version (the Rust crate's). Replaced by scripts/build_pkg.sh. */
export const VERSION = '__LIKENESS_VERSION__';

/**
 * Every `code` an error can carry: the core's stable codes (docs/errors.md), and the JavaScript
 * wrapper's own: the camera's CAMERA_* (js/capture.js) and `CLOSED` (a method was called after
 * `close()`).
 */
export const ERROR_CODES = Object.freeze([
  'INVALID_ARGUMENT',
  'IMAGE_DECODE_FAILED',
  'IMAGE_TOO_LARGE',
  'UNSUPPORTED_FORMAT',
  'NO_FACE',
  'MODEL_INVALID',
  'INTERNAL',
  'NOT_FOUND',
  'MULTIPLE_FACES',
  'STORAGE_QUOTA_EXCEEDED',
  'STORAGE_BLOCKED',
  'STORAGE_VERSION',
  'STORAGE_FAILED',
  'QUALITY_TOO_LOW',
  'PORTRAIT_TOO_SMALL',
  'PORTRAIT_QUALITY_TOO_LOW',
  ...CAMERA_ERROR_CODES,
  'CLOSED',
]);

/**
 * The error every Likeness API throws or rejects with: an `Error` with a stable `code`, and for
 * some codes `details`, the measured values behind it (QUALITY_TOO_LOW: `face1_eye_dist`,
 * `face2_eye_dist`, `min_eye_dist`).
 */
export class LikenessError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = 'LikenessError';
    this.code = ERROR_CODES.includes(code) ? code : 'INTERNAL';
    if (details && typeof details === 'object') this.details = { ...details };
  }
}

const fail = (code, message, details) => new LikenessError(code, message, details);

/** Any thrown value as a LikenessError: core errors keep their code; wasm traps are INTERNAL. */
function normalise(e) {
  if (e instanceof LikenessError) return e;
  if (e && typeof e === 'object' && typeof e.code === 'string' && ERROR_CODES.includes(e.code)) {
    return fail(e.code, String(e.message), e.details);
  }
  const message = e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e);
  return fail('INTERNAL', `${e && e.name ? e.name + ': ' : ''}${message}`);
}

function guard(fn) {
  try {
    return fn();
  } catch (e) {
    throw normalise(e);
  }
}

const isObject = (v) => v !== null && typeof v === 'object';
const has = (name) => typeof globalThis[name] === 'function';

// ---------------------------------------------------------------------------------------------
// The WebAssembly core: initialised once per realm (page or worker).

let coreReady = null;

// The smallest module that uses relaxed SIMD: `() -> v128 { f32x4.relaxed_madd(0, 0, 0) }`. An
// engine without relaxed SIMD rejects it at validation, as it would the whole relaxed core.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code section: one body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array(16).fill(0)]), // v128.const 0, three times
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

/** Whether this engine has WebAssembly relaxed SIMD (Chromium 114+, Firefox 120+; not Safari). */
export function relaxedSimdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * The core this engine runs fastest: the relaxed-SIMD build where it validates, else the plain
 * one. Two literal `new URL(…, import.meta.url)`s, so bundlers (Vite, webpack) emit both files.
 */
function defaultWasmUrl() {
  return relaxedSimdSupported()
    ? new URL('./core/likeness_relaxed_bg.wasm', import.meta.url)
    : new URL('./core/likeness_bg.wasm', import.meta.url);
}

function loadCore(wasmUrl) {
  if (!coreReady) {
    const url = wasmUrl ?? defaultWasmUrl();
    coreReady = initCore({ module_or_path: url }).catch((e) => {
      coreReady = null;
      throw fail('INTERNAL', `could not load the WebAssembly core from ${url}: ${e && e.message ? e.message : e}`);
    });
  }
  return coreReady;
}

// ---------------------------------------------------------------------------------------------
// Options.

const CREATE_OPTIONS = ['modelsUrl', 'models', 'onProgress', 'liveness', 'wasmUrl', 'cache'];

function checkKeys(options, known, what) {
  if (options === undefined || options === null) return {};
  if (!isObject(options) || Array.isArray(options)) throw fail('INVALID_ARGUMENT', `${what} must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw fail('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`);
    }
  }
  return options;
}

function baseUrl() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  if (typeof location !== 'undefined') return location.href;
  return import.meta.url;
}

/** An absolute URL (string), resolved against the page; a directory URL gets its trailing '/'. */
function absoluteUrl(value, name, directory) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw fail('INVALID_ARGUMENT', `${name} must be a string or a URL`);
  }
  let url;
  try {
    url = new URL(String(value), baseUrl());
  } catch {
    throw fail('INVALID_ARGUMENT', `${name} is not a valid URL: ${value}`);
  }
  if (directory && !url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/** Validates create() options; returns them with URLs made absolute (they may cross to a worker). */
function createOptions(options) {
  const o = checkKeys(options, CREATE_OPTIONS, 'options');
  if (o.liveness !== undefined && typeof o.liveness !== 'boolean') throw fail('INVALID_ARGUMENT', 'liveness must be a boolean');
  if (o.cache !== undefined && typeof o.cache !== 'boolean') throw fail('INVALID_ARGUMENT', 'cache must be a boolean');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw fail('INVALID_ARGUMENT', 'onProgress must be a function');
  if (o.models !== undefined && o.models !== null) {
    if (!isObject(o.models) || Array.isArray(o.models)) {
      throw fail('INVALID_ARGUMENT', 'models must be an object of model bytes keyed by manifest name, e.g. { fr_detect: Uint8Array }');
    }
    for (const [name, bytes] of o.models instanceof Map ? o.models : Object.entries(o.models)) {
      if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes)) {
        throw fail('INVALID_ARGUMENT', `models.${name} must be a Uint8Array or an ArrayBuffer`);
      }
    }
  }
  return {
    modelsUrl: absoluteUrl(o.modelsUrl, 'modelsUrl', true) ?? new URL('./models/', import.meta.url).href,
    wasmUrl: absoluteUrl(o.wasmUrl, 'wasmUrl', false),
    models: o.models ?? undefined,
    liveness: o.liveness ?? false,
    cache: o.cache ?? true,
    onProgress: o.onProgress,
  };
}

// ---------------------------------------------------------------------------------------------
// Models: bytes given, or fetched from modelsUrl (Cache API first), each checked against the
// manifest compiled into the core. Without SubtleCrypto (an insecure context) the core checks
// the sha256 instead.

const CACHE_PREFIX = 'likeness-models-';

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

function subtle() {
  return globalThis.crypto && globalThis.crypto.subtle ? globalThis.crypto.subtle : null;
}

async function sha256(bytes) {
  return hex(await subtle().digest('SHA-256', bytes));
}

function asBytes(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** The Cache API store for this set of models, or null where there is none (insecure context). */
async function openCache(manifest) {
  if (typeof caches === 'undefined' || !subtle()) return null;
  try {
    // Versioned by every model of the manifest (not only the ones loaded), so that instances
    // with and without liveness share one cache and a model update starts a new one.
    const version = Object.keys(manifest.models)
      .sort()
      .map((n) => `${n}:${manifest.models[n].sha256}`)
      .join(',');
    const cacheName = CACHE_PREFIX + (await sha256(new TextEncoder().encode(version))).slice(0, 16);
    const cache = await caches.open(cacheName);
    // Models of other versions are dead weight: drop them (best effort).
    caches
      .keys()
      .then((keys) => keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== cacheName).forEach((k) => caches.delete(k)))
      .catch(() => {});
    return cache;
  } catch {
    return null; // e.g. an opaque origin or storage disabled: work without a cache
  }
}

async function readBody(response, onChunk) {
  if (!response.body || typeof response.body.getReader !== 'function') {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onChunk(bytes.byteLength);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    onChunk(value.byteLength);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

async function loadModels(manifest, names, options) {
  const given = options.models instanceof Map ? options.models : new Map(Object.entries(options.models ?? {}));
  const total = names.reduce((sum, n) => sum + manifest.models[n].bytes, 0);
  let loaded = 0;
  const progress = (delta) => {
    loaded += delta;
    if (options.onProgress) {
      try {
        options.onProgress(Math.min(loaded, total), total);
      } catch (e) {
        console.error('likeness: onProgress threw', e);
      }
    }
  };
  progress(0);

  const cache = options.cache && names.some((n) => !given.has(n)) ? await openCache(manifest) : null;
  const check = async (name, bytes, where) => {
    const entry = manifest.models[name];
    if (bytes.byteLength !== entry.bytes) {
      return `${name}: ${where} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`;
    }
    if (subtle()) {
      const digest = await sha256(bytes);
      if (digest !== entry.sha256) return `${name}: ${where} has sha256 ${digest}, the manifest says ${entry.sha256}`;
    }
    return null;
  };

  const one = async (name) => {
    const entry = manifest.models[name];
    if (given.has(name)) {
      const bytes = asBytes(given.get(name));
      const problem = await check(name, bytes, 'the given bytes');
      if (problem) throw fail('MODEL_INVALID', problem);
      progress(entry.bytes);
      return [name, bytes, false];
    }
    const url = new URL(entry.file, options.modelsUrl).href;
    if (cache) {
      try {
        const hit = await cache.match(url);
        if (hit) {
          const bytes = new Uint8Array(await hit.arrayBuffer());
          if (!(await check(name, bytes, 'the cached copy'))) {
            progress(entry.bytes);
            return [name, bytes, false];
          }
          await cache.delete(url); // corrupt or stale: fetch it again
        }
      } catch {
        /* a cache that fails to read is no cache */
      }
    }
    let response;
    try {
      response = await fetch(url, { credentials: 'same-origin', signal: abort.signal });
    } catch (e) {
      throw fail('MODEL_INVALID', `${name}: could not fetch ${url}: ${e && e.message ? e.message : e}`);
    }
    if (!response.ok) throw fail('MODEL_INVALID', `${name}: ${url} answered ${response.status} ${response.statusText}`);
    let counted = 0;
    const bytes = await readBody(response, (n) => {
      counted += n;
      progress(n);
    });
    progress(entry.bytes - counted); // a gzip-encoded body or a wrong size: make the total add up
    const problem = await check(name, bytes, url);
    if (problem) throw fail('MODEL_INVALID', problem);
    return [name, bytes, true];
  };

  // The first model that fails cancels the downloads still running.
  const abort = new AbortController();
  const results = await Promise.all(
    names.map((name) =>
      one(name).catch((e) => {
        abort.abort();
        throw e;
      }),
    ),
  );
  return {
    models: Object.fromEntries(results.map(([name, bytes]) => [name, bytes])),
    // Stored only after the core has accepted them (see create()).
    store: async () => {
      if (!cache) return;
      const fetched = results.filter((r) => r[2]);
      await Promise.all(
        fetched.map(([name, bytes]) =>
          cache
            .put(
              new URL(manifest.models[name].file, options.modelsUrl).href,
              new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) } }),
            )
            .catch(() => {}),
        ),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Image sources: encoded bytes go to the core's decoder, pixel sources through a canvas.

const ctor = (name) => (typeof globalThis[name] === 'function' ? globalThis[name] : null);
const isA = (v, name) => {
  const C = ctor(name);
  return C !== null && v instanceof C;
};

function isImageDataLike(v) {
  return (
    isA(v, 'ImageData') ||
    (isObject(v) && typeof v.width === 'number' && typeof v.height === 'number' && ArrayBuffer.isView(v.data))
  );
}

/** Whether `v` is drawable with drawImage (and so convertible with createImageBitmap). */
function isPixelSource(v) {
  return (
    isA(v, 'HTMLImageElement') ||
    isA(v, 'SVGImageElement') ||
    isA(v, 'HTMLCanvasElement') ||
    isA(v, 'HTMLVideoElement') ||
    isA(v, 'OffscreenCanvas') ||
    isA(v, 'ImageBitmap') ||
    isA(v, 'VideoFrame')
  );
}

const SOURCE_TYPES =
  'an HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, ImageData, HTMLVideoElement, ' +
  'Blob/File, ArrayBuffer/Uint8Array of an encoded image, or a base64 string / data URL';

function badSource(what, value) {
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array' : isObject(value) ? (value.constructor && value.constructor.name) || 'an object' : typeof value;
  return fail('INVALID_ARGUMENT', `${what} must be ${SOURCE_TYPES}; got ${type}`);
}

/** Base64 (plain or a data: URL) to bytes; INVALID_ARGUMENT when it is not base64. */
function base64Bytes(text, what) {
  let payload = text.trim();
  if (payload.startsWith('data:')) {
    const comma = payload.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(payload.slice(0, comma))) {
      throw fail('INVALID_ARGUMENT', `${what}: a data URL must be base64-encoded (data:image/...;base64,...)`);
    }
    payload = payload.slice(comma + 1);
  }
  payload = payload.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (payload.length === 0) throw fail('INVALID_ARGUMENT', `${what} is an empty string`);
  let binary;
  try {
    binary = atob(payload);
  } catch {
    throw fail('INVALID_ARGUMENT', `${what} is a string that is not base64 (nor a base64 data URL)`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Width and height of a drawable source, waiting for an image element to load. */
async function pixelSize(src, what) {
  if (isA(src, 'HTMLImageElement') || isA(src, 'SVGImageElement')) {
    if (isA(src, 'HTMLImageElement')) {
      if (!src.currentSrc && !src.src) throw fail('INVALID_ARGUMENT', `${what}: the <img> has no src`);
      if (!src.complete || src.naturalWidth === 0) {
        try {
          await src.decode();
        } catch {
          throw fail('IMAGE_DECODE_FAILED', `${what}: the browser could not load or decode the <img> (${src.currentSrc || src.src})`);
        }
      }
      return [src.naturalWidth, src.naturalHeight];
    }
    const r = src.getBBox();
    return [Math.round(r.width), Math.round(r.height)];
  }
  if (isA(src, 'HTMLVideoElement')) {
    if (src.readyState < 2 /* HAVE_CURRENT_DATA */ || !src.videoWidth) {
      throw fail('INVALID_ARGUMENT', `${what}: the <video> has no current frame yet (wait for 'loadeddata')`);
    }
    return [src.videoWidth, src.videoHeight];
  }
  if (isA(src, 'VideoFrame')) return [src.displayWidth, src.displayHeight];
  return [src.width, src.height]; // canvas, OffscreenCanvas, ImageBitmap
}

function scratchContext(width, height) {
  const canvas = has('OffscreenCanvas')
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw fail('INTERNAL', 'no 2D canvas context available');
  return ctx;
}

/** The current pixels of a drawable source as an ImageData. */
async function toImageData(src, what) {
  const [width, height] = await pixelSize(src, what);
  if (!(width > 0 && height > 0)) {
    throw fail('INVALID_ARGUMENT', `${what} has no pixels (${width}x${height}; a closed ImageBitmap or an empty canvas?)`);
  }
  const ctx = scratchContext(width, height);
  try {
    ctx.drawImage(src, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height);
  } catch (e) {
    if (e && e.name === 'SecurityError') {
      throw fail('INVALID_ARGUMENT', `${what} is cross-origin without CORS: its pixels cannot be read (${e.message})`);
    }
    throw fail('INVALID_ARGUMENT', `${what} could not be drawn: ${e && e.message ? e.message : e}`);
  }
}

/**
 * Any accepted source as what the core reads: a Uint8Array of an encoded image, or an ImageData
 * (or ImageData-like `{ width, height, data }`) of RGBA pixels.
 */
async function readSource(src, what) {
  if (typeof src === 'string') return base64Bytes(src, what);
  if (src instanceof ArrayBuffer || isA(src, 'SharedArrayBuffer')) return new Uint8Array(src);
  if (ArrayBuffer.isView(src)) {
    if (src instanceof Float32Array || src instanceof Float64Array) throw badSource(what, src);
    return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  }
  if (isImageDataLike(src)) return src;
  if (isA(src, 'Blob')) {
    try {
      return new Uint8Array(await src.arrayBuffer());
    } catch (e) {
      throw fail('INVALID_ARGUMENT', `${what}: the Blob could not be read: ${e && e.message ? e.message : e}`);
    }
  }
  if (isPixelSource(src)) return toImageData(src, what);
  throw badSource(what, src);
}

// ---------------------------------------------------------------------------------------------
// Cosine similarity in JavaScript, bit for bit what the core computes (f32 arithmetic, summed in
// order, reported as the shortest decimal of the f32): the worker variant uses it so that
// similarity() stays synchronous there too.

function floats(v, name) {
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array || Array.isArray(v)) {
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number') throw fail('INVALID_ARGUMENT', `${name} must contain only numbers`);
      out[i] = v[i];
    }
    return out;
  }
  throw fail('INVALID_ARGUMENT', `${name} must be a Float32Array or an array of numbers`);
}

function shortestF32(x) {
  for (let p = 1; p <= 9; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === x) return d;
  }
  return x;
}

/** Cosine similarity of two embeddings, as `Likeness#similarity` computes it. */
export function similarity(a, b) {
  const fa = floats(a, 'a');
  const fb = floats(b, 'b');
  if (fa.length !== fb.length || fa.length === 0) {
    throw fail('INVALID_ARGUMENT', `embeddings must have the same non-zero length (got ${fa.length} and ${fb.length})`);
  }
  for (const x of fa) if (!Number.isFinite(x)) throw fail('INVALID_ARGUMENT', 'embeddings must not contain NaN or infinity');
  for (const x of fb) if (!Number.isFinite(x)) throw fail('INVALID_ARGUMENT', 'embeddings must not contain NaN or infinity');
  const f = Math.fround;
  let dot = -0;
  let na = -0;
  let nb = -0;
  for (let i = 0; i < fa.length; i++) dot = f(dot + f(fa[i] * fb[i]));
  for (let i = 0; i < fa.length; i++) na = f(na + f(fa[i] * fa[i]));
  for (let i = 0; i < fb.length; i++) nb = f(nb + f(fb[i] * fb[i]));
  na = f(Math.sqrt(na));
  nb = f(Math.sqrt(nb));
  if (na === 0 || nb === 0) throw fail('INVALID_ARGUMENT', 'an embedding of all zeros has no direction');
  const s = Math.min(1, Math.max(-1, f(dot / f(na * nb))));
  return shortestF32(s);
}

// ---------------------------------------------------------------------------------------------
// The SDK.

const PRIVATE = Symbol('likeness');

export class Likeness {
  #core;
  #liveness;

  /** Use `await Likeness.create(options)`. */
  constructor(token, core, liveness) {
    if (token !== PRIVATE) throw fail('INVALID_ARGUMENT', 'use `await Likeness.create(options)` instead of `new Likeness()`');
    this.#core = core;
    this.#liveness = liveness;
  }

  /**
   * Loads the WebAssembly core and the models. Options: `modelsUrl` (default: the package's
   * models/ directory), `models` (bytes by manifest name, instead of fetching), `onProgress`
   * (`(loadedBytes, totalBytes) => void`), `liveness` (also load fr_liveness), `wasmUrl`
   * (the core's `.wasm` to load; default: core/likeness_relaxed_bg.wasm where
   * `relaxedSimdSupported()`, else core/likeness_bg.wasm, both next to index.js), `cache` (default true: keep fetched models in the
   * Cache API so the next create() does not touch the network).
   */
  static async create(options) {
    const o = createOptions(options);
    await loadCore(o.wasmUrl);
    const manifest = guard(() => Core.manifest());
    const names = guard(() => Core.requiredModels(o.liveness));
    const { models, store } = await loadModels(manifest, names, o);
    // loadModels compared every sha256 with SubtleCrypto when there is one: the core then
    // checks only the sizes instead of hashing the 7.5 MB again in wasm.
    const core = guard(() => new Core(models, o.liveness, subtle() !== null));
    await store();
    return new Likeness(PRIVATE, core, o.liveness);
  }

  /**
   * The same API with the core in a Web Worker (worker.js): the page's main thread stays free
   * while a frame is analysed. Pixel sources are turned into ImageBitmaps on the main thread and
   * transferred to the worker, not copied.
   */
  static createWorker(options) {
    return LikenessWorker.create(options);
  }

  /** The models manifest compiled into the core (file names, sizes, sha256). */
  static async manifest(options) {
    const o = checkKeys(options, ['wasmUrl'], 'options');
    await loadCore(absoluteUrl(o.wasmUrl, 'wasmUrl', false));
    return guard(() => Core.manifest());
  }

  /** Which build of the core runs: `'relaxed-simd'` (fused multiply-add kernels) or `'simd'`. */
  get simd() {
    return likenessRelaxedSimd() ? 'relaxed-simd' : 'simd';
  }

  /** Whether the liveness model is loaded (`analyze(…, { liveness: true })` needs it). */
  get liveness() {
    return this.#liveness;
  }

  /** Whether close() was called. */
  get closed() {
    return this.#core === null;
  }

  #live() {
    if (this.#core === null) throw fail('CLOSED', 'this Likeness instance is closed');
    return this.#core;
  }

  /** Every face of an image, largest first: `{ width, height, faces }`. */
  async analyze(source, options) {
    this.#live();
    const image = await readSource(source, 'source');
    const core = this.#live();
    return guard(() => core.analyze(image, options));
  }

  /**
   * One camera frame (MediaPipe's contract): `analyze`'s options with the embedding off by
   * default, plus `tracking` (default true) and `redetectEvery` (10). `timestampMs` must
   * increase from call to call. Resolves `{ width, height, timestamp_ms, method, faces,
   * ignored_faces, light_balance }`; `method` is 'tracked' or 'detected'.
   */
  async detectForVideo(source, timestampMs, options) {
    this.#live();
    const image = await readSource(source, 'source');
    const core = this.#live();
    return guard(() => core.detectForVideo(image, timestampMs, options));
  }

  /** Forgets the tracked face and the last timestamp (before a new camera session). */
  resetVideo() {
    this.#live().resetVideo();
  }

  /**
   * The live selfie capture (js/capture.js, docs/capture.md): opens the front camera (or uses
   * `target`, a `<video>` or a `MediaStream`), guides with one instruction at a time and
   * captures the best frame by itself. Returns `{ result, ready, state, video, stream, stop(),
   * retry(), on(event, cb) }` at once; `result` resolves `{ state: 'captured', face, image, ... }`,
   * `{ state: 'timeout', summary, ... }` or `{ state: 'stopped', ... }`, and rejects with a
   * CAMERA_* code when the camera fails.
   */
  startSelfieCapture(target, options) {
    this.#live();
    return startSelfieCapture(this, target, options, captureDeps(undefined));
  }

  /**
   * An ID document in a photo (docs/document.md): the card's corners, the rectified card, the
   * main portrait (its FACE with the embedding, never the ghost image) and its quality, and the
   * instruction a live capture would give. Resolves `{ width, height, document, card (JPEG Blob
   * or null), cardImageData (ImageData or null), portrait, ghost_faces, instruction }`.
   * Options: `jpegQuality` of `card` (0.92).
   */
  async analyzeDocument(source, options) {
    this.#live();
    const [o, jpegQuality] = documentOptions(options);
    const image = await readSource(source, 'source');
    const core = this.#live();
    return withCardJpeg(guard(() => core.analyzeDocument(image, o)), jpegQuality);
  }

  /**
   * One camera frame of a live document capture: `analyzeDocument` without the embedding and
   * without the card's pixels. `timestampMs` must increase from call to call.
   */
  async detectDocumentForVideo(source, timestampMs, options) {
    this.#live();
    const image = await readSource(source, 'source');
    const core = this.#live();
    return guard(() => core.detectDocumentForVideo(image, timestampMs, options));
  }

  /**
   * The live ID-document capture (js/capture.js, docs/document.md): as startSelfieCapture, on
   * the rear camera by default; `result` resolves `{ state: 'captured', frame (JPEG Blob), card
   * (the rectified card, JPEG Blob), cardImageData, analysis, summary, ... }`, a timeout or a stop.
   */
  startDocumentCapture(target, options) {
    this.#live();
    return startDocumentCapture(this, target, options, captureDeps(undefined));
  }

  /**
   * The seed 004 scan record for the largest face of a selfie and the document's portrait.
   * A capture result stands for its JPEG; a document capture's result also sets `mode:
   * 'document'` unless `options.mode` says otherwise.
   */
  async compare(selfie, documentPhoto, options) {
    this.#live();
    const [a, b] = await Promise.all([readSource(capturedImage(selfie), 'selfie'), readSource(capturedImage(documentPhoto), 'documentPhoto')]);
    const core = this.#live();
    return guard(() => core.compare(a, b, compareOptions(documentPhoto, options)));
  }

  /** The 512-D embedding of the largest face; rejects with NO_FACE when there is none. */
  async embed(source) {
    this.#live();
    const image = await readSource(source, 'source');
    const core = this.#live();
    return guard(() => core.embed(image));
  }

  /** Cosine similarity of two embeddings (what compare() reports as compare_similarity). */
  similarity(a, b) {
    const core = this.#live();
    return guard(() => core.similarity(a, b));
  }

  /**
   * Opens the scan outbox (js/outbox.js): records posted to a /v1/face-recognition backend,
   * stored in IndexedDB first and delivered exactly once. Same as the `openOutbox` export; it
   * does not use the core, so it works after close() too.
   */
  openOutbox(options) {
    return openOutbox(options);
  }

  /**
   * Opens a face gallery kept in IndexedDB (gallery.js): `{ name = 'default', saveImages = false }`.
   * Photos are analysed by this instance; the gallery stays usable until its own close().
   */
  async openGallery(options) {
    this.#live();
    return openGallery(this, options, GALLERY_DEPS);
  }

  /** Frees the core's memory. Idempotent; every later call fails with code CLOSED. */
  close() {
    if (this.#core !== null) {
      const core = this.#core;
      this.#core = null;
      core.free();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The Web Worker variant: the same methods, the core in worker.js.

/** What crosses to the worker for a source, and what to transfer with it. */
async function toWire(src, what) {
  if (isPixelSource(src) && !isA(src, 'ImageBitmap')) {
    // Elements, canvases and video frames become an ImageBitmap made here and transferred.
    await pixelSize(src, what); // waits for an <img> to load; reports a video without a frame
    let bitmap;
    try {
      bitmap = await createImageBitmap(src);
    } catch (e) {
      const code = isA(src, 'HTMLImageElement') ? 'IMAGE_DECODE_FAILED' : 'INVALID_ARGUMENT';
      throw fail(code, `${what} could not be captured: ${e && e.message ? e.message : e}`);
    }
    return [bitmap, [bitmap]];
  }
  if (
    typeof src === 'string' ||
    src instanceof ArrayBuffer ||
    isA(src, 'SharedArrayBuffer') ||
    (ArrayBuffer.isView(src) && !(src instanceof Float32Array) && !(src instanceof Float64Array)) ||
    isImageDataLike(src) ||
    isA(src, 'Blob') ||
    isA(src, 'ImageBitmap')
  ) {
    // The caller's own data is copied (a Blob or an ImageBitmap is shared, not copied):
    // transferring would detach the caller's buffers.
    if (isImageDataLike(src) && !isA(src, 'ImageData')) return [{ width: src.width, height: src.height, data: src.data }, []];
    return [src, []];
  }
  throw badSource(what, src);
}

let nextId = 1;

export class LikenessWorker {
  #worker;
  #pending = new Map();
  #liveness;
  #closed = false;
  #wasmUrl;

  constructor(token, worker, wasmUrl) {
    if (token !== PRIVATE) throw fail('INVALID_ARGUMENT', 'use `await Likeness.createWorker(options)`');
    this.#worker = worker;
    this.#wasmUrl = wasmUrl;
    worker.onmessage = (ev) => this.#receive(ev.data);
    worker.onerror = (ev) => {
      ev.preventDefault?.();
      this.#failAll(fail('INTERNAL', `the Likeness worker failed: ${ev.message || 'could not start (is worker.js served?)'}`));
    };
    worker.onmessageerror = () => this.#failAll(fail('INTERNAL', 'a message from the Likeness worker could not be read'));
  }

  /** Starts worker.js and loads the core and the models in it (options as Likeness.create). */
  static async create(options) {
    const o = createOptions(options);
    if (!has('Worker')) throw fail('INVALID_ARGUMENT', 'Web Workers are not available here');
    const onProgress = o.onProgress;
    delete o.onProgress;
    let worker;
    try {
      worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'likeness' });
    } catch (e) {
      throw fail('INTERNAL', `could not start the Likeness worker: ${e && e.message ? e.message : e}`);
    }
    const client = new LikenessWorker(PRIVATE, worker, o.wasmUrl);
    try {
      const info = await client.#call('create', [o], [], onProgress);
      client.#liveness = info.liveness;
    } catch (e) {
      client.close();
      throw e;
    }
    return client;
  }

  #receive(msg) {
    const p = this.#pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      if (p.onProgress) {
        try {
          p.onProgress(msg.progress[0], msg.progress[1]);
        } catch (e) {
          console.error('likeness: onProgress threw', e);
        }
      }
      return;
    }
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(fail(msg.error.code, msg.error.message, msg.error.details));
  }

  #failAll(error) {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #call(op, args, transfer, onProgress) {
    if (this.#closed) {
      for (const t of transfer) t.close?.();
      return Promise.reject(fail('CLOSED', 'this Likeness worker is closed'));
    }
    return new Promise((resolve, reject) => {
      const id = nextId++;
      this.#pending.set(id, { resolve, reject, onProgress });
      try {
        this.#worker.postMessage({ id, op, args }, transfer);
      } catch (e) {
        this.#pending.delete(id);
        reject(fail('INVALID_ARGUMENT', `could not send to the worker: ${e && e.message ? e.message : e}`));
      }
    });
  }

  #live() {
    if (this.#closed) throw fail('CLOSED', 'this Likeness worker is closed');
  }

  get liveness() {
    return this.#liveness;
  }

  get closed() {
    return this.#closed;
  }

  async analyze(source, options) {
    this.#live();
    const [wire, transfer] = await toWire(source, 'source');
    return this.#call('analyze', [wire, options], transfer);
  }

  async detectForVideo(source, timestampMs, options) {
    this.#live();
    const [wire, transfer] = await toWire(source, 'source');
    return this.#call('detectForVideo', [wire, timestampMs, options], transfer);
  }

  /** The live selfie capture, as on Likeness: frames are analysed in the worker. */
  startSelfieCapture(target, options) {
    this.#live();
    return startSelfieCapture(this, target, options, captureDeps(this.#wasmUrl));
  }

  /** As on Likeness: analysed (and the card encoded as JPEG) in the worker. */
  async analyzeDocument(source, options) {
    this.#live();
    documentOptions(options);
    const [wire, transfer] = await toWire(source, 'source');
    return this.#call('analyzeDocument', [wire, options], transfer);
  }

  async detectDocumentForVideo(source, timestampMs, options) {
    this.#live();
    const [wire, transfer] = await toWire(source, 'source');
    return this.#call('detectDocumentForVideo', [wire, timestampMs, options], transfer);
  }

  /** The live ID-document capture, as on Likeness: frames are analysed in the worker. */
  startDocumentCapture(target, options) {
    this.#live();
    return startDocumentCapture(this, target, options, captureDeps(this.#wasmUrl));
  }

  resetVideo() {
    this.#live();
    this.#call('resetVideo', [], []).catch(() => {});
  }

  async compare(selfie, documentPhoto, options) {
    this.#live();
    const [[a, ta], [b, tb]] = await Promise.all([toWire(capturedImage(selfie), 'selfie'), toWire(capturedImage(documentPhoto), 'documentPhoto')]);
    return this.#call('compare', [a, b, compareOptions(documentPhoto, options)], [...ta, ...tb]);
  }

  async embed(source) {
    this.#live();
    const [wire, transfer] = await toWire(source, 'source');
    return this.#call('embed', [wire], transfer);
  }

  /** Synchronous, as on Likeness: computed here, bit for bit as the core does. */
  similarity(a, b) {
    this.#live();
    return similarity(a, b);
  }

  /** The scan outbox, as on Likeness (it runs on this thread, not in the worker). */
  openOutbox(options) {
    return openOutbox(options);
  }

  /**
   * A face gallery, as on Likeness: photos are analysed in the worker; the gallery's index and
   * IndexedDB store run on this thread (the core is loaded here too, without models; pass
   * `wasmUrl` if it is not next to index.js).
   */
  async openGallery(options) {
    this.#live();
    return openGallery(this, options, GALLERY_DEPS);
  }

  /** Terminates the worker (its memory goes with it); pending calls reject with CLOSED. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.terminate();
    this.#failAll(fail('CLOSED', 'this Likeness worker was closed'));
  }
}

/**
 * The decisions of one live capture attempt (Rust, src/capture): feed it each `detectForVideo`
 * result; it answers the one instruction to show, the state, and whether to keep the frame.
 * Options: `profile` ('selfie' | 'icao'), `holdMs` (1000), `timeoutMs` (30000),
 * `minInstructionMs` (400), `smoothingMs` (300), `activeLiveness` (false), `challengeMouth`,
 * `stepMs` (6000). Needs the core loaded (after `Likeness.create()` or `createCaptureSession`).
 */
export async function createCaptureSession(options, wasmUrl) {
  await loadCore(absoluteUrl(wasmUrl, 'wasmUrl', false));
  const session = guard(() => new CoreCaptureSession(options));
  return Object.freeze({
    update: (frame) => guard(() => session.update(frame)),
    summary: () => guard(() => session.summary()),
    retry: () => session.retry(),
    close: () => session.free(),
  });
}

/**
 * The decisions of one live document capture attempt (Rust, src/document): feed it each
 * `detectDocumentForVideo` result. Options: `holdMs` (800), `timeoutMs` (30000),
 * `minInstructionMs`, `smoothingMs`, `format` ('auto' | 'ID-1' | 'ID-3').
 */
export async function createDocumentSession(options, wasmUrl) {
  await loadCore(absoluteUrl(wasmUrl, 'wasmUrl', false));
  const session = guard(() => new CoreDocumentSession(options));
  return Object.freeze({
    update: (frame) => guard(() => session.update(frame)),
    summary: () => guard(() => session.summary()),
    retry: () => session.retry(),
    close: () => session.free(),
  });
}

/**
 * A capture result stands for its JPEG: compare(selfieResult, documentResult) works. The
 * selfie's is `image`, the document's the whole kept frame (`frame`), not the rectified card:
 * the core finds the card and its portrait again, exactly as in the capture's analysis.
 */
function capturedImage(src) {
  if (!isObject(src) || src.state !== 'captured') return src;
  if (isA(src.image, 'Blob')) return src.image;
  if (isA(src.frame, 'Blob')) return src.frame;
  return src;
}

/** A document capture's result as the second image means document mode, unless told otherwise. */
function compareOptions(documentPhoto, options) {
  const fromCapture = isObject(documentPhoto) && documentPhoto.state === 'captured' && isA(documentPhoto.frame, 'Blob');
  if (!fromCapture || (isObject(options) && options.mode !== undefined)) return options;
  return { ...(isObject(options) ? options : {}), mode: 'document' };
}

const DOCUMENT_OPTIONS = ['jpegQuality'];

/** analyzeDocument's options: the core's, and the card's JPEG quality (used here). */
function documentOptions(options) {
  const { jpegQuality = 0.92, ...core } = checkKeys(options, DOCUMENT_OPTIONS, 'options');
  if (typeof jpegQuality !== 'number' || !(jpegQuality > 0 && jpegQuality <= 1)) {
    throw fail('INVALID_ARGUMENT', 'jpegQuality must be a number in (0, 1]');
  }
  return [core, jpegQuality];
}

/**
 * The core's document analysis with the rectified card as an ImageData (`cardImageData`) and
 * a JPEG Blob (`card`), both null when no card was found.
 */
async function withCardJpeg(analysis, jpegQuality) {
  const pixels = analysis.card;
  if (!pixels) return { ...analysis, card: null, cardImageData: null };
  const cardImageData = typeof ImageData === 'function' ? new ImageData(pixels.data, pixels.width, pixels.height) : pixels;
  const card = await pixelsToJpeg(cardImageData, jpegQuality, fail);
  return { ...analysis, card, cardImageData };
}

/** What capture.js borrows from this module; the session's core is loaded on this thread. */
function captureDeps(wasmUrl) {
  return {
    fail, normalise, checkKeys, isA, guard,
    createSession: async (options) => createCaptureSession(options, wasmUrl),
    createDocumentSession: async (options) => createDocumentSession(options, wasmUrl),
  };
}

// What gallery.js borrows from this module (passed in, so the two files have no import cycle).
const GALLERY_DEPS = Object.freeze({ GalleryCore, loadCore, fail, normalise, checkKeys, readSource, isA });

// Internal: what worker.js needs (not part of the public API).
export const __worker = Object.freeze({ normalise });

export default Likeness;
