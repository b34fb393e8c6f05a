// The demo page: a selfie and an ID-document photo in, faces drawn, quality checks, verdict and
// scan record out. It uses only the public package API, exactly as an app would; it must never
// reach into the package's internals, and no image ever leaves the page.
import { Likeness } from '/pkg/index.js';
import '/pkg/selfie-capture.js'; // registers <likeness-selfie-capture>
import '/pkg/document-capture.js'; // registers <likeness-document-capture>

// The quality checks as the README's "Quality checks" table states them (src/constants.rs).
// The SDK decides pass/fail (face.quality_checks); these only say what was measured against what.
const CHECKS = [
  { name: 'too_small', label: 'Face size', fails: ['too_small'],
    measured: (f) => `eye distance ${fmt(f.eye_dist, 1)} px`, rule: 'eye distance ≥ 40 px' },
  { name: 'brightness', label: 'Brightness', fails: ['too_dark', 'too_bright'],
    measured: (f) => `luminance ${fmt(f.face_luminance, 0)}`, rule: '70 ≤ luminance ≤ 200' },
  { name: 'blurred', label: 'Sharpness', fails: ['blurred'],
    measured: (f) => `sharpness ${fmt(f.sharpness, 0)}`, rule: 'sharpness ≥ 40' },
  { name: 'eyes_closed', label: 'Eyes open', fails: ['eyes_closed'],
    measured: (f) => `left ${fmt(f.left_eye_closed, 2)}, right ${fmt(f.right_eye_closed, 2)} closed`,
    rule: 'each eye ≤ 0.5 closed' },
  { name: 'mouth_open', label: 'Mouth closed', fails: ['mouth_open'],
    measured: (f) => `opened ${fmt(f.mouth_opened, 2)}`, rule: 'opened ≤ 0.5' },
  { name: 'off_pose', label: 'Head pose', fails: ['off_pose'],
    measured: (f) => `yaw ${fmt(f.yaw, 1)}°, pitch ${fmt(f.pitch, 1)}°, roll ${fmt(f.roll, 1)}°`,
    rule: '|yaw| ≤ 20°, |pitch| ≤ 20°, |roll| ≤ 15°' },
  { name: 'occluded', label: 'Not covered', fails: ['occluded'],
    measured: (f) => `occlusion ${fmt(f.face_occlusion, 3)}`, rule: 'occlusion ≤ 0.35' },
];

// The matching presets (README "Matching"), shown beside the similarity.

// What the user can do about each error code (docs/errors.md).
const HINTS = {
  INVALID_ARGUMENT: 'The SDK was called with a bad argument.',
  IMAGE_DECODE_FAILED: 'The file is damaged or truncated: choose another photo.',
  IMAGE_TOO_LARGE: 'The photo is too large (at most 8192 × 8192, 40 megapixels, 32 MiB): use a smaller one.',
  UNSUPPORTED_FORMAT: 'Use a JPEG, PNG, WebP, BMP, GIF or TIFF photo.',
  NO_FACE: 'No face was found: use a photo where the face is clearly visible.',
  MODEL_INVALID: 'The face models could not be loaded or verified: reload the page.',
  INTERNAL: 'Something went wrong inside the SDK; please report it with the photo.',
};

// The 68 iBUG landmarks as contours: [first, last, closed].
const CONTOURS = [[0, 16, false], [17, 21, false], [22, 26, false], [27, 30, false], [31, 35, false],
  [36, 41, true], [42, 47, true], [48, 59, true], [60, 67, true]];

const SIDES = ['selfie', 'document'];
const $ = (id) => document.getElementById(id);
const fmt = (v, digits) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');

// Per side: the chosen file, and whether its analysis succeeded or failed. `generation`
// discards the result of a comparison that a newer choice or option has overtaken.
// `capture`: the camera capture's result the file came from (compare() takes it as is).
const state = { selfie: { file: null, ok: false, failed: false }, document: { file: null, capture: null, ok: false, failed: false } };
let generation = 0;

const sdkReady = loadSdk();

async function loadSdk() {
  const progress = $('model-progress');
  const status = $('model-status');
  const started = performance.now();
  let bytes = 0;
  try {
    // `?worker` runs the same API with the core in a Web Worker (the page never blocks).
    const create = new URLSearchParams(location.search).has('worker') ? Likeness.createWorker : Likeness.create;
    const sdk = await create.call(Likeness, {
      onProgress: (loaded, total) => {
        bytes = total || loaded;
        if (total > 0) {
          progress.max = total;
          progress.value = Math.min(loaded, total);
          status.textContent = `Loading the face models… ${mb(loaded)} of ${mb(total)} MB`;
        } else {
          progress.removeAttribute('value'); // indeterminate
          status.textContent = `Loading the face models… ${mb(loaded)} MB`;
        }
      },
    });
    progress.max = 1;
    progress.value = 1;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    status.textContent = bytes > 0 ? `Models ready (${mb(bytes)} MB, ${seconds} s).` : `Models ready (${seconds} s).`;
    document.body.dataset.sdk = 'ready';
    $('samples').hidden = false;
    $('selfie-camera').disabled = false;
    $('document-camera').disabled = false;
    addEventListener('pagehide', () => sdk.close());
    return sdk;
  } catch (error) {
    progress.max = 1;
    progress.value = 0;
    status.textContent = 'The face models could not be loaded.';
    document.body.dataset.sdk = 'failed';
    showError($('error'), error);
    throw error;
  }
}

function mb(bytes) {
  return (bytes / 1e6).toFixed(1);
}

// ---- choosing photos ----------------------------------------------------------------------

for (const side of SIDES) {
  const input = $(`${side}-input`);
  input.addEventListener('change', () => {
    if (input.files.length) choose(side, input.files[0]);
  });
  const panel = $(`${side}-panel`);
  panel.addEventListener('dragover', (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    panel.classList.add('dragging');
  });
  panel.addEventListener('dragleave', (event) => {
    if (!panel.contains(event.relatedTarget)) panel.classList.remove('dragging');
  });
  panel.addEventListener('drop', (event) => {
    event.preventDefault();
    panel.classList.remove('dragging');
    const file = event.dataTransfer.files[0];
    if (file) choose(side, file);
  });
}
$('threshold').addEventListener('change', () => compareIfReady());
$('reference').addEventListener('change', () => compareIfReady());
$('compare-options').addEventListener('submit', (event) => {
  event.preventDefault();
  compareIfReady();
});
$('sample-same').addEventListener('click', () => loadSamples('obama_640x480.png', 'obama2.png'));
$('sample-different').addEventListener('click', () => loadSamples('obama_640x480.png', 'biden.png'));

// The photos the repository's tests use; served beside the page by `npm start`.
async function loadSamples(selfie, doc) {
  generation++; // a comparison still running belongs to the photos being replaced
  resetVerdict('Loading the bundled photos…');
  try {
    const [a, b] = await Promise.all([selfie, doc].map(async (name) => {
      const response = await fetch(`/tests/fixtures/golden/${name}`);
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
      return new File([await response.blob()], name, { type: 'image/png' });
    }));
    choose('selfie', a);
    choose('document', b);
  } catch (error) {
    showError($('error'), error);
  }
}

async function choose(side, file, capture = null) {
  generation++;
  state[side] = { file, capture, ok: false, failed: false };
  if (side === 'document') $('document-card').hidden = true;
  $(`${side}-file`).textContent = `${file.name} (${Math.round(file.size / 1024)} KB)`;
  $(`${side}-error`).hidden = true;
  $('error').hidden = true;
  $(`${side}-faces`).replaceChildren();
  $(`${side}-summary`).textContent = 'Analysing…';
  resetVerdict(SIDES.some((s) => state[s].failed) ? 'No verdict: fix the photo above.'
    : state.selfie.file && state.document.file ? 'Waiting for both photos…' : 'Choose both photos to compare them.');

  let sdk;
  try {
    sdk = await sdkReady;
  } catch {
    $(`${side}-summary`).textContent = '';
    return; // the model error is already shown
  }
  try {
    // The file itself goes to the SDK: it decodes it (EXIF orientation applied) and reports
    // a damaged or unsupported file with its error code.
    const result = await sdk.analyze(file, { limit: 10, embedding: false });
    if (state[side].file !== file) return;
    const bitmap = await createImageBitmap(file).catch(() => null);
    if (state[side].file !== file) return;
    state[side].ok = true;
    drawFaces($(`${side}-canvas`), bitmap, result, side);
    renderFaces($(`${side}-faces`), result.faces);
    const n = result.faces.length;
    $(`${side}-summary`).textContent =
      `${result.width} × ${result.height} px · ${n === 0 ? 'no face found' : n === 1 ? '1 face' : `${n} faces`}` +
      (n > 1 && side === 'selfie' ? ' · the largest is compared' : '');
    if (side === 'document') await showDocument(sdk, file, capture);
    if (state[side].file !== file) return;
  } catch (error) {
    if (state[side].file !== file) return;
    state[side].failed = true;
    clearCanvas($(`${side}-canvas`), side);
    $(`${side}-summary`).textContent = '';
    showError($(`${side}-error`), error);
    showError($('error'), error, side === 'selfie' ? 'Selfie' : 'ID document');
    setVerdict('error', 'No verdict: fix the photo above.');
    return;
  }
  compareIfReady();
}

// ---- the live captures -----------------------------------------------------------------------
// <likeness-selfie-capture> and <likeness-document-capture> in a dialog; the captured JPEG
// becomes the photo, exactly as a chosen file would (the same analysis, drawing and comparison).

$('selfie-camera').addEventListener('click', () => startCameraStep({
  tag: 'likeness-selfie-capture',
  dialog: $('camera-dialog'),
  info: $('selfie-capture-info'),
  configure: (element) => {
    if ($('selfie-liveness').checked) element.setAttribute('active-liveness', '');
  },
  captured: (result) => {
    const liveness = result.liveness
      ? ` · liveness challenge ${result.liveness.passed ? 'passed' : 'failed'} (${result.liveness.steps.map((s) => s.kind).join(', ')})`
      : '';
    choose('selfie', new File([result.image], 'camera-selfie.jpg', { type: 'image/jpeg' }));
    return `${captureStats(result)}${liveness}.`;
  },
}));

$('document-camera').addEventListener('click', () => startCameraStep({
  tag: 'likeness-document-capture',
  dialog: $('document-dialog'),
  info: $('document-capture-info'),
  configure: () => {},
  captured: (result) => {
    // The capture result itself goes to compare() (it means document mode); the kept frame is
    // shown and analysed like an uploaded photo.
    choose('document', new File([result.frame], 'camera-document.jpg', { type: 'image/jpeg' }), result);
    return `${captureStats(result)}.`;
  },
}));

function captureStats(result) {
  const seconds = (result.summary.duration_ms / 1000).toFixed(1);
  return `Captured from the camera in ${seconds} s (${result.framesProcessed} frames analysed, ${result.fps.toFixed(0)} fps)`;
}

/** Opens `dialog` with a new capture element; its result goes to `captured` (which says what happened). */
async function startCameraStep({ tag, dialog, info, configure, captured }) {
  const sdk = await sdkReady;
  const element = document.createElement(tag);
  element.id = tag.replace('likeness-', '');
  element.dataset.testid = element.id;
  configure(element);
  element.addEventListener('capture', (event) => {
    info.textContent = captured(event.detail);
    info.dataset.state = 'captured';
    dialog.close();
  });
  element.addEventListener('error', (event) => {
    info.textContent = `Camera: ${event.detail.code} ${event.detail.message}`;
    info.dataset.state = 'error';
  });
  dialog.querySelector('[id$="-slot"]').replaceChildren(element);
  dialog.showModal();
  element.sdk = sdk; // starts the camera
}

// Closing a dialog (Cancel, Escape) stops the camera: the element stops when it is removed.
for (const [dialog, close] of [['camera-dialog', 'camera-close'], ['document-dialog', 'document-close']]) {
  $(close).addEventListener('click', () => $(dialog).close());
  $(dialog).addEventListener('close', () => $(dialog).querySelector('[id$="-slot"]').replaceChildren());
}

// ---- the ID document ------------------------------------------------------------------------
// The card as the SDK found it: rectified, its portrait boxed (the face that is compared), any
// ghost image dashed (never compared), and the format and the portrait's quality.

async function showDocument(sdk, file, capture) {
  const doc = capture ? { ...capture.analysis, card: capture.card } : await sdk.analyzeDocument(file);
  if (state.document.file !== file) return;
  const view = $('document-card');
  const caption = $('document-card-summary');
  view.querySelectorAll('.ghost-box').forEach((e) => e.remove());
  if (!doc.card || !doc.document) {
    view.hidden = true;
    $('document-summary').textContent += ' · no ID card found: its largest face is compared';
    return;
  }
  const img = $('document-card-image');
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(doc.card);
  await img.decode().catch(() => {});
  if (state.document.file !== file) return;
  const [w, h] = [img.naturalWidth, img.naturalHeight];
  const place = (element, [x1, y1, x2, y2]) => Object.assign(element.style, {
    left: `${(100 * x1) / w}%`, top: `${(100 * y1) / h}%`, width: `${(100 * (x2 - x1)) / w}%`, height: `${(100 * (y2 - y1)) / h}%`,
  });
  const box = $('document-portrait-box');
  box.hidden = !doc.portrait;
  if (doc.portrait) place(box, doc.portrait.box_in_card);
  for (const ghost of doc.ghost_faces ?? []) {
    const g = document.createElement('span');
    g.className = 'ghost-box';
    g.title = 'ghost image (not compared)';
    place(g, ghost);
    box.after(g);
  }
  view.dataset.format = doc.document.format;
  const p = doc.portrait;
  caption.textContent = `${doc.document.format} ${doc.document.format === 'ID-3' ? 'passport page' : 'card'}, rectified to ${w} × ${h} px · ` +
    (p ? `portrait: ${fmt(p.eye_dist_frame, 0)} px between the eyes in the photo, ${p.print} print, glare ${fmt(100 * p.glare, 0)} %, sharpness ${fmt(p.sharpness, 0)}`
      : 'no portrait found on the card') +
    (doc.ghost_faces?.length ? ` · ghost image dashed (not compared)` : '');
  img.alt = `The ${doc.document.format} document, rectified${p ? ', its portrait boxed' : ''}`;
  view.hidden = false;
}

// ---- comparing ------------------------------------------------------------------------------

async function compareIfReady() {
  if (!state.selfie.ok || !state.document.ok) return;
  const mine = ++generation;
  const sdk = await sdkReady;
  const threshold = $('threshold').value;
  const reference = $('reference').value.trim() || undefined;
  setVerdict('busy', 'Comparing…');
  $('error').hidden = true;
  try {
    const scan = await sdk.compare(state.selfie.file, state.document.capture ?? state.document.file, { threshold, reference, channel: 'WEB' });
    if (mine !== generation) return;
    showScan(scan, threshold);
  } catch (error) {
    if (mine !== generation) return;
    setVerdict('error', 'No verdict.');
    showError($('error'), error);
  }
}

function showScan(scan, threshold) {
  const same = scan.compare_result === 'Same person';
  setVerdict('done', scan.compare_result);
  $('verdict').dataset.result = same ? 'same' : 'different';
  // The record says what decided: the preset's threshold raised for small faces, and the
  // false-accept rate the preset is defined by.
  const t = scan.compare_threshold;
  const far = scan.compare_nominal_far === null ? '' : `, false-accept rate ${scan.compare_nominal_far.toExponential(0)}`;
  $('similarity').textContent = fmt(scan.compare_similarity, 3);
  $('similarity-threshold').textContent = `(${scan.compare_preset ?? threshold} threshold ${t.toFixed(3)}${far}: ${same ? 'at or above' : 'below'})`;
  showMode(scan);
  const bar = $('similarity-bar');
  bar.style.setProperty('--value', Math.max(0, Math.min(1, scan.compare_similarity)));
  bar.style.setProperty('--threshold', t);
  bar.dataset.result = same ? 'same' : 'different';
  const json = JSON.stringify(scan, null, 2);
  $('scan-record').textContent = json;
  const link = $('download-record');
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([json + '\n'], { type: 'application/json' }));
  link.download = `scan-${scan.id}.json`;
  link.hidden = false;
}

// Which presets decided (selfie or document mode) and the error rates measured for the preset.
function showMode(scan) {
  const mode = scan.compare_mode ?? 'selfie';
  const rate = (v) => (typeof v === 'number' ? `${(100 * v).toPrecision(2)} %` : 'not measured');
  const line = $('compare-mode');
  line.dataset.mode = mode;
  line.textContent = `Mode: ${mode}${mode === 'document' ? ' (selfie against the ID document\'s portrait)' : ''} · ` +
    (scan.compare_preset
      ? `measured for the ${scan.compare_preset} preset: false accepts ${rate(scan.compare_measured_far)}, false rejects ${rate(scan.compare_measured_frr)}`
      : 'explicit threshold: no measured rates');
}

function setVerdict(stateName, text) {
  const verdict = $('verdict');
  verdict.dataset.state = stateName;
  delete verdict.dataset.result;
  verdict.textContent = text;
  if (stateName !== 'done') {
    $('compare-mode').textContent = '';
    delete $('compare-mode').dataset.mode;
    $('similarity').textContent = '—';
    $('similarity-threshold').textContent = '';
    $('similarity-bar').removeAttribute('data-result');
    $('similarity-bar').style.setProperty('--value', 0);
  }
}

function resetVerdict(text) {
  setVerdict('idle', text);
  $('scan-record').textContent = '{}';
  $('download-record').hidden = true;
}

// ---- errors ---------------------------------------------------------------------------------

function showError(element, error, where) {
  const code = error?.code ?? 'ERROR';
  element.replaceChildren();
  const codeElement = document.createElement('code');
  codeElement.textContent = code;
  element.append(...(where ? [`${where}: `] : []), codeElement, ` ${error?.message ?? String(error)}`);
  if (HINTS[code]) {
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.textContent = HINTS[code];
    element.append(hint);
  }
  element.dataset.code = code;
  element.hidden = false;
}

// ---- drawing --------------------------------------------------------------------------------

function clearCanvas(canvas, side) {
  canvas.width = 0;
  canvas.height = 0;
  canvas.setAttribute('aria-label', `No ${side === 'selfie' ? 'selfie' : 'document photo'} shown`);
}

function passes(face) {
  return (face.quality_checks ?? []).length === 0;
}

// The photo at its own size with each face's box, number, score and 68 landmarks.
function drawFaces(canvas, bitmap, result, side) {
  const { width, height, faces } = result;
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (bitmap) {
    // The SDK and the browser both apply EXIF orientation; scale in case they ever disagree.
    ctx.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
  } else {
    ctx.fillStyle = '#e6e8ec';
    ctx.fillRect(0, 0, width, height);
  }
  // Strokes and labels keep the same size on screen however much the photo is scaled down.
  const shown = canvas.getBoundingClientRect().width;
  const px = shown > 0 ? Math.max(1, width / shown) : Math.max(1, Math.min(width, height) / 400);
  const unit = 2 * px;
  faces.forEach((face, i) => {
    const colour = passes(face) ? '#19a974' : '#f2a30f';
    ctx.lineWidth = unit;
    ctx.strokeStyle = colour;
    ctx.strokeRect(face.x1, face.y1, face.x2 - face.x1, face.y2 - face.y1);

    const points = face.landmark_68 ?? [];
    ctx.lineWidth = px;
    ctx.strokeStyle = 'rgba(0, 229, 255, 0.75)';
    for (const [first, last, closed] of CONTOURS) {
      if (points.length <= last) continue;
      ctx.beginPath();
      ctx.moveTo(points[first].x, points[first].y);
      for (let k = first + 1; k <= last; k++) ctx.lineTo(points[k].x, points[k].y);
      if (closed) ctx.closePath();
      ctx.stroke();
    }
    // Dots sized to the face, so a small face's landmarks stay apart.
    const dot = Math.max(px * 0.8, Math.min(unit, (face.x2 - face.x1) / 90));
    ctx.fillStyle = '#00e5ff';
    for (const p of points) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, dot, 0, 2 * Math.PI);
      ctx.fill();
    }

    const label = `${i + 1} · ${fmt(face.score, 2)}`;
    const size = Math.round(px * 12);
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    const w = ctx.measureText(label).width + size * 0.6;
    const y = Math.max(0, face.y1 - size * 1.3);
    ctx.fillStyle = colour;
    ctx.fillRect(face.x1 - unit / 2, y, w, size * 1.3);
    ctx.fillStyle = '#10131a';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, face.x1 + size * 0.3, y + size * 0.65);
  });
  const what = side === 'selfie' ? 'Selfie' : 'ID document photo';
  canvas.setAttribute('aria-label',
    `${what}, ${faces.length} face${faces.length === 1 ? '' : 's'} detected, boxes and landmarks drawn`);
}

// One card per face: its quality and each check with the measured value and the rule.
function renderFaces(container, faces) {
  if (faces.length === 0) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'No face found in this photo.';
    container.replaceChildren(p);
    return;
  }
  container.replaceChildren(...faces.map((face, i) => {
    const failed = new Set(face.quality_checks ?? []);
    const card = document.createElement('article');
    card.className = 'face';
    card.dataset.testid = 'face';
    card.dataset.quality = String(face.face_quality);

    const heading = document.createElement('h3');
    const passed = CHECKS.filter((c) => !c.fails.some((n) => failed.has(n))).length;
    heading.textContent = `Face ${i + 1}`;
    const badge = document.createElement('span');
    badge.className = `badge ${passed === CHECKS.length ? 'ok' : 'warn'}`;
    badge.textContent = `quality ${passed}/${CHECKS.length}`;
    heading.append(' ', badge);
    const meta = document.createElement('p');
    meta.className = 'muted';
    meta.textContent = `score ${fmt(face.score, 3)} · box ${fmt(face.x1, 0)}, ${fmt(face.y1, 0)} → ` +
      `${fmt(face.x2, 0)}, ${fmt(face.y2, 0)}` + (face.liveness !== undefined ? ` · liveness ${fmt(face.liveness, 2)}` : '');

    const table = document.createElement('table');
    table.className = 'checks';
    const caption = document.createElement('caption');
    caption.className = 'visually-hidden';
    caption.textContent = `Quality checks of face ${i + 1}`;
    const head = document.createElement('thead');
    head.innerHTML = '<tr><th scope="col">Check</th><th scope="col">Measured</th><th scope="col">Passes when</th><th scope="col">Result</th></tr>';
    const body = document.createElement('tbody');
    for (const check of CHECKS) {
      const failedAs = check.fails.find((n) => failed.has(n));
      const row = document.createElement('tr');
      row.dataset.check = check.name;
      row.dataset.passed = String(!failedAs);
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = check.label;
      const measured = document.createElement('td');
      measured.textContent = check.measured(face);
      const rule = document.createElement('td');
      rule.textContent = check.rule;
      const verdict = document.createElement('td');
      verdict.className = failedAs ? 'fail' : 'pass';
      verdict.textContent = failedAs ? `✗ failed (${failedAs})` : '✓ passed';
      row.append(name, measured, rule, verdict);
      body.append(row);
    }
    table.append(caption, head, body);
    card.append(heading, meta, table);
    return card;
  }));
}
