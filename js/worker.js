// The Web Worker that hosts the Likeness core for `Likeness.createWorker()` (source: js/worker.js).
// Started by index.js as `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`.
//
// Protocol: the page posts `{ id, op, args }` (op: create | analyze | detectForVideo | resetVideo |
// analyzeDocument | detectDocumentForVideo | compare | embed); the
// worker answers `{ id, ok: true, result }` or `{ id, ok: false, error: { code, message, details? } }`,
// and during `create` also `{ id, progress: [loadedBytes, totalBytes] }`. Sources arrive as
// ImageBitmaps (transferred by the page), ImageData, bytes, Blobs or base64 strings, and go
// through the same reader as on the main thread. Embeddings are transferred back.

import { Likeness, __worker } from './index.js';

const { normalise } = __worker;
let sdk = null;
let queue = Promise.resolve();

function reply(id, result, transfer = []) {
  self.postMessage({ id, ok: true, result }, transfer);
}

function replyError(id, e) {
  const err = normalise(e);
  self.postMessage({ id, ok: false, error: { code: err.code, message: err.message, details: err.details } });
}

function closeBitmaps(args) {
  for (const a of args) if (typeof ImageBitmap === 'function' && a instanceof ImageBitmap) a.close();
}

async function handle({ id, op, args }) {
  try {
    switch (op) {
      case 'create': {
        if (sdk) throw Object.assign(new Error('the worker already holds a Likeness instance'), { code: 'INVALID_ARGUMENT' });
        const options = { ...args[0], onProgress: (loaded, total) => self.postMessage({ id, progress: [loaded, total] }) };
        sdk = await Likeness.create(options);
        reply(id, { liveness: sdk.liveness });
        return;
      }
      case 'analyze':
        reply(id, await live().analyze(args[0], args[1]));
        return;
      case 'detectForVideo':
        reply(id, await live().detectForVideo(args[0], args[1], args[2]));
        return;
      case 'resetVideo':
        reply(id, live().resetVideo());
        return;
      case 'analyzeDocument': {
        // The card's JPEG is encoded here (OffscreenCanvas); its pixels are transferred back.
        const r = await live().analyzeDocument(args[0], args[1]);
        reply(id, r, r.cardImageData ? [r.cardImageData.data.buffer] : []);
        return;
      }
      case 'detectDocumentForVideo':
        reply(id, await live().detectDocumentForVideo(args[0], args[1], args[2]));
        return;
      case 'compare':
        reply(id, await live().compare(args[0], args[1], args[2]));
        return;
      case 'embed': {
        const v = await live().embed(args[0]);
        reply(id, v, [v.buffer]);
        return;
      }
      default:
        throw Object.assign(new Error(`unknown operation ${op}`), { code: 'INVALID_ARGUMENT' });
    }
  } catch (e) {
    replyError(id, e);
  } finally {
    if (op !== 'create') closeBitmaps(args);
  }
}

function live() {
  if (!sdk) throw Object.assign(new Error('the worker has no Likeness instance'), { code: 'CLOSED' });
  return sdk;
}

// One call at a time, in order: the core is synchronous and single-threaded anyway.
self.onmessage = (ev) => {
  const msg = ev.data;
  if (!msg || typeof msg.id !== 'number') return;
  queue = queue.then(() => handle(msg));
};
