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
  constructor(code: LikenessErrorCode, message: string);
  readonly name: 'LikenessError';
  readonly code: LikenessErrorCode;
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

/** The seed 004 scan record, exactly as the CLI's `compare` prints it. */
export interface ScanRecord {
  channel: string;
  compare_result: 'Same person' | 'Different person';
  compare_similarity: number;
  /** ISO 8601, UTC. */
  created: string;
  /** The selfie's largest face. */
  face1: Face;
  /** The document's largest face. */
  face2: Face;
  /** UUID v4 made on the device (the backend's idempotency key). */
  id: string;
  reference: string | null;
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
  /** Where `core/likeness_bg.wasm` is served. Default: next to `core/likeness.js`. */
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

export type ThresholdPreset = 'strict' | 'medium' | 'low';

export interface CompareOptions {
  /** A preset or a cosine value in [-1, 1]. Default 'medium'. */
  threshold?: ThresholdPreset | number | undefined;
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
   * The scan record of the largest face of each image; rejects with NO_FACE when either has none.
   * A captured selfie (`startSelfieCapture`'s result) stands for its JPEG.
   */
  compare(selfie: ImageSource | CapturedSelfie, documentPhoto: ImageSource, options?: CompareOptions): Promise<ScanRecord>;
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
export interface Likeness extends LikenessApi {}

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
  /** Where core/likeness_bg.wasm is served (worker variant only, when not next to index.js). */
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

export interface SelfieCaptureOptions extends CaptureSessionOptions {
  /** detectForVideo's options for each frame. */
  tracking?: boolean;
  redetectEvery?: number;
  detProbThreshold?: number;
  /** Which camera when Likeness opens it: 'user' (default) or 'environment', or a deviceId. */
  facingMode?: 'user' | 'environment';
  deviceId?: string;
  /** Ideal camera size (1280x720) and the lowest frame rate accepted (15). */
  width?: number;
  height?: number;
  minFrameRate?: number;
  /** Frames are analysed at most this wide (640); the captured image keeps the camera's size. */
  maxFrameWidth?: number;
  /** JPEG quality of the captured image (0.92). */
  jpegQuality?: number;
  /** stop() also stops the camera tracks (true), and hiding the page stops the capture (true). */
  stopTracks?: boolean;
  stopOnHide?: boolean;
}

interface CaptureOutcome {
  summary: CaptureSummary | null;
  timeline: Array<{ timestamp_ms: number; code: InstructionCode }>;
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

/** `startSelfieCapture`'s controller. */
export interface SelfieCapture {
  /** The current attempt's outcome (a new promise after `retry()`); rejects with CAMERA_* codes. */
  readonly result: Promise<SelfieCaptureResult>;
  /** The camera is open and frames flow. */
  readonly ready: Promise<{ width: number; height: number; label: string }>;
  readonly state: CaptureState;
  readonly video: HTMLVideoElement | null;
  readonly stream: MediaStream | null;
  /** Ends the capture and stops the camera; `result` resolves as 'stopped'. */
  stop(): void;
  /** A new attempt on the same camera (throws CLOSED after stop()). */
  retry(): void;
  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof SelfieCaptureEvents>(event: K, callback: (detail: SelfieCaptureEvents[K]) => void): () => void;
}
