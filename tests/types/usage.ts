// A small app using the package API (checked by scripts/check_types.sh with `tsc -p tests/types`
// in strict mode; never run). The @ts-expect-error lines prove the declarations reject misuse.
import {
  Likeness,
  LikenessError,
  LikenessWorker,
  ERROR_CODES,
  VERSION,
  similarity,
  relaxedSimdSupported,
  openOutbox,
  OutboxError,
  OUTBOX_ERROR_CODES,
  type Outbox,
  type OutboxDeadLetter,
  type OutboxErrorCode,
  type OutboxEvent,
  type OutboxPending,
  type OutboxPostResult,
  type Analysis,
  type Face,
  type LikenessApi,
  type LikenessErrorCode,
  type ScanRecord,
  type Gallery,
  type FacePage,
  type GalleryBackup,
  type SearchHit,
  createCaptureSession,
  type VideoFrame,
  type CaptureUpdate,
  CAMERA_ERROR_CODES,
  type SelfieCaptureResult,
  type CapturedSelfie,
  type DocumentAnalysis,
  type DocumentFrame,
  type DocumentCapture,
  type DocumentCaptureResult,
  createDocumentSession,
} from 'likeness';
import { LikenessSelfieCapture, STRINGS } from 'likeness/selfie-capture';
import { LikenessDocumentCapture, STRINGS as DOCUMENT_STRINGS } from 'likeness/document-capture';

export async function live(sdk: Likeness, video: HTMLVideoElement): Promise<string> {
  const session = await createCaptureSession({ profile: 'icao', holdMs: 800 });
  const frame: VideoFrame = await sdk.detectForVideo(video, performance.now(), { tracking: true });
  const u: CaptureUpdate = session.update(frame);
  // @ts-expect-error: no such profile
  await createCaptureSession({ profile: 'passport' });
  return `${frame.method} ${u.instruction.code} ${u.state}`;
}

export async function selfieCapture(sdk: LikenessApi, documentImg: HTMLImageElement): Promise<string> {
  const capture = sdk.startSelfieCapture(null, { profile: 'selfie', activeLiveness: true, timeoutMs: 20000 });
  const off = capture.on('instruction', (i) => console.log(i.code, i.component, i.value, i.timestampMs));
  capture.on('frame', (f) => console.log(f.fps, f.framesDropped, f.holdProgress));
  capture.on('error', (e) => console.log(e.code));
  // @ts-expect-error: no such event
  capture.on('captured', () => {});
  // @ts-expect-error: options are checked
  sdk.startSelfieCapture(null, { holdMs: '1s' });
  await capture.ready;
  const r: SelfieCaptureResult = await capture.result;
  off();
  if (r.state === 'captured') {
    const scan = await sdk.compare(r, documentImg);
    console.log(r.face.sharpness, r.image.type, r.mirrored, r.liveness?.passed, scan.compare_result);
    return scan.compare_result;
  }
  if (r.state === 'timeout') {
    console.log(r.summary.failed_checks[0]?.code, r.reason);
    capture.retry();
  }
  capture.stop();
  try {
    await sdk.startSelfieCapture().result;
  } catch (e) {
    if (e instanceof LikenessError && (CAMERA_ERROR_CODES as readonly string[]).includes(e.code)) return e.code;
  }
  const el: LikenessSelfieCapture = document.createElement('likeness-selfie-capture');
  el.sdk = sdk;
  el.strings = { OPEN_EYES: STRINGS.de.OPEN_EYES };
  el.addEventListener('capture', (ev) => console.log(ev.detail.face.embedding?.length));
  el.addEventListener('instruction', (ev) => console.log(ev.detail.text));
  // @ts-expect-error: not a string key
  el.strings = { NOT_A_KEY: 'x' };
  return r.state;
}

export async function onboarding(selfieFile: File, documentImg: HTMLImageElement, video: HTMLVideoElement): Promise<string> {
  const sdk = await Likeness.create({
    modelsUrl: '/models/',
    onProgress: (loaded: number, total: number) => console.log(`${((100 * loaded) / total).toFixed(0)}%`),
    liveness: true,
  });
  const build: 'relaxed-simd' | 'simd' = sdk.simd;
  const fused: boolean = relaxedSimdSupported();
  console.log(build, fused);
  const result: Analysis = await sdk.analyze(video, { limit: 1, detProbThreshold: 0.65, embedding: true, liveness: true });
  for (const face of result.faces) {
    const f: Face = face;
    const failed: string[] = f.quality_checks;
    console.log(f.x1, f.landmark_68.length, f.landmark_5[0]?.x, f.liveness ?? 'n/a', failed.join(','));
  }
  const scan: ScanRecord = await sdk.compare(selfieFile, documentImg, { threshold: 'medium', reference: '0002', channel: 'WEB' });
  if (scan.compare_result === 'Same person') console.log(scan.compare_similarity, scan.id, scan.created);
  const v: Float32Array = await sdk.embed(selfieFile);
  const w = await sdk.embed(new Uint8Array(await selfieFile.arrayBuffer()));
  const s: number = sdk.similarity(v, w);
  console.log(s, similarity(v, Array.from(w)), VERSION);
  sdk.close();
  return scan.compare_result;
}

export async function sources(sdk: LikenessApi, canvas: HTMLCanvasElement, off: OffscreenCanvas, bitmap: ImageBitmap): Promise<number> {
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  const all = await Promise.all([
    sdk.analyze(canvas),
    sdk.analyze(off),
    sdk.analyze(bitmap),
    sdk.analyze(data),
    sdk.analyze({ width: 2, height: 1, data: new Uint8ClampedArray(8) }),
    sdk.analyze(new Blob([])),
    sdk.analyze(new ArrayBuffer(8)),
    sdk.analyze('data:image/png;base64,iVBORw0KGgo='),
    sdk.analyze(canvas, { limit: null }),
  ]);
  return all.reduce((n, r) => n + r.faces.length, 0);
}

export async function worker(): Promise<void> {
  const w: LikenessWorker = await Likeness.createWorker({ modelsUrl: new URL('/models/', location.href) });
  const api: LikenessApi = w; // the same API
  // @ts-expect-error which core runs is a property of the main-thread Likeness only
  console.log(w.simd);
  try {
    await api.embed('not base64!');
  } catch (e) {
    if (e instanceof LikenessError) {
      const code: LikenessErrorCode = e.code;
      switch (code) {
        case 'INVALID_ARGUMENT':
        case 'IMAGE_DECODE_FAILED':
        case 'IMAGE_TOO_LARGE':
        case 'UNSUPPORTED_FORMAT':
        case 'NO_FACE':
        case 'MODEL_INVALID':
        case 'INTERNAL':
        case 'NOT_FOUND':
        case 'MULTIPLE_FACES':
        case 'STORAGE_QUOTA_EXCEEDED':
        case 'STORAGE_BLOCKED':
        case 'STORAGE_VERSION':
        case 'STORAGE_FAILED':
        case 'QUALITY_TOO_LOW':
        case 'PORTRAIT_TOO_SMALL':
        case 'PORTRAIT_QUALITY_TOO_LOW':
        case 'CAMERA_DENIED':
        case 'CAMERA_NOT_FOUND':
        case 'CAMERA_IN_USE':
        case 'CAMERA_INSECURE_CONTEXT':
        case 'CAMERA_OVERCONSTRAINED':
        case 'CLOSED':
          break;
        default: {
          const never: never = code; // the union is exhaustive
          throw new Error(never);
        }
      }
    }
  }
  console.log(ERROR_CODES.length, w.closed, w.liveness);
  w.close();
}

export async function misuse(sdk: Likeness): Promise<void> {
  // @ts-expect-error: not a source
  await sdk.analyze(42);
  // @ts-expect-error: unknown option
  await sdk.analyze(new Uint8Array(), { limt: 1 });
  // @ts-expect-error: not a preset
  await sdk.compare('', '', { threshold: 'loose' });
  // @ts-expect-error: create() options are checked too
  await Likeness.create({ modelsURL: '/models/' });
  // @ts-expect-error: the constructor is private
  new Likeness();
  // @ts-expect-error: embeddings are numbers
  sdk.similarity(['a'], [1]);
  // @ts-expect-error: not a code
  const bad: LikenessErrorCode = 'NOT_A_CODE';
  console.log(bad);
}

export async function outboxUsage(sdk: Likeness, scan: ScanRecord): Promise<number> {
  const outbox: Outbox = await sdk.openOutbox({ baseUrl: 'https://kyc.example.com', token: async () => 'token' });
  const other = await openOutbox({ baseUrl: new URL('https://kyc.example.com'), token: 'static', name: 'b', maxDelayMs: 60_000 });
  const stop = outbox.onChange((e: OutboxEvent) => console.log(e.type, e.pending, e.dead, e.id));
  const r: OutboxPostResult = await outbox.post(scan, { includeEmbeddings: false });
  if (r.status === 'rejected') console.log(r.error.status, r.error.body);
  const pending: OutboxPending[] = await outbox.pending();
  const dead: OutboxDeadLetter[] = await outbox.deadLetters();
  await outbox.flush();
  stop();
  try {
    // @ts-expect-error: unknown post option
    await outbox.post(scan, { embeddings: true });
  } catch (e) {
    if (e instanceof OutboxError) {
      const code: OutboxErrorCode = e.code;
      console.log(code, OUTBOX_ERROR_CODES.includes(code));
    }
  }
  // @ts-expect-error: baseUrl is required
  await openOutbox({ token: 'x' });
  outbox.close();
  other.close();
  return pending.length + dead.length;
}

export async function galleryUsage(sdk: LikenessApi, photo: File, probe: HTMLImageElement): Promise<string | undefined> {
  const gallery: Gallery = await sdk.openGallery({ name: 'default', saveImages: true });
  const { image_id } = await gallery.addFace('alice', photo, { detProbThreshold: 0.7 });
  await gallery.addEmbedding('bob', await sdk.embed(probe));
  const page: FacePage = await gallery.listFaces({ page: 0, size: 20, subject: 'alice' });
  const { result } = await gallery.recognize(probe, { limit: 1, predictionCount: 3 });
  const best: string | undefined = result[0]?.subjects[0]?.subject;
  const verified = await gallery.verify(probe, image_id);
  const hits: SearchHit[] = (await gallery.search(probe, { topN: 5, threshold: 'strict' })).result;
  const backup: GalleryBackup = await gallery.export();
  await gallery.import(backup);
  const blob: Blob = await gallery.getFaceImage(image_id);
  console.log(page.total_elements, verified.result[0]?.similarity, hits.length, blob.size, gallery.size);
  // @ts-expect-error: topN is a number
  await gallery.search(probe, { topN: 'ten' });
  // @ts-expect-error: unknown option
  await sdk.openGallery({ nmae: 'x' });
  await gallery.close();
  return best;
}

export async function documentStep(sdk: LikenessApi, selfie: CapturedSelfie, upload: File): Promise<string> {
  const doc: DocumentAnalysis = await sdk.analyzeDocument(upload, { jpegQuality: 0.9 });
  if (doc.document && doc.portrait) {
    const [x1, y1, x2, y2] = doc.portrait.box_in_card;
    console.log(doc.document.format, doc.document.corners[0][0], doc.portrait.eye_dist_frame, doc.portrait.print, x2 - x1, y2 - y1);
    console.log(doc.card?.type, doc.cardImageData?.width, doc.portrait.embedding?.length, doc.instruction.code);
  }
  // @ts-expect-error: not an option of analyzeDocument
  await sdk.analyzeDocument(upload, { format: 'ID-1' });
  // @ts-expect-error: not a format
  await createDocumentSession({ format: 'ID-2' });
  const frame: DocumentFrame = await sdk.detectDocumentForVideo(upload, performance.now());
  const session = await createDocumentSession({ holdMs: 800, format: 'ID-1' });
  console.log(session.update(frame).instruction.code);
  const capture: DocumentCapture = sdk.startDocumentCapture(null, { facingMode: 'environment', timeoutMs: 30000 });
  capture.on('instruction', (i) => console.log(i.code === 'MOVE_CLOSER', i.timestampMs));
  capture.on('frame', (f) => console.log(f.corners?.[0], f.portrait, f.holdProgress));
  // @ts-expect-error: a selfie instruction is not a document one
  capture.on('instruction', (i) => i.code === 'OPEN_EYES');
  // @ts-expect-error: options are checked
  sdk.startDocumentCapture(null, { profile: 'icao' });
  const r: DocumentCaptureResult = await capture.result;
  if (r.state !== 'captured') return r.reason;
  console.log(r.frame.type, r.card.size, r.analysis.portrait.embedding?.length, r.summary.timeline.length);
  const scan = await sdk.compare(selfie, r, { mode: 'document', threshold: 'medium' });
  console.log(scan.compare_mode, scan.compare_nominal_far);
  const el: LikenessDocumentCapture = document.createElement('likeness-document-capture');
  el.sdk = sdk;
  el.strings = { GLARE_ON_PORTRAIT: DOCUMENT_STRINGS.de.GLARE_ON_PORTRAIT };
  el.addEventListener('capture', (ev) => console.log(ev.detail.card.size, ev.detail.analysis.document.format));
  // @ts-expect-error: a selfie string is not a document string
  el.strings = { OPEN_EYES: 'x' };
  return scan.compare_result;
}
