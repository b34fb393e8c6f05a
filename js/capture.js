// The live captures' camera controller (source: js/capture.js), behind
// `sdk.startSelfieCapture(target, options)` and `sdk.startDocumentCapture(target, options)` on
// Likeness and LikenessWorker:
//
//   const capture = sdk.startSelfieCapture(videoElement, { profile: 'selfie', activeLiveness: true });
//   capture.on('instruction', ({ code }) => show(code));
//   const result = await capture.result;   // { state: 'captured', face, image: Blob, ... } | timeout | stopped
//   const card = await sdk.startDocumentCapture(null).result; // { state: 'captured', frame, card, analysis, ... }
//   if (result.state === 'captured') await sdk.compare(result, card);
//
// This file owns the browser side only: the camera (getUserMedia, its errors as CAMERA_* codes),
// the frame loop (the newest frame only: a frame that arrives while one is being analysed is
// dropped, never queued), the pixels of the frame to keep and its JPEG. Every decision — the
// instruction, the state, which frame is the best, the active-liveness challenge — is the Rust
// session's (src/capture for the selfie, src/document for the ID document), fed with each
// frame's analysis (`detectForVideo`, `detectDocumentForVideo`). The two captures differ only in
// their KIND below: which session, which per-frame analysis, and what a captured result holds.

/** The codes of camera failures (the `code` of the LikenessError `result` rejects with). */
export const CAMERA_ERROR_CODES = Object.freeze([
  'CAMERA_DENIED',
  'CAMERA_NOT_FOUND',
  'CAMERA_IN_USE',
  'CAMERA_INSECURE_CONTEXT',
  'CAMERA_OVERCONSTRAINED',
]);

const CAMERA_OPTIONS = ['facingMode', 'deviceId', 'width', 'height', 'minFrameRate', 'stopTracks', 'stopOnHide', 'jpegQuality', 'maxFrameWidth'];
const EVENTS = ['instruction', 'state', 'frame', 'error'];

// Camera labels that are not a real camera: Windows Hello infrared sensors and virtual cameras,
// which browsers sometimes pick for a facingMode (a known complaint).
const NOT_A_FACE_CAMERA = /\b(infrared|ir camera|virtual|obs|snap camera|manycam)\b/i;

/**
 * What makes a capture a selfie or an ID-document capture: its options (the session's, the
 * per-frame analysis', the camera defaults), the session, the per-frame analysis, and what the
 * captured result holds (`captured(sdk, canvas, jpegOf, fail)`: the kept frame's fields).
 */
const KINDS = {
  selfie: {
    camera: 'front',
    sessionOptions: ['profile', 'holdMs', 'timeoutMs', 'minInstructionMs', 'smoothingMs', 'activeLiveness', 'challengeMouth', 'stepMs'],
    frameOptions: ['tracking', 'redetectEvery', 'detProbThreshold'],
    defaults: { facingMode: 'user', width: 1280, height: 720, maxFrameWidth: 640 },
    createSession: (deps, options) => deps.createSession(options),
    analyse: (sdk, pixels, ts, options) => sdk.detectForVideo(pixels, ts, options),
    reset: (sdk) => sdk.resetVideo(),
    frameDetail: (frame) => ({ method: frame.method, faces: frame.faces.length }),
    async captured(sdk, canvas, jpegOf, fail, summary) {
      const image = await jpegOf(canvas);
      // The FACE of exactly the bytes in `image`: what compare() will see of this selfie.
      const analysis = await sdk.analyze(image, { embedding: true, liveness: sdk.liveness });
      if (analysis.faces.length === 0) throw fail('NO_FACE', 'the captured frame has no face once encoded as JPEG; retry()');
      return {
        face: analysis.faces[0], image, width: canvas.width, height: canvas.height,
        // The preview is shown mirrored (a mirror is what people expect); the image is not.
        mirrored: false, liveness: summary.liveness ?? null,
      };
    },
  },
  document: {
    camera: 'rear',
    sessionOptions: ['holdMs', 'timeoutMs', 'minInstructionMs', 'smoothingMs', 'format'],
    frameOptions: [],
    // A card's portrait is small: the camera at 1080p for the kept frame, frames analysed at
    // 1280 wide (the guidance's eye distance is then that of the analysed frame: on the safe side).
    defaults: { facingMode: 'environment', width: 1920, height: 1080, maxFrameWidth: 1280 },
    createSession: (deps, options) => deps.createDocumentSession(options),
    analyse: (sdk, pixels, ts, options) => sdk.detectDocumentForVideo(pixels, ts, options),
    reset: () => {},
    // The analysed frame's size: `corners` are in its pixels.
    frameDetail: (frame) => ({
      width: frame.width,
      height: frame.height,
      document: frame.document ? frame.document.format : null,
      corners: frame.document ? frame.document.corners : null,
      portrait: frame.portrait !== null && frame.portrait !== undefined,
    }),
    async captured(sdk, canvas, jpegOf, fail) {
      const frame = await jpegOf(canvas);
      // The analysis of exactly the bytes in `frame` (the portrait's FACE with its embedding):
      // what compare() will see of this document.
      const analysis = await sdk.analyzeDocument(frame);
      if (!analysis.portrait) throw fail('NO_FACE', 'the captured frame has no portrait once encoded as JPEG; retry()');
      const { card, cardImageData, ...rest } = analysis;
      return { frame, card, cardImageData, analysis: rest, width: canvas.width, height: canvas.height };
    },
  },
};

/**
 * Starts a live selfie capture on `target` (a `<video>` element, a `MediaStream`, or
 * null/undefined to open the front camera). Returns the controller at once; the camera opens
 * in the background and its failures reject `result` (and fire `error`).
 * `deps`: what index.js lends (errors, option checks, the sessions' constructors).
 */
export function startSelfieCapture(sdk, target, options, deps) {
  return startCapture(KINDS.selfie, sdk, target, options, deps);
}

/**
 * Starts a live ID-document capture: as startSelfieCapture, on the rear camera by default; the
 * result holds the kept frame (`frame`), the rectified card (`card`) and their analysis.
 */
export function startDocumentCapture(sdk, target, options, deps) {
  return startCapture(KINDS.document, sdk, target, options, deps);
}

function startCapture(kind, sdk, target, options, deps) {
  const o = captureOptions(kind, options, deps);
  if (!(target === undefined || target === null || deps.isA(target, 'HTMLVideoElement') || deps.isA(target, 'MediaStream'))) {
    throw deps.fail('INVALID_ARGUMENT', `target must be a <video> element, a MediaStream, or null to open the ${kind.camera} camera`);
  }
  return new CameraCapture(kind, sdk, target, o, deps).controller();
}

function captureOptions(kind, options, { fail, checkKeys }) {
  const known = [...new Set([...kind.sessionOptions, ...kind.frameOptions, ...CAMERA_OPTIONS])];
  const o = { ...checkKeys(options, known, 'options') };
  const defaults = { minFrameRate: 15, jpegQuality: 0.92, ...kind.defaults };
  const positive = (name, max = Infinity) => {
    const v = o[name] ?? defaults[name];
    if (typeof v !== 'number' || !(v > 0) || v > max) throw fail('INVALID_ARGUMENT', `${name} must be a number from 0 to ${max} (exclusive of 0)`);
    return v;
  };
  o.width = positive('width', 8192);
  o.height = positive('height', 8192);
  o.minFrameRate = positive('minFrameRate', 120);
  o.jpegQuality = positive('jpegQuality', 1);
  o.maxFrameWidth = positive('maxFrameWidth', 8192);
  for (const name of ['stopTracks', 'stopOnHide']) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') throw fail('INVALID_ARGUMENT', `${name} must be a boolean`);
  }
  if (o.facingMode !== undefined && !['user', 'environment'].includes(o.facingMode)) {
    throw fail('INVALID_ARGUMENT', "facingMode must be 'user' or 'environment'");
  }
  o.facingMode ??= defaults.facingMode;
  if (o.deviceId !== undefined && typeof o.deviceId !== 'string') throw fail('INVALID_ARGUMENT', 'deviceId must be a string');
  return o;
}

const pick = (o, names) => Object.fromEntries(names.filter((n) => o[n] !== undefined).map((n) => [n, o[n]]));

/** A getUserMedia failure as a LikenessError with a CAMERA_* code. */
export function cameraError(e, fail) {
  const name = e && e.name;
  const detail = e && e.message ? `: ${e.message}` : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return fail('CAMERA_DENIED', `camera permission was denied (${name}${detail}); allow the camera for this site and retry`);
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return fail('CAMERA_NOT_FOUND', `no camera was found (${name}${detail})`);
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return fail('CAMERA_IN_USE', `the camera could not be started; another application may be using it (${name}${detail})`);
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return fail('CAMERA_OVERCONSTRAINED', `no camera satisfies the constraint ${e.constraint || '?'} (${name}${detail})`);
    default:
      return fail('CAMERA_NOT_FOUND', `the camera could not be opened (${name || 'error'}${detail})`);
  }
}

/** Opens the camera `o.facingMode` names (or `deviceId`), avoiding infrared and virtual cameras when it can. */
async function openCamera(o, fail) {
  if (typeof isSecureContext !== 'undefined' && !isSecureContext) {
    throw fail('CAMERA_INSECURE_CONTEXT', 'the camera needs a secure context: serve the page over https (or from localhost)');
  }
  const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!media || typeof media.getUserMedia !== 'function') {
    throw fail('CAMERA_NOT_FOUND', 'this browser has no navigator.mediaDevices.getUserMedia');
  }
  const video = (deviceId) => ({
    ...(deviceId ? { deviceId: { exact: deviceId } } : { facingMode: o.facingMode }),
    width: { ideal: o.width },
    height: { ideal: o.height },
    frameRate: { ideal: 30, min: o.minFrameRate },
  });
  const open = async (deviceId) => {
    try {
      return await media.getUserMedia({ audio: false, video: video(deviceId) });
    } catch (e) {
      throw cameraError(e, fail);
    }
  };
  const stream = await open(o.deviceId);
  const label = stream.getVideoTracks()[0]?.label ?? '';
  if (o.deviceId || !NOT_A_FACE_CAMERA.test(label)) return stream;
  // Another camera, if there is one that is not infrared or virtual.
  const devices = await media.enumerateDevices().catch(() => []);
  const other = devices.find((d) => d.kind === 'videoinput' && d.label && !NOT_A_FACE_CAMERA.test(d.label));
  if (!other) return stream;
  stopTracks(stream);
  return open(other.deviceId);
}

function stopTracks(stream) {
  for (const track of stream?.getTracks?.() ?? []) track.stop();
}

class CameraCapture {
  #kind;
  #sdk;
  #o;
  #deps;
  #target;
  #video = null;
  #stream = null;
  #session = null;
  #listeners = new Map(EVENTS.map((e) => [e, new Set()]));
  #attempt = null; // { resolve, reject, promise, best, state, instruction, ... } of the current try
  #ready;
  #stopped = false;
  #busy = false;
  #frameCanvas = null; // the camera frame at full size (the kept frame is copied from it)
  #workCanvas = null; // the frame as analysed (at most maxFrameWidth wide)
  #bestCanvas = null;
  #lastTs = -Infinity;
  #presented = null;
  #onHide = () => {
    if (document.visibilityState === 'hidden') this.stop('page hidden');
  };

  constructor(kind, sdk, target, o, deps) {
    this.#kind = kind;
    this.#sdk = sdk;
    this.#target = target;
    this.#o = o;
    this.#deps = deps;
    this.#newAttempt();
    this.#ready = this.#start();
    this.#ready.catch((e) => this.#fail(e));
  }

  controller() {
    const self = this;
    return Object.freeze({
      /** The current attempt's outcome (a new promise after retry()). */
      get result() {
        return self.#attempt.promise;
      },
      /** Resolves once the camera is open and frames are flowing: `{ width, height, label }`. */
      get ready() {
        return self.#ready;
      },
      get state() {
        return self.#attempt.state;
      },
      /** The `<video>` showing the camera (the target, or one made here when there was none). */
      get video() {
        return self.#video;
      },
      get stream() {
        return self.#stream;
      },
      stop: () => self.stop('stop() called'),
      retry: () => self.retry(),
      on: (event, callback) => self.on(event, callback),
    });
  }

  on(event, callback) {
    const set = this.#listeners.get(event);
    if (!set) throw this.#deps.fail('INVALID_ARGUMENT', `unknown event ${JSON.stringify(event)} (known: ${EVENTS.join(', ')})`);
    if (typeof callback !== 'function') throw this.#deps.fail('INVALID_ARGUMENT', 'callback must be a function');
    set.add(callback);
    return () => set.delete(callback);
  }

  #emit(event, detail) {
    for (const cb of this.#listeners.get(event)) {
      try {
        cb(detail);
      } catch (e) {
        console.error(`likeness: a capture '${event}' listener threw`, e);
      }
    }
  }

  #newAttempt() {
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // An app that only listens to events must not see an unhandled rejection.
    promise.catch(() => {});
    this.#attempt = {
      promise, resolve, reject, settled: false, state: 'searching', instruction: null,
      processed: 0, dropped: 0, recent: [], bestTimestamp: null, finishing: false,
    };
  }

  async #start() {
    const { fail, isA } = this.#deps;
    this.#session = await this.#kind.createSession(this.#deps, pick(this.#o, this.#kind.sessionOptions));
    if (isA(this.#target, 'HTMLVideoElement')) {
      this.#video = this.#target;
      this.#stream = isA(this.#video.srcObject, 'MediaStream') ? this.#video.srcObject : await openCamera(this.#o, fail);
    } else {
      this.#video = document.createElement('video');
      this.#stream = isA(this.#target, 'MediaStream') ? this.#target : await openCamera(this.#o, fail);
    }
    if (this.#stopped) {
      this.#release();
      throw fail('CLOSED', 'the capture was stopped before the camera opened');
    }
    const v = this.#video;
    // iOS Safari shows a black or frozen preview without these three.
    v.setAttribute('playsinline', '');
    v.setAttribute('autoplay', '');
    v.muted = true;
    if (v.srcObject !== this.#stream) v.srcObject = this.#stream;
    for (const track of this.#stream.getVideoTracks()) {
      track.addEventListener('ended', () => this.#fail(fail('CAMERA_NOT_FOUND', 'the camera stopped (unplugged, or taken by the system)')));
    }
    await v.play().catch(() => {}); // a muted video may autoplay; frames flow either way once playing
    await videoReady(v, fail);
    if (this.#o.stopOnHide !== false && typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#onHide);
    this.#kind.reset(this.#sdk);
    this.#schedule();
    return { width: v.videoWidth, height: v.videoHeight, label: this.#stream.getVideoTracks()[0]?.label ?? '' };
  }

  #schedule() {
    if (this.#stopped) return;
    const v = this.#video;
    if (typeof v.requestVideoFrameCallback === 'function') {
      v.requestVideoFrameCallback((now, meta) => this.#onFrame(now, meta));
    } else {
      setTimeout(() => this.#onFrame(performance.now(), null), 1000 / 30);
    }
  }

  /** One presented camera frame: analysed if nothing is running, else dropped. */
  #onFrame(now, meta) {
    if (this.#stopped) return;
    const a = this.#attempt;
    if (meta && this.#presented !== null && meta.presentedFrames > this.#presented + 1) {
      a.dropped += meta.presentedFrames - this.#presented - 1; // frames that came and went unseen
    }
    if (meta) this.#presented = meta.presentedFrames;
    this.#schedule();
    if (this.#busy || a.settled || a.finishing) {
      if (this.#busy) a.dropped += 1;
      return;
    }
    this.#busy = true;
    this.#process(a, now)
      .catch((e) => this.#fail(e))
      .finally(() => {
        this.#busy = false;
      });
  }

  async #process(a, now) {
    const ts = Math.max(now, this.#lastTs + 0.001);
    this.#lastTs = ts;
    const started = performance.now();
    const pixels = this.#grab();
    const frame = await this.#kind.analyse(this.#sdk, pixels.work, ts, pick(this.#o, this.#kind.frameOptions));
    if (a !== this.#attempt || a.settled || this.#stopped) return; // retried or stopped meanwhile
    const update = this.#deps.guard(() => this.#session.update(frame));
    if (update.keep_frame) this.#keep(pixels.full);
    const processingMs = performance.now() - started;
    a.processed += 1;
    a.recent.push(ts);
    while (a.recent.length > 1 && ts - a.recent[0] > 1000) a.recent.shift();
    const fps = a.recent.length > 1 ? ((a.recent.length - 1) * 1000) / (ts - a.recent[0]) : 0;
    if (update.state !== a.state) {
      const previous = a.state;
      a.state = update.state;
      this.#emit('state', { state: update.state, previous, timestampMs: ts });
    }
    if (update.changed || a.instruction === null) {
      a.instruction = update.instruction.code;
      this.#emit('instruction', { ...update.instruction, state: update.state, timestampMs: ts });
    }
    this.#emit('frame', {
      timestampMs: ts, ...this.#kind.frameDetail(frame), state: update.state,
      instruction: update.instruction.code, holdProgress: update.hold_progress, processingMs,
      fps, framesProcessed: a.processed, framesDropped: a.dropped,
    });
    if (update.done) await this.#finish(a, fps);
  }

  /** The current video frame: full size, and scaled to at most maxFrameWidth for analysis. */
  #grab() {
    const v = this.#video;
    const [w, h] = [v.videoWidth, v.videoHeight];
    this.#frameCanvas = sized(this.#frameCanvas, w, h);
    const full = this.#frameCanvas.getContext('2d', { willReadFrequently: true });
    full.drawImage(v, 0, 0, w, h);
    const scale = Math.min(1, this.#o.maxFrameWidth / w);
    if (scale === 1) return { full: this.#frameCanvas, work: full.getImageData(0, 0, w, h) };
    const [sw, sh] = [Math.round(w * scale), Math.round(h * scale)];
    this.#workCanvas = sized(this.#workCanvas, sw, sh);
    const work = this.#workCanvas.getContext('2d', { willReadFrequently: true });
    work.drawImage(this.#frameCanvas, 0, 0, sw, sh);
    return { full: this.#frameCanvas, work: work.getImageData(0, 0, sw, sh) };
  }

  #keep(canvas) {
    this.#bestCanvas = sized(this.#bestCanvas, canvas.width, canvas.height);
    this.#bestCanvas.getContext('2d').drawImage(canvas, 0, 0);
  }

  /** The session is done: the kept frame as a JPEG and its full analysis, or the timeout. */
  async #finish(a, fps) {
    a.finishing = true;
    const summary = this.#deps.guard(() => this.#session.summary());
    const common = { summary, timeline: summary.timeline, framesProcessed: a.processed, framesDropped: a.dropped, fps };
    if (summary.state !== 'captured') {
      this.#settle(a, { state: 'timeout', reason: summary.reason ?? 'timeout', ...common });
      return;
    }
    const { fail } = this.#deps;
    const jpegOf = (canvas) => jpeg(canvas, this.#o.jpegQuality, fail);
    const fields = await this.#kind.captured(this.#sdk, this.#bestCanvas, jpegOf, fail, summary);
    if (a.settled) return;
    this.#settle(a, { state: 'captured', ...fields, timestampMs: summary.frame_timestamp_ms, ...common });
  }

  #settle(a, value) {
    if (a.settled) return;
    a.settled = true;
    a.resolve(value);
  }

  #fail(e) {
    const err = this.#deps.normalise(e);
    const a = this.#attempt;
    if (!a.settled) {
      a.settled = true;
      a.reject(err);
    }
    this.#emit('error', err);
    if (err.code.startsWith('CAMERA_')) this.stop(err.message);
  }

  /** Starts a new attempt on the same camera (the old one, if running, resolves as stopped). */
  retry() {
    if (this.#stopped) throw this.#deps.fail('CLOSED', 'this capture was stopped; start a new one');
    this.#settle(this.#attempt, { state: 'stopped', reason: 'retry() called', ...this.#counts() });
    this.#newAttempt();
    this.#session?.retry();
    this.#kind.reset(this.#sdk);
    this.#bestCanvas = null;
    this.#emit('state', { state: 'searching', previous: null, timestampMs: performance.now() });
  }

  /** Ends the capture: camera tracks stopped (unless stopTracks: false), result resolved as stopped. */
  stop(reason) {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#settle(this.#attempt, { state: 'stopped', reason, ...this.#counts() });
    this.#release();
  }

  #counts() {
    const a = this.#attempt;
    let summary = null;
    try {
      summary = this.#session ? this.#session.summary() : null;
    } catch {
      summary = null;
    }
    return { summary, timeline: summary ? summary.timeline : [], framesProcessed: a.processed, framesDropped: a.dropped, fps: 0 };
  }

  #release() {
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onHide);
    if (this.#o.stopTracks !== false) stopTracks(this.#stream);
    if (this.#video && this.#video !== this.#target) this.#video.srcObject = null;
    const session = this.#session;
    this.#session = null;
    // Freed after the frame in flight (if any) has finished with it.
    if (session) queueMicrotask(() => (this.#busy ? setTimeout(() => session.close(), 200) : session.close()));
  }
}

function sized(canvas, w, h) {
  if (canvas && canvas.width === w && canvas.height === h) return canvas;
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(w, h);
  return Object.assign(document.createElement('canvas'), { width: w, height: h });
}

/** Waits for the first frame of a playing video (metadata and a current frame). */
function videoReady(v, fail) {
  if (v.readyState >= 2 && v.videoWidth > 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(fail('CAMERA_IN_USE', 'the camera gave no frame within 10 s')), 10_000);
    const done = () => {
      if (v.readyState >= 2 && v.videoWidth > 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    v.addEventListener('loadeddata', done);
    v.addEventListener('playing', done);
    v.addEventListener('resize', done);
  });
}

async function jpeg(canvas, quality, fail, what = 'the captured frame') {
  try {
    if (typeof canvas.convertToBlob === 'function') return await canvas.convertToBlob({ type: 'image/jpeg', quality });
    return await new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob gave nothing'))), 'image/jpeg', quality),
    );
  } catch (e) {
    throw fail('INTERNAL', `${what} could not be encoded as JPEG: ${e && e.message ? e.message : e}`);
  }
}

/**
 * RGBA pixels (`{ width, height, data }`) as a JPEG Blob: the rectified card of
 * `analyzeDocument`. Works on the page and in a worker (OffscreenCanvas where there is one).
 */
export async function pixelsToJpeg(pixels, quality, fail) {
  const canvas = sized(null, pixels.width, pixels.height);
  const data = pixels.data instanceof Uint8ClampedArray ? pixels.data : new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
  canvas.getContext('2d').putImageData(new ImageData(data, pixels.width, pixels.height), 0, 0);
  return jpeg(canvas, quality, fail, 'the rectified card');
}
