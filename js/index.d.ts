// TypeScript declarations of the npm package `likeness` (hand-written; source: js/index.d.ts).
// Checked in strict mode by scripts/check_types.sh against tests/types/usage.ts.

/** The package version (the Rust crate's). */
export declare const VERSION: string;

/**
 * Every error's `code`. The first seven are the core's stable codes (never renamed);
 * `CLOSED` is the wrapper's own: a method was called after `close()`.
 *
 * - `INVALID_ARGUMENT`: a wrong argument type, an unknown option name or an out-of-range value
 * - `IMAGE_DECODE_FAILED`: the bytes claim a supported format but cannot be decoded
 * - `IMAGE_TOO_LARGE`: the encoded size, width, height or pixel count exceeds the limits
 * - `UNSUPPORTED_FORMAT`: the bytes are not an image format the core decodes
 * - `NO_FACE`: no face where one is required (compare, embed)
 * - `MODEL_INVALID`: a model is missing, could not be fetched, or does not match the manifest's sha256
 * - `INTERNAL`: should not happen (a failed inference, the core could not be loaded)
 * - `NOT_FOUND`: a gallery image id or subject that does not exist
 * - `MULTIPLE_FACES`: `gallery.addFace` got a photo with more than one face
 * - `STORAGE_QUOTA_EXCEEDED`: the browser's storage quota is full; nothing was written
 * - `STORAGE_BLOCKED`: the gallery needs a schema upgrade another open tab is blocking
 * - `STORAGE_VERSION`: the gallery was written by a newer Likeness
 * - `STORAGE_FAILED`: IndexedDB failed or is unavailable; nothing was written
 * - `QUALITY_TOO_LOW`: `compare` found a face too small for a verdict (see `details`)
 * - `PORTRAIT_TOO_SMALL`: in document mode, the document's portrait has too few pixels for a verdict (see `details`)
 * - `PORTRAIT_QUALITY_TOO_LOW`: in document mode, glare or blur over the portrait (see `details`)
 * - `CAMERA_DENIED`: the person (or a policy) refused the camera
 * - `CAMERA_NOT_FOUND`: no camera, or it was unplugged during the capture
 * - `CAMERA_IN_USE`: the camera could not be started (another application holds it)
 * - `CAMERA_INSECURE_CONTEXT`: the page is not https (nor localhost)
 * - `CAMERA_OVERCONSTRAINED`: no camera meets the constraints (e.g. `minFrameRate`, `deviceId`)
 * - `CLOSED`: the instance was closed
 */
export type LikenessErrorCode =
  | 'INVALID_ARGUMENT'
  | 'IMAGE_DECODE_FAILED'
  | 'IMAGE_TOO_LARGE'
  | 'UNSUPPORTED_FORMAT'
  | 'NO_FACE'
  | 'MODEL_INVALID'
  | 'INTERNAL'
  | 'NOT_FOUND'
  | 'MULTIPLE_FACES'
  | 'STORAGE_QUOTA_EXCEEDED'
  | 'STORAGE_BLOCKED'
  | 'STORAGE_VERSION'
  | 'STORAGE_FAILED'
  | 'QUALITY_TOO_LOW'
  | 'PORTRAIT_TOO_SMALL'
  | 'PORTRAIT_QUALITY_TOO_LOW'
  | CameraErrorCode
  | 'CLOSED';

/** The camera failures of `startSelfieCapture` (js/capture.js). */
export type CameraErrorCode =
  | 'CAMERA_DENIED'
  | 'CAMERA_NOT_FOUND'
  | 'CAMERA_IN_USE'
  | 'CAMERA_INSECURE_CONTEXT'
  | 'CAMERA_OVERCONSTRAINED';

export declare const CAMERA_ERROR_CODES: readonly CameraErrorCode[];

export declare const ERROR_CODES: readonly LikenessErrorCode[];

/** What every method throws or rejects with. */
export declare class LikenessError extends Error {
  constructor(code: LikenessErrorCode, message: string, details?: Record<string, number>);
  readonly name: 'LikenessError';
  readonly code: LikenessErrorCode;
  /**
   * The measured values behind some codes. `QUALITY_TOO_LOW`: `face1_eye_dist` and
   * `face2_eye_dist` (px between the eyes of the selfie's and the document's face) and
   * `min_eye_dist`, the least the SDK decides at.
   */
  readonly details?: Readonly<Record<string, number>>;
}

/** A point in image pixels (floats). */
export interface Point {
  x: number;
  y: number;
}

/** The name of a failed quality check (README, "Quality checks"). */
export type QualityCheck =
  | 'too_small'
  | 'too_dark'
  | 'too_bright'
  | 'blurred'
  | 'eyes_closed'
  | 'mouth_open'
  | 'off_pose'
  | 'occluded';

/** One analysed face: the one face schema of the core (the CLI prints the same JSON). */
export interface Face {
  /** Box in image pixels (floats, not clipped: a face may leave the frame). */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Detector probability, 0–1. */
  score: number;
  /** 68 points, iBUG order. */
  landmark_68: Point[];
  /** Eye on the image's left, other eye, nose tip, mouth corner left, right. */
  landmark_5: Point[];
  /** Pixels between the eye centres. */
  eye_dist: number;
  /** Mean luma 0–255 over the face region. */
  face_luminance: number;
  /** 0–1 share of the face region covered by something else. */
  face_occlusion: number;
  /** Share of the 7 quality checks passed, 0–1. */
  face_quality: number;
  /** The failed checks. */
  quality_checks: QualityCheck[];
  /** 0–1; left = the subject's left eye (on the image's right). */
  left_eye_closed: number;
  right_eye_closed: number;
  /** 0–1. */
  mouth_opened: number;
  /** Degrees: > 0 turned toward the image's right. */
  yaw: number;
  /** Degrees: > 0 looking up. */
  pitch: number;
  /** Degrees: > 0 rotated clockwise. */
  roll: number;
  /** Variance of the Laplacian over the face region. */
  sharpness: number;
  /** 0–1, only with `{ liveness: true }`. */
  liveness?: number;
  /** 512 floats, L2-normalised; absent with `{ embedding: false }` and in scan records (unless `includeEmbeddings`). */
  embedding?: number[];
}

/** `analyze()`'s result: every face, largest first. */
export interface Analysis {
  width: number;
  height: number;
  faces: Face[];
}

/** The seed 004 scan record, exactly as the CLI's `compare` prints it, plus how it was decided. */
export interface ScanRecord {
  channel: string;
  /** The FAR the deciding preset measured on held-out data of its mode (LFW for 'selfie', generated documents for 'document'); `null` for an explicit threshold. */
  compare_measured_far: number | null;
  /** The FRR measured with it. */
  compare_measured_frr: number | null;
  /** Whose presets decided: two camera photos, or a selfie against an ID document's portrait. */
  compare_mode: 'selfie' | 'document';
  /** The false-accept rate the deciding preset is defined by (1e-5, 1e-4, 1e-3); `null` for an explicit threshold. */
  compare_nominal_far: number | null;
  /** The preset that decided; `null` when `threshold` was a number. */
  compare_preset: ThresholdPreset | null;
  compare_result: 'Same person' | 'Different person';
  compare_similarity: number;
  /** The cosine `compare_similarity` was held against: the preset's plus each face's offset for its size (docs/accuracy.md). */
  compare_threshold: number;
  /** ISO 8601, UTC. */
  created: string;
  /** Document mode: what was found on the ID document; `null` in selfie mode. */
  document: ScanDocument | null;
  /** The selfie's largest face. */
  face1: Face;
  /** The document's portrait (document mode: never the ghost image, never a face beside the card), else its largest face. */
  face2: Face;
  /** UUID v4 made on the device (the backend's idempotency key). */
  id: string;
  reference: string | null;
}

/** What document mode found on the ID document (the scan record's `document`). */
export interface ScanDocument {
  /** `null` when no card outline was found (a crop of the portrait). */
  format: 'ID-1' | 'ID-3' | null;
  /** The card's corners in the document photo: top-left, top-right, bottom-right, bottom-left as read. */
  corners: [[number, number], [number, number], [number, number], [number, number]] | null;
  /** Inter-eye distance of the portrait in the photo's own pixels. */
  portrait_eye_dist: number;
  /** Share of the portrait under glare, 0..1. */
  portrait_glare: number;
  portrait_sharpness: number;
  portrait_print: 'grey' | 'colour';
}

/** The manifest names of the models. */
export type ModelName = 'fr_detect' | 'fr_landmark' | 'fr_feature' | 'fr_eye' | 'fr_liveness';

export type ModelBytes = Uint8Array | ArrayBuffer | ArrayBufferView;

export interface CreateOptions {
  /** Where the models are served (a directory URL). Default: the package's `models/`. */
  modelsUrl?: string | URL | undefined;
  /** Model bytes by manifest name, instead of fetching them (a missing one is fetched). */
  models?: Partial<Record<ModelName, ModelBytes>> | Map<ModelName, ModelBytes> | undefined;
  /** Download progress in bytes (cached and given models count as loaded at once). */
  onProgress?: ((loadedBytes: number, totalBytes: number) => void) | undefined;
  /** Also load the liveness model (needed for `analyze(…, { liveness: true })`). Default false. */
  liveness?: boolean | undefined;
  /**
   * The core's `.wasm` to load. Default: `core/likeness_relaxed_bg.wasm` where
   * `relaxedSimdSupported()`, else `core/likeness_bg.wasm`, both next to `core/likeness.js`.
   */
  wasmUrl?: string | URL | undefined;
  /** Keep fetched models in the Cache API (the next create() does not touch the network). Default true. */
  cache?: boolean | undefined;
}

export interface AnalyzeOptions {
  /** At most this many faces (largest first); `null` = all. */
  limit?: number | null | undefined;
  /** Detector probability threshold, 0–1. Default 0.65. */
  detProbThreshold?: number | undefined;
  /** Compute each face's embedding. Default true. */
  embedding?: boolean | undefined;
  /** Compute each face's liveness (needs `create({ liveness: true })`). Default false. */
  liveness?: boolean | undefined;
}

/**
 * The presets are defined by their false-accept rate, measured on LFW (docs/accuracy.md):
 * `strict` 1e-5, `medium` 1e-4, `low` 1e-3. `compare()` raises a preset's threshold for small
 * faces so that the rate holds, and refuses with `QUALITY_TOO_LOW` below 8 px between the eyes.
 */
export type ThresholdPreset = 'strict' | 'medium' | 'low';

export interface CompareOptions {
  /** A preset or a cosine value in [-1, 1] (used as given, no nominal FAR). Default 'medium'. */
  threshold?: ThresholdPreset | number | undefined;
  /**
   * Whose presets decide: 'selfie' (two camera photos), 'document' (the second image is an ID
   * document: its portrait is found on the card and held to the document presets, or refused
   * with `PORTRAIT_TOO_SMALL` / `PORTRAIT_QUALITY_TOO_LOW`), or 'auto' (default): document
   * mode when an ID document is found in the second image.
   */
  mode?: 'auto' | 'selfie' | 'document' | undefined;
  /** The app's reference (e.g. an application number), copied into the record. */
  reference?: string | null | undefined;
  /** Default 'WEB'. */
  channel?: string | undefined;
  /** Keep both faces' embeddings in the record. Default false. */
  includeEmbeddings?: boolean | undefined;
}

/** An `ImageData`, or anything shaped like one (RGBA, `width * height * 4` bytes). */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}

/**
 * An image: pixel sources (read through a canvas; a video's current frame), or an encoded image
 * (JPEG, PNG, WebP, BMP, GIF, TIFF) as a Blob/File, bytes, or a base64 string / data URL.
 */
export type ImageSource =
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | VideoFrame
  | OffscreenCanvas
  | ImageBitmap
  | ImageData
  | ImageDataLike
  | Blob
  | ArrayBuffer
  | Uint8Array
  | Uint8ClampedArray
  | string;

/** A 512-D embedding (what `embed()` returns), or plain numbers. */
export type Embedding = Float32Array | Float64Array | readonly number[];

/** What `Likeness` and the worker variant both offer. */
export interface LikenessApi {
  /** Whether the liveness model is loaded. */
  readonly liveness: boolean;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /** Every face of an image, largest first. */
  analyze(source: ImageSource, options?: AnalyzeOptions): Promise<Analysis>;
  /** One camera frame; `timestampMs` must increase from call to call (INVALID_ARGUMENT otherwise). */
  detectForVideo(source: ImageSource, timestampMs: number, options?: VideoOptions): Promise<VideoFrame>;
  /** Forgets the tracked face and the last timestamp (before a new camera session). */
  resetVideo(): void;
  /**
   * The live selfie capture: the camera (`target`: a `<video>`, a `MediaStream`, or null to open
   * the front camera), one instruction at a time, the best frame captured by itself. Returns at
   * once; throws INVALID_ARGUMENT for bad options.
   */
  startSelfieCapture(target?: HTMLVideoElement | MediaStream | null, options?: SelfieCaptureOptions): SelfieCapture;
  /**
   * An ID document in a photo: the card's corners, the rectified card (`card`, a JPEG Blob, and
   * `cardImageData`, its pixels), the main portrait (its FACE with the embedding; never the ghost
   * image, never a face beside the card) and its quality, and what a live capture would say.
   * Rejects with the image errors (IMAGE_DECODE_FAILED, INVALID_ARGUMENT, ...); a photo without
   * a card resolves with `document: null`.
   */
  analyzeDocument(source: ImageSource, options?: AnalyzeDocumentOptions): Promise<DocumentAnalysis>;
  /** One camera frame of a document capture (no embedding, no card pixels); `timestampMs` must increase. */
  detectDocumentForVideo(source: ImageSource, timestampMs: number): Promise<DocumentFrame>;
  /**
   * The live ID-document capture: the rear camera by default (`target` as startSelfieCapture's),
   * one instruction at a time, the best frame captured by itself with its rectified card.
   */
  startDocumentCapture(target?: HTMLVideoElement | MediaStream | null, options?: DocumentCaptureOptions): DocumentCapture;
  /**
   * The scan record of the largest face of each image; rejects with NO_FACE when either has none.
   * A captured selfie (`startSelfieCapture`'s result) stands for its JPEG; a captured document
   * (`startDocumentCapture`'s) for its kept frame, and sets `mode: 'document'` unless `options.mode` is given.
   */
  compare(selfie: ImageSource | CapturedSelfie, documentPhoto: ImageSource | CapturedDocument, options?: CompareOptions): Promise<ScanRecord>;
  /** The 512-D embedding of the largest face; rejects with NO_FACE when there is none. */
  embed(source: ImageSource): Promise<Float32Array>;
  /** Cosine similarity of two embeddings, in [-1, 1]. Throws INVALID_ARGUMENT on a length mismatch. */
  similarity(a: Embedding, b: Embedding): number;
  /** The scan outbox (same as the `openOutbox` export). */
  openOutbox(options: OutboxOptions): Promise<Outbox>;
  /** A face gallery kept in IndexedDB (subjects, faces, recognize, verify, search). */
  openGallery(options?: GalleryOptions): Promise<Gallery>;
  /** Frees the core (terminates the worker). Idempotent; later calls fail with CLOSED. */
  close(): void;
}

/** The models manifest compiled into the core. */
export interface Manifest {
  models: Record<ModelName, { file: string; bytes: number; sha256: string; role: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

export declare class Likeness {
  /** Not callable: use `Likeness.create()`. */
  private constructor();
  /** Loads the WebAssembly core and the models (fetched, sha256-checked, cached). */
  static create(options?: CreateOptions): Promise<Likeness>;
  /** The same API with the core in a Web Worker. */
  static createWorker(options?: CreateOptions): Promise<LikenessWorker>;
  /** The models manifest compiled into the core. */
  static manifest(options?: { wasmUrl?: string | URL }): Promise<Manifest>;
}
/** The instance API (declaration merging: the members are `LikenessApi`'s). */
export interface Likeness extends LikenessApi {
  /** Which build of the core runs: `'relaxed-simd'` (fused multiply-add kernels) or `'simd'`. */
  readonly simd: 'relaxed-simd' | 'simd';
}

/**
 * Whether this engine has WebAssembly relaxed SIMD (Chromium 114+, Firefox 120+; not Safari):
 * then `Likeness.create()` loads `core/likeness_relaxed_bg.wasm` instead of `core/likeness_bg.wasm`.
 */
export declare function relaxedSimdSupported(): boolean;

/**
 * `Likeness.createWorker()`'s object: the core runs in worker.js. Element, canvas and video
 * sources become ImageBitmaps that are transferred to the worker (not copied); the caller's own
 * buffers (ImageData, bytes) are copied so they stay usable.
 */
export declare class LikenessWorker {
  private constructor();
  static create(options?: CreateOptions): Promise<LikenessWorker>;
}
/** The instance API (declaration merging: the members are `LikenessApi`'s). */
export interface LikenessWorker extends LikenessApi {}

// ---------------------------------------------------------------------------------------------
// The scan outbox (outbox.js): scan records posted to a seed 004 /v1/face-recognition backend.

/** Every outbox error's `code`. */
export type OutboxErrorCode = 'INVALID_ARGUMENT' | 'ID_CONFLICT' | 'STORAGE_FAILED' | 'CLOSED' | 'INTERNAL';

export declare const OUTBOX_ERROR_CODES: readonly OutboxErrorCode[];

/** What the outbox throws or rejects with. */
export declare class OutboxError extends Error {
  constructor(code: OutboxErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'OutboxError';
  readonly code: OutboxErrorCode;
}

export interface OutboxOptions {
  /** The backend; records are posted to `<baseUrl>/v1/face-recognition`. */
  baseUrl: string | URL;
  /** The bearer token, or a function giving it (asked again once after a 401). */
  token?: (() => string | null | undefined | Promise<string | null | undefined>) | string | null | undefined;
  /** Which outbox (its IndexedDB database is `likeness-outbox:<name>`). Default 'default'. */
  name?: string | undefined;
  /** First retry delay bound, ms (full jitter, doubled each attempt). Default 1000. */
  baseDelayMs?: number | undefined;
  /** Largest retry delay bound, ms. Default 300000. */
  maxDelayMs?: number | undefined;
  /** A request without an answer after this long is retried, ms. Default 30000. */
  timeoutMs?: number | undefined;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  /** `false` serialises senders across tabs with an IndexedDB lease instead of Web Locks. */
  locks?: boolean | undefined;
}

export interface OutboxPostOptions {
  /** Send the faces' embeddings too. Default false: they are stripped. */
  includeEmbeddings?: boolean | undefined;
}

/** The server's answer when it refused a record: its status and its error body (`{ code, message }` for the reference server). */
export interface OutboxRefusal {
  status: number;
  body: unknown;
}

export type OutboxPostResult =
  | { id: string; status: 'sent' }
  | { id: string; status: 'queued' }
  | { id: string; status: 'rejected'; error: OutboxRefusal };

export interface OutboxPending {
  id: string;
  /** The record as it is sent (embeddings stripped unless asked for). */
  record: Record<string, unknown>;
  /** When post() stored it (ms since the epoch). */
  queuedAt: number;
  attempts: number;
  /** When the next attempt is due (ms since the epoch; 0 = now). */
  nextAttemptAt: number;
  /** The last failure: `status` 0 for a network error. */
  lastError: { status: number; message?: string; body?: unknown; at: number } | null;
}

export interface OutboxDeadLetter {
  id: string;
  record: Record<string, unknown>;
  queuedAt: number;
  attempts: number;
  /** The HTTP status of the refusal (400, 401, 404, 409, 413, ...). */
  status: number;
  /** The server's error body (parsed JSON, else text). */
  error: unknown;
  failedAt: number;
}

export type OutboxEventType = 'queued' | 'sending' | 'sent' | 'retry' | 'dead' | 'discarded' | 'changed';

export interface OutboxEvent {
  type: OutboxEventType;
  id?: string | undefined;
  /** Records not yet acknowledged, after this event. */
  pending: number;
  /** Dead letters, after this event. */
  dead: number;
  /** The HTTP status (0 = network error) of 'sent', 'retry' and 'dead'. */
  status?: number | undefined;
  error?: unknown;
  /** 'retry': the delay before the next attempt. */
  retryInMs?: number | undefined;
}

export declare class Outbox {
  private constructor();
  readonly name: string;
  readonly closed: boolean;
  /** 'web-locks' or 'lease': how one sender at a time is ensured across tabs. */
  readonly coordination: 'web-locks' | 'lease';
  /** Stores the record in IndexedDB, then tries to send it. Rejects with INVALID_ARGUMENT when `scan.id` is not a UUID. */
  post(scan: ScanRecord | (Record<string, unknown> & { id: string }), options?: OutboxPostOptions): Promise<OutboxPostResult>;
  /** The records not yet acknowledged, oldest first. */
  pending(): Promise<OutboxPending[]>;
  /** The records the server refused for good, oldest first. */
  deadLetters(): Promise<OutboxDeadLetter[]>;
  /** Removes a record (dead letter or pending) for good; resolves whether there was one. */
  discard(id: string): Promise<boolean>;
  /** Retries every pending record now; resolves when this tab's send round ends. */
  flush(): Promise<void>;
  /** Progress events; returns the function that unsubscribes. */
  onChange(cb: (event: OutboxEvent) => void): () => void;
  /** Stops sending in this tab; the records stay stored. Idempotent. */
  close(): void;
}

/** Opens the outbox and resumes the records a previous page left pending. */
export declare function openOutbox(options: OutboxOptions): Promise<Outbox>;

/** Cosine similarity computed in JavaScript, bit for bit as the core does (no instance needed). */
export declare function similarity(a: Embedding, b: Embedding): number;

export default Likeness;

// ---- live capture (src/video.rs, src/capture/) ----

export interface VideoOptions extends AnalyzeOptions {
  /** Follow the face between frames instead of running the detector on each (default true). */
  tracking?: boolean;
  /** Run the full-frame detector at least every this many frames (default 10). */
  redetectEvery?: number;
}

export interface VideoFrame extends Analysis {
  timestamp_ms: number;
  /** How the main face was found in this frame. */
  method: 'tracked' | 'detected';
  /** Detections far smaller than the main face (not a second person at the camera). */
  ignored_faces: number;
  /** Darker cheek over brighter cheek, 1 = even light (main face only). */
  light_balance?: number;
}

export type InstructionCode =
  | 'FACE_NOT_FOUND' | 'MULTIPLE_FACES' | 'MOVE_BACK' | 'MOVE_CLOSER' | 'CENTER_FACE'
  | 'TOO_DARK' | 'TOO_BRIGHT' | 'UNEVEN_LIGHT' | 'REMOVE_OCCLUSION' | 'TURN_LEFT' | 'TURN_RIGHT'
  | 'TILT_UP' | 'TILT_DOWN' | 'STRAIGHTEN_HEAD' | 'OPEN_EYES' | 'CLOSE_MOUTH' | 'TOO_BLURRY'
  | 'HOLD_STILL' | 'OK' | 'BLINK' | 'TURN_HEAD_LEFT' | 'TURN_HEAD_RIGHT' | 'OPEN_MOUTH';

export interface Instruction {
  code: InstructionCode;
  /** The quality component behind it (OFIQ / ISO/IEC 29794-5 names where one exists). */
  component: string;
  value?: number;
  limit?: number;
}

export type CaptureState = 'searching' | 'adjusting' | 'holding' | 'challenge' | 'captured' | 'timeout';

export interface CaptureUpdate {
  state: CaptureState;
  instruction: Instruction;
  changed: boolean;
  /** This frame is the best of the hold window so far: keep its pixels. */
  keep_frame: boolean;
  hold_progress: number;
  done: boolean;
}

export interface ChallengeStep {
  kind: 'blink' | 'turn_left' | 'turn_right' | 'open_mouth';
  code: InstructionCode;
  limit_ms: number;
  started_ms?: number;
  ended_ms?: number;
  passed: boolean;
}

export interface CaptureSummary {
  state: CaptureState;
  profile: 'selfie' | 'icao';
  frames: number;
  duration_ms: number;
  frame_timestamp_ms?: number;
  timeline: Array<{ timestamp_ms: number; code: InstructionCode }>;
  failed_checks: Array<{ code: InstructionCode; component: string; ms: number }>;
  reason?: string;
  liveness?: { steps: ChallengeStep[]; passed: boolean };
}

export interface CaptureSessionOptions {
  profile?: 'selfie' | 'icao';
  holdMs?: number;
  timeoutMs?: number;
  minInstructionMs?: number;
  smoothingMs?: number;
  activeLiveness?: boolean;
  challengeMouth?: boolean;
  stepMs?: number;
}

export interface CaptureSession {
  update(frame: VideoFrame): CaptureUpdate;
  summary(): CaptureSummary;
  retry(): void;
  close(): void;
}

/** The decisions of one capture attempt (feed it each `detectForVideo` result). */
export declare function createCaptureSession(options?: CaptureSessionOptions, wasmUrl?: string | URL): Promise<CaptureSession>;

// ---- the face gallery (gallery.js) ----

export interface GalleryOptions {
  /** The gallery (one IndexedDB database, `likeness-gallery:<name>`). Default 'default'. */
  name?: string;
  /** Keep each enrolled photo (`getFaceImage`). Default false. */
  saveImages?: boolean;
  /** The core's `.wasm` (worker variant only, when not next to index.js); default as `CreateOptions.wasmUrl`. */
  wasmUrl?: string | URL;
}

/** `{ image_id, subject }`: a stored face. */
export interface FaceRef {
  image_id: string;
  subject: string;
}

export interface FacePage {
  faces: FaceRef[];
  page_number: number;
  page_size: number;
  total_pages: number;
  total_elements: number;
}

export interface SubjectSimilarity {
  subject: string;
  similarity: number;
}

export interface SearchHit {
  image_id: string;
  subject: string;
  similarity: number;
  /** ISO 8601, when the face was added. */
  created_at: string;
}

export interface ProbeOptions {
  /** Faces of the probe photo to use, largest first (default, 0 or null: all). */
  limit?: number | null;
  detProbThreshold?: number;
  /** Keep each face's embedding in the answer (default false). */
  embedding?: boolean;
}

export interface RecognizeOptions extends ProbeOptions {
  /** Subjects per face, most similar first (default 1). */
  predictionCount?: number;
}

export interface SearchOptions {
  /** At most this many faces, 1..10 (default 1). */
  topN?: number;
  /** Least similarity: a preset or a cosine in [-1, 1] (default 'medium'). */
  threshold?: ThresholdPreset | number;
}

/** The versioned backup `export()` gives and `import()` takes. */
export interface GalleryBackup {
  format: 'likeness-gallery';
  version: 1;
  exported_at: string;
  embedding_len: 512;
  subjects: string[];
  faces: Array<FaceRef & { created_at: string; embedding: string; image?: { mime: string; bytes: string } }>;
}

export declare class Gallery {
  private constructor();
  readonly name: string;
  /** Number of faces. */
  readonly size: number;
  readonly closed: boolean;
  addSubject(subject: string): Promise<{ subject: string }>;
  /** Onto an existing subject, the faces are merged into it. */
  renameSubject(subject: string, newName: string): Promise<{ updated: boolean }>;
  /** The subject and all its faces, in one transaction. */
  deleteSubject(subject: string): Promise<{ subject: string }>;
  deleteAllSubjects(): Promise<{ deleted: number }>;
  listSubjects(): Promise<{ subjects: string[] }>;
  /** Exactly one face required: NO_FACE / MULTIPLE_FACES otherwise. */
  addFace(subject: string, source: ImageSource, options?: { detProbThreshold?: number }): Promise<FaceRef>;
  addEmbedding(subject: string, embedding: Embedding): Promise<FaceRef>;
  listFaces(options?: { page?: number; size?: number; subject?: string | null }): Promise<FacePage>;
  /** Unknown id: NOT_FOUND. */
  deleteFace(imageId: string): Promise<FaceRef>;
  /** The faces deleted; unknown ids are ignored. */
  deleteFaces(imageIds: readonly string[]): Promise<FaceRef[]>;
  deleteFacesOfSubject(subject: string): Promise<{ deleted: number }>;
  /** The enrolled photo (saveImages); NOT_FOUND otherwise. */
  getFaceImage(imageId: string): Promise<Blob>;
  recognize(source: ImageSource, options?: RecognizeOptions): Promise<{ result: Array<Face & { subjects: SubjectSimilarity[] }> }>;
  verify(source: ImageSource, imageId: string, options?: ProbeOptions): Promise<{ result: Array<Face & { similarity: number }> }>;
  recognizeEmbeddings(
    embeddings: readonly Embedding[],
    options?: { predictionCount?: number },
  ): Promise<{ result: Array<{ embedding: Embedding; similarities: SubjectSimilarity[] }> }>;
  /** The largest face of `source` and the stored faces at least `threshold` similar, best first. */
  search(source: ImageSource, options?: SearchOptions & { detProbThreshold?: number; embedding?: boolean }): Promise<{ face: Face; result: SearchHit[] }>;
  searchEmbedding(embedding: Embedding, options?: SearchOptions): Promise<SearchHit[]>;
  export(): Promise<GalleryBackup>;
  import(backup: GalleryBackup | string): Promise<{ subjects: number; faces: number }>;
  close(): Promise<void>;
}

// ---- the camera (js/capture.js) ----

/** The camera options of both live captures (defaults: the selfie's, then the document's). */
export interface CameraOptions {
  /** Which camera when Likeness opens it: 'user' ('environment' for documents), or a deviceId. */
  facingMode?: 'user' | 'environment';
  deviceId?: string;
  /** Ideal camera size (1280x720; 1920x1080) and the lowest frame rate accepted (15). */
  width?: number;
  height?: number;
  minFrameRate?: number;
  /**
   * Frames are analysed at most this wide (640; 1280); the captured image keeps the camera's
   * size. A document's MOVE_CLOSER judges the analysed frame's eye distance: on the safe side.
   */
  maxFrameWidth?: number;
  /** JPEG quality of the captured image (0.92; also the rectified card's). */
  jpegQuality?: number;
  /** stop() also stops the camera tracks (true), and hiding the page stops the capture (true). */
  stopTracks?: boolean;
  stopOnHide?: boolean;
}

export interface SelfieCaptureOptions extends CaptureSessionOptions, CameraOptions {
  /** detectForVideo's options for each frame. */
  tracking?: boolean;
  redetectEvery?: number;
  detProbThreshold?: number;
}

interface CaptureOutcome<Summary = CaptureSummary, Code = InstructionCode> {
  summary: Summary | null;
  timeline: Array<{ timestamp_ms: number; code: Code }>;
  framesProcessed: number;
  /** Camera frames that arrived while another was being analysed (dropped, never queued). */
  framesDropped: number;
  /** Frames analysed per second over the last second. */
  fps: number;
}

/** A capture that succeeded: the chosen frame, as a JPEG, and its full analysis. */
export interface CapturedSelfie extends CaptureOutcome {
  state: 'captured';
  /** The FACE of exactly `image` (embedding, quality, checks; passive liveness when loaded). */
  face: Face;
  /** The frame as the camera saw it, as image/jpeg. */
  image: Blob;
  width: number;
  height: number;
  /** Always false: the preview is mirrored, the image is not. */
  mirrored: false;
  timestampMs: number;
  /** The active-liveness challenge, when `activeLiveness` was on. */
  liveness: { steps: ChallengeStep[]; passed: boolean } | null;
  summary: CaptureSummary;
}

export interface CaptureTimeout extends CaptureOutcome {
  state: 'timeout';
  /** Why (the summary's failed_checks say which checks failed, for how long). */
  reason: string;
  summary: CaptureSummary;
}

export interface CaptureStopped extends CaptureOutcome {
  state: 'stopped';
  reason: string;
}

export type SelfieCaptureResult = CapturedSelfie | CaptureTimeout | CaptureStopped;

export interface CaptureInstructionEvent extends Instruction {
  state: CaptureState;
  timestampMs: number;
}

export interface CaptureStateEvent {
  state: CaptureState;
  previous: CaptureState | null;
  timestampMs: number;
}

export interface CaptureFrameEvent {
  timestampMs: number;
  method: 'tracked' | 'detected';
  faces: number;
  state: CaptureState;
  instruction: InstructionCode;
  holdProgress: number;
  processingMs: number;
  fps: number;
  framesProcessed: number;
  framesDropped: number;
}

export interface SelfieCaptureEvents {
  instruction: CaptureInstructionEvent;
  state: CaptureStateEvent;
  frame: CaptureFrameEvent;
  error: LikenessError;
}

/** A live capture's controller (`startSelfieCapture`'s and `startDocumentCapture`'s). */
export interface CaptureController<Result, State, Events> {
  /** The current attempt's outcome (a new promise after `retry()`); rejects with CAMERA_* codes. */
  readonly result: Promise<Result>;
  /** The camera is open and frames flow. */
  readonly ready: Promise<{ width: number; height: number; label: string }>;
  readonly state: State;
  readonly video: HTMLVideoElement | null;
  readonly stream: MediaStream | null;
  /** Ends the capture and stops the camera; `result` resolves as 'stopped'. */
  stop(): void;
  /** A new attempt on the same camera (throws CLOSED after stop()). */
  retry(): void;
  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, callback: (detail: Events[K]) => void): () => void;
}

/** `startSelfieCapture`'s controller. */
export interface SelfieCapture extends CaptureController<SelfieCaptureResult, CaptureState, SelfieCaptureEvents> {}

// ---- ID documents (src/document, js/capture.js, docs/document.md) ----

export type DocumentFormat = 'ID-1' | 'ID-3';

/** Four points in image pixels: top-left, top-right, bottom-right, bottom-left of the card as read (portrait upright). */
export type Quad = [[number, number], [number, number], [number, number], [number, number]];

/** The card found in a frame. */
export interface DocumentQuad {
  /** ID-1 (85.6 x 54 mm: cards) or ID-3 (125 x 88 mm: passport data pages). */
  format: DocumentFormat;
  corners: Quad;
  /** How card-like the outline is, 0..1. */
  score: number;
}

export type DocumentInstructionCode =
  | 'DOCUMENT_NOT_FOUND' | 'FIT_DOCUMENT_IN_FRAME' | 'DOCUMENT_TILTED' | 'MOVE_CLOSER'
  | 'TOO_BLURRY' | 'HOLD_STILL' | 'GLARE_ON_PORTRAIT' | 'OK';

/** The one instruction about a document frame, with the measured value and its limit. */
export interface DocumentInstruction {
  code: DocumentInstructionCode;
  /** The same code (the core's enum). */
  instruction: DocumentInstructionCode;
  /** The quality component behind it (OFIQ names where one exists). */
  component: string;
  /** The measured value and the limit it was held against (absent for DOCUMENT_NOT_FOUND and OK). */
  value?: number;
  limit?: number;
}

/** The card's main portrait: its FACE (in rectified-card pixels; `sharpness` is the portrait's) plus where and how good it is. */
export interface Portrait extends Face {
  /** The face box on the rectified card: x1, y1, x2, y2. */
  box_in_card: [number, number, number, number];
  /** The box's corners mapped back into the frame. */
  box_in_frame: Quad;
  /** Inter-eye distance in frame pixels: the resolution the comparison really has. */
  eye_dist_frame: number;
  /** Share 0..1 of the portrait under specular glare. */
  glare: number;
  print: 'grey' | 'colour';
}

/** What `analyzeDocument` and `detectDocumentForVideo` both say about an image. */
export interface DocumentFinding {
  /** The image's size. */
  width: number;
  height: number;
  /** null: no card found. */
  document: DocumentQuad | null;
  /** null: no portrait found on the card. */
  portrait: Portrait | null;
  /** Other faces on the card (the ghost image): x1, y1, x2, y2 in card pixels. Never compared. */
  ghost_faces: Array<[number, number, number, number]>;
  /** What a live capture would say about this image alone. */
  instruction: DocumentInstruction;
}

/** One camera frame's document analysis (`detectDocumentForVideo`): the portrait has no embedding. */
export interface DocumentFrame extends DocumentFinding {
  timestamp_ms: number;
  /** Glare share where the portrait should be when it was not found (0 otherwise). */
  portrait_area_glare: number;
}

/** `analyzeDocument`'s result: the portrait's FACE has its embedding. */
export interface DocumentAnalysis extends DocumentFinding {
  /** The rectified card (landscape, upright, portrait on the left) as image/jpeg; null when no card was found. */
  card: Blob | null;
  /** Its pixels (an ImageData where the platform has one). */
  cardImageData: ImageData | ImageDataLike | null;
}

export interface AnalyzeDocumentOptions {
  /** JPEG quality of `card` (0.92). */
  jpegQuality?: number | undefined;
}

export interface DocumentSessionOptions {
  /** Every check must pass this long before the capture (800). */
  holdMs?: number;
  /** The attempt ends as 'timeout' after this (30000). */
  timeoutMs?: number;
  minInstructionMs?: number;
  smoothingMs?: number;
  format?: 'auto' | DocumentFormat;
}

export type DocumentCaptureState = 'searching' | 'adjusting' | 'holding' | 'captured' | 'timeout';

export interface DocumentCaptureUpdate {
  state: DocumentCaptureState;
  instruction: DocumentInstruction;
  changed: boolean;
  keep_frame: boolean;
  hold_progress: number;
  done: boolean;
}

export interface DocumentCaptureSummary {
  state: DocumentCaptureState;
  /** The session's `format` option. */
  format: 'auto' | DocumentFormat;
  frames: number;
  duration_ms: number;
  frame_timestamp_ms?: number;
  timeline: Array<{ timestamp_ms: number; code: DocumentInstructionCode }>;
  failed_checks: Array<{ code: DocumentInstructionCode; component: string; ms: number }>;
  reason?: string;
}

export interface DocumentSession {
  update(frame: DocumentFrame): DocumentCaptureUpdate;
  summary(): DocumentCaptureSummary;
  retry(): void;
  close(): void;
}

/** The decisions of one document capture attempt (feed it each `detectDocumentForVideo` result). */
export declare function createDocumentSession(options?: DocumentSessionOptions, wasmUrl?: string | URL): Promise<DocumentSession>;

export interface DocumentCaptureOptions extends DocumentSessionOptions, CameraOptions {}

type DocumentCaptureOutcome = CaptureOutcome<DocumentCaptureSummary, DocumentInstructionCode>;

/** A document capture that succeeded. `compare(selfie, result)` compares with its portrait. */
export interface CapturedDocument extends DocumentCaptureOutcome {
  state: 'captured';
  /** The kept camera frame, as image/jpeg, camera size, not mirrored. */
  frame: Blob;
  /** The rectified card of that frame, as image/jpeg. */
  card: Blob;
  cardImageData: ImageData | ImageDataLike;
  /** analyzeDocument of exactly `frame` (the portrait's FACE with its embedding); the card is `card`. */
  analysis: DocumentFinding & { portrait: Portrait; document: DocumentQuad };
  width: number;
  height: number;
  timestampMs: number;
  summary: DocumentCaptureSummary;
}

export interface DocumentCaptureTimeout extends DocumentCaptureOutcome {
  state: 'timeout';
  reason: string;
  summary: DocumentCaptureSummary;
}

export interface DocumentCaptureStopped extends DocumentCaptureOutcome {
  state: 'stopped';
  reason: string;
}

export type DocumentCaptureResult = CapturedDocument | DocumentCaptureTimeout | DocumentCaptureStopped;

export interface DocumentCaptureInstructionEvent extends DocumentInstruction {
  state: DocumentCaptureState;
  timestampMs: number;
}

export interface DocumentCaptureFrameEvent extends Omit<CaptureFrameEvent, 'method' | 'faces' | 'state' | 'instruction'> {
  /** The analysed frame's size (`corners` are in its pixels). */
  width: number;
  height: number;
  /** The card found in this frame (its format and corners), or null. */
  document: DocumentFormat | null;
  corners: Quad | null;
  /** Whether its portrait was found. */
  portrait: boolean;
  state: DocumentCaptureState;
  instruction: DocumentInstructionCode;
}

export interface DocumentCaptureEvents {
  instruction: DocumentCaptureInstructionEvent;
  state: { state: DocumentCaptureState; previous: DocumentCaptureState | null; timestampMs: number };
  frame: DocumentCaptureFrameEvent;
  error: LikenessError;
}

/** `startDocumentCapture`'s controller. */
export interface DocumentCapture extends CaptureController<DocumentCaptureResult, DocumentCaptureState, DocumentCaptureEvents> {}
