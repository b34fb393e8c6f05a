// The face gallery (source: js/gallery.js): CompreFace's subjects and faces, 1:N recognize,
// verify and AccuAuth-style search, kept in IndexedDB on the device.
//
//   const gallery = await sdk.openGallery({ name: 'default', saveImages: false });
//   await gallery.addFace('alice', photo);                  // { image_id, subject }
//   const { result } = await gallery.recognize(probe);      // [{ ...FACE, subjects: [{ subject, similarity }] }]
//
// The state, the search index and the IndexedDB store live in the WebAssembly core
// (`GalleryCore`, src/gallery/); this file turns photos into embeddings with the SDK (which may
// run in a worker), runs one operation at a time, and relays every committed change to the
// other tabs on a BroadcastChannel (a tab that missed one reloads from IndexedDB).

const GALLERY_OPTIONS = ['name', 'saveImages', 'wasmUrl'];

/**
 * Opens gallery `name` for `sdk` (a Likeness or LikenessWorker). `deps` are index.js internals:
 * { GalleryCore, loadCore, fail, normalise, checkKeys, readSource, isA }.
 */
export async function openGallery(sdk, options, deps) {
  const o = deps.checkKeys(options, GALLERY_OPTIONS, 'options');
  const name = o.name ?? 'default';
  if (typeof name !== 'string') throw deps.fail('INVALID_ARGUMENT', 'name must be a string');
  if (o.saveImages !== undefined && typeof o.saveImages !== 'boolean') throw deps.fail('INVALID_ARGUMENT', 'saveImages must be a boolean');
  if (typeof indexedDB === 'undefined') throw deps.fail('STORAGE_FAILED', 'IndexedDB is not available here');
  await deps.loadCore(o.wasmUrl);
  let core;
  try {
    core = await deps.GalleryCore.open(name);
  } catch (e) {
    throw deps.normalise(e);
  }
  return new Gallery(sdk, core, name, o.saveImages ?? false, deps);
}

export class Gallery {
  #sdk;
  #core;
  #deps;
  #saveImages;
  #channel = null;
  #lockName;
  #queue = Promise.resolve();
  #closed = false;

  constructor(sdk, core, name, saveImages, deps) {
    this.#sdk = sdk;
    this.#core = core;
    this.#deps = deps;
    this.#saveImages = saveImages;
    this.name = name;
    this.#lockName = `likeness-gallery:${name}`;
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(`likeness-gallery:${name}`);
      this.#channel.onmessage = (ev) => {
        if (typeof ev.data === 'string') this.#run(() => this.#core.applyRemote(ev.data)).catch(() => {});
      };
    }
  }

  /** Whether close() was called. */
  get closed() {
    return this.#closed;
  }

  /** Number of faces in the gallery. */
  get size() {
    return this.#closed ? 0 : this.#core.faceCount;
  }

  /** Runs `fn` after every earlier operation of this gallery; errors become LikenessErrors. */
  #run(fn) {
    const step = this.#queue.then(() => {
      if (this.#closed) throw this.#deps.fail('CLOSED', 'this gallery is closed');
      return fn();
    });
    this.#queue = step.catch(() => {});
    return step.catch((e) => {
      throw this.#deps.normalise(e);
    });
  }

  /**
   * A write, under the gallery's Web Lock so that tabs take turns (each commit still re-checks
   * the store's generation, and replans after a reload if another tab wrote first; the lock
   * keeps tabs that write at the same time from starving each other). Then tells the other tabs
   * what changed.
   */
  async #write(fn) {
    return this.#run(async () => {
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const answer = locks ? await locks.request(this.#lockName, fn) : await fn();
      const change = this.#core.takeChange();
      if (change && this.#channel) this.#channel.postMessage(change);
      return answer;
    });
  }

  #options(options, known) {
    return this.#deps.checkKeys(options, known, 'options');
  }

  /**
   * The faces of a probe photo, each with its embedding (analysis runs where the SDK runs).
   * `limit: 0` means no limit, as in seed 001.
   */
  async #faces(source, o) {
    const limit = o.limit === 0 ? null : o.limit;
    const analysis = await this.#sdk.analyze(source, { limit, detProbThreshold: o.detProbThreshold, embedding: true });
    return analysis.faces;
  }

  addSubject(subject) {
    return this.#write(() => this.#core.addSubject(subject));
  }

  /** `{ updated }`; onto an existing subject, the faces are merged into it. */
  renameSubject(subject, newName) {
    return this.#write(() => this.#core.renameSubject(subject, newName));
  }

  /** Deletes the subject and all its faces in one transaction. */
  deleteSubject(subject) {
    return this.#write(() => this.#core.deleteSubject(subject));
  }

  deleteAllSubjects() {
    return this.#write(() => this.#core.deleteAllSubjects());
  }

  listSubjects() {
    return this.#run(() => this.#core.listSubjects());
  }

  /**
   * Detects the one face of `source` and files its embedding under `subject` (created if new).
   * No face: NO_FACE; more than one: MULTIPLE_FACES.
   */
  async addFace(subject, source, options) {
    const o = this.#options(options, ['detProbThreshold']);
    if (typeof subject !== 'string') throw this.#deps.fail('INVALID_ARGUMENT', 'subject must be a string');
    const image = this.#saveImages ? await this.#imageBytes(source) : undefined;
    const faces = await this.#faces(source, o);
    return this.#write(() => this.#core.addFace(subject, faces, image));
  }

  /** Files an embedding (512 finite numbers) under `subject`. */
  addEmbedding(subject, embedding) {
    return this.#write(() => this.#core.addEmbedding(subject, embedding, undefined));
  }

  /** `{ faces: [{ image_id, subject }], page_number, page_size, total_pages, total_elements }`. */
  listFaces(options) {
    return this.#run(() => this.#core.listFaces(options));
  }

  /** `{ image_id, subject }`; an unknown id is NOT_FOUND. */
  deleteFace(imageId) {
    return this.#write(() => this.#core.deleteFace(imageId));
  }

  /** `[{ image_id, subject }]` of the faces deleted; unknown ids are ignored. */
  deleteFaces(imageIds) {
    return this.#write(() => this.#core.deleteFaces(imageIds));
  }

  /** `{ deleted }`: the number of faces removed. */
  deleteFacesOfSubject(subject) {
    return this.#write(() => this.#core.deleteFacesOfSubject(subject));
  }

  /** The photo a face was added from, as a Blob; NOT_FOUND when none was saved. */
  getFaceImage(imageId) {
    return this.#run(async () => {
      const { mime, bytes } = await this.#core.faceImage(imageId);
      return new Blob([bytes], { type: mime });
    });
  }

  /** Every face of `source` (largest first) with its most similar subjects. */
  async recognize(source, options) {
    const o = this.#options(options, ['limit', 'predictionCount', 'detProbThreshold', 'embedding']);
    const faces = await this.#faces(source, o);
    return this.#run(() => {
      const predictions = this.#core.recognizeEmbeddings(faces.map((f) => f.embedding), o.predictionCount);
      return { result: faces.map((f, i) => ({ ...this.#face(f, o), subjects: predictions[i] })) };
    });
  }

  /** Every face of `source` with its similarity to the stored face `imageId`. */
  async verify(source, imageId, options) {
    const o = this.#options(options, ['limit', 'detProbThreshold', 'embedding']);
    if (typeof imageId !== 'string') throw this.#deps.fail('INVALID_ARGUMENT', 'imageId must be a string');
    await this.#run(() => {
      if (!this.#core.hasFace(imageId)) throw this.#deps.fail('NOT_FOUND', `no face with image_id ${JSON.stringify(imageId)}`);
    });
    const faces = await this.#faces(source, o);
    return this.#run(() => ({
      result: faces.map((f) => ({ ...this.#face(f, o), similarity: this.#core.verifyEmbedding(f.embedding, imageId) })),
    }));
  }

  /** `{ result: [{ embedding, similarities: [{ subject, similarity }] }] }`. */
  recognizeEmbeddings(embeddings, options) {
    const o = this.#options(options, ['predictionCount']);
    return this.#run(() => {
      const predictions = this.#core.recognizeEmbeddings(embeddings, o.predictionCount);
      return { result: predictions.map((similarities, i) => ({ embedding: embeddings[i], similarities })) };
    });
  }

  /**
   * AccuAuth-style search for the largest face of `source`: the stored faces at least
   * `threshold` similar (default 'medium'), best first, at most `topN` (default 1, max 10):
   * `{ face, result: [{ image_id, subject, similarity, created_at }] }`.
   */
  async search(source, options) {
    const o = this.#options(options, ['topN', 'threshold', 'detProbThreshold', 'embedding']);
    const [face] = await this.#faces(source, { limit: 1, detProbThreshold: o.detProbThreshold });
    if (!face) throw this.#deps.fail('NO_FACE', 'no face in the photo to search for');
    return this.#run(() => ({
      face: this.#face(face, o),
      result: this.#core.searchEmbedding(face.embedding, { topN: o.topN, threshold: o.threshold }),
    }));
  }

  /** `search` for an embedding you already have: `[{ image_id, subject, similarity, created_at }]`. */
  searchEmbedding(embedding, options) {
    const o = this.#options(options, ['topN', 'threshold']);
    return this.#run(() => this.#core.searchEmbedding(embedding, o));
  }

  /** The whole gallery as a versioned JSON object (photos included when saved). */
  export() {
    return this.#run(() => this.#core.exportBackup());
  }

  /** Adds a backup (the object export() gave, or its JSON text): all or nothing. */
  import(backup) {
    return this.#write(() => this.#core.importBackup(backup));
  }

  /** Closes the database connection after the operations already asked for. Idempotent. */
  async close() {
    if (this.#closed) return;
    const drained = this.#queue;
    this.#closed = true;
    this.#channel?.close();
    await drained;
    this.#core.close();
    this.#core.free();
  }

  #face(face, o) {
    if (o.embedding) return face;
    const { embedding, ...rest } = face;
    return rest;
  }

  /** The photo to keep: its encoded bytes as given, else a PNG of its pixels. */
  async #imageBytes(source) {
    const { readSource, isA } = this.#deps;
    if (isA(source, 'Blob') && source.type.startsWith('image/')) {
      return { mime: source.type, bytes: new Uint8Array(await source.arrayBuffer()) };
    }
    const read = await readSource(source, 'source');
    if (read instanceof Uint8Array) return { bytes: read.slice() }; // the core reads the MIME type
    const ctx = scratchCanvas(read.width, read.height);
    ctx.putImageData(read instanceof ImageData ? read : new ImageData(new Uint8ClampedArray(read.data), read.width, read.height), 0, 0);
    const blob = await ctx.canvas.convertToBlob({ type: 'image/png' });
    return { mime: 'image/png', bytes: new Uint8Array(await blob.arrayBuffer()) };
  }
}

function scratchCanvas(width, height) {
  return new OffscreenCanvas(width, height).getContext('2d');
}

