// <likeness-selfie-capture>: the live selfie capture as a framework-free custom element
// (source: js/selfie-capture.js; `import 'likeness/selfie-capture'` registers it).
//
//   <likeness-selfie-capture profile="selfie" hold-ms="1000" timeout-ms="30000" active-liveness lang="de">
//   </likeness-selfie-capture>
//   el.sdk = await Likeness.create();            // starts the camera once connected (unless `manual`)
//   el.addEventListener('capture', (e) => e.detail /* the capture result: face, image (JPEG Blob) */);
//   el.addEventListener('instruction', (e) => e.detail /* { code, text, ... } */);
//   el.addEventListener('error', (e) => e.detail /* LikenessError, code CAMERA_* ... */);
//   el.strings = { OPEN_EYES: 'Eyes open, please' }; // any string replaced
//
// Shadow DOM: the mirrored preview (`playsinline autoplay muted`), an oval that fits portrait
// and landscape boxes from 320 px wide, one instruction at a time in an aria-live region,
// a progress bar while holding, a retry button after a timeout. No flashing: colours change
// without animation (and transitions are off under prefers-reduced-motion).

/** Every string the element shows, by language; `el.strings` overrides any of them. */
export const STRINGS = Object.freeze({
  en: Object.freeze({
    FACE_NOT_FOUND: 'Look into the camera',
    MULTIPLE_FACES: 'Only one person, please',
    MOVE_BACK: 'Move back a little',
    MOVE_CLOSER: 'Move closer',
    CENTER_FACE: 'Put your face in the oval',
    TOO_DARK: 'More light, please',
    TOO_BRIGHT: 'Too bright: avoid direct light',
    UNEVEN_LIGHT: 'Face the light evenly',
    REMOVE_OCCLUSION: 'Uncover your face',
    TURN_LEFT: 'Turn your head a little to your left',
    TURN_RIGHT: 'Turn your head a little to your right',
    TILT_UP: 'Lift your chin a little',
    TILT_DOWN: 'Lower your chin a little',
    STRAIGHTEN_HEAD: 'Hold your head straight',
    OPEN_EYES: 'Keep your eyes open',
    CLOSE_MOUTH: 'Close your mouth',
    TOO_BLURRY: 'Hold still: the picture is blurry',
    HOLD_STILL: 'Hold still',
    OK: 'Hold still…',
    BLINK: 'Blink',
    TURN_HEAD_LEFT: 'Turn your head to your left, then back',
    TURN_HEAD_RIGHT: 'Turn your head to your right, then back',
    OPEN_MOUTH: 'Open your mouth, then close it',
    starting: 'Starting the camera…',
    captured: 'Done',
    timeout: 'No photo was taken. Most of the time: {hint}',
    retry: 'Try again',
    CAMERA_DENIED: 'Camera access was denied. Allow the camera for this site, then try again.',
    CAMERA_NOT_FOUND: 'No camera was found.',
    CAMERA_IN_USE: 'The camera is in use by another application.',
    CAMERA_INSECURE_CONTEXT: 'The camera works only on a secure (https) page.',
    CAMERA_OVERCONSTRAINED: 'This camera cannot deliver the picture needed.',
    error: 'Something went wrong: {message}',
    label: 'Selfie camera',
  }),
  de: Object.freeze({
    FACE_NOT_FOUND: 'Bitte in die Kamera schauen',
    MULTIPLE_FACES: 'Bitte nur eine Person',
    MOVE_BACK: 'Etwas weiter weg',
    MOVE_CLOSER: 'Näher kommen',
    CENTER_FACE: 'Gesicht in das Oval bringen',
    TOO_DARK: 'Bitte mehr Licht',
    TOO_BRIGHT: 'Zu hell: direktes Licht vermeiden',
    UNEVEN_LIGHT: 'Gleichmäßig zum Licht drehen',
    REMOVE_OCCLUSION: 'Gesicht nicht verdecken',
    TURN_LEFT: 'Kopf etwas nach links drehen',
    TURN_RIGHT: 'Kopf etwas nach rechts drehen',
    TILT_UP: 'Kinn etwas heben',
    TILT_DOWN: 'Kinn etwas senken',
    STRAIGHTEN_HEAD: 'Kopf gerade halten',
    OPEN_EYES: 'Augen offen lassen',
    CLOSE_MOUTH: 'Mund schließen',
    TOO_BLURRY: 'Stillhalten: das Bild ist unscharf',
    HOLD_STILL: 'Stillhalten',
    OK: 'Stillhalten…',
    BLINK: 'Blinzeln',
    TURN_HEAD_LEFT: 'Kopf nach links drehen, dann zurück',
    TURN_HEAD_RIGHT: 'Kopf nach rechts drehen, dann zurück',
    OPEN_MOUTH: 'Mund öffnen, dann schließen',
    starting: 'Kamera wird gestartet…',
    captured: 'Fertig',
    timeout: 'Kein Foto aufgenommen. Meistens: {hint}',
    retry: 'Noch einmal',
    CAMERA_DENIED: 'Der Kamerazugriff wurde verweigert. Bitte die Kamera für diese Seite erlauben und erneut versuchen.',
    CAMERA_NOT_FOUND: 'Keine Kamera gefunden.',
    CAMERA_IN_USE: 'Die Kamera wird von einer anderen Anwendung benutzt.',
    CAMERA_INSECURE_CONTEXT: 'Die Kamera funktioniert nur auf einer sicheren (https-)Seite.',
    CAMERA_OVERCONSTRAINED: 'Diese Kamera liefert nicht das nötige Bild.',
    error: 'Ein Fehler ist aufgetreten: {message}',
    label: 'Selfie-Kamera',
  }),
});

const TEMPLATE = `
<style>
  :host { display: block; position: relative; width: 100%; aspect-ratio: 4 / 3; max-height: 85vh; min-width: 280px;
          overflow: hidden; background: #111; color: #fff; font: 16px/1.4 system-ui, sans-serif; border-radius: 12px; }
  @media (orientation: portrait) { :host { aspect-ratio: 3 / 4; } }
  :host([hidden]) { display: none; }
  video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; }
  video.mirrored { transform: scaleX(-1); }
  .oval { position: absolute; left: 50%; top: 45%; height: 70%; aspect-ratio: 3 / 4; max-width: 84%;
          transform: translate(-50%, -50%); border-radius: 50%; box-shadow: 0 0 0 200vmax rgba(0, 0, 0, 0.5); }
  .oval svg { position: absolute; inset: -4px; width: calc(100% + 8px); height: calc(100% + 8px); overflow: visible; }
  .oval ellipse { fill: none; stroke-width: 4; vector-effect: non-scaling-stroke; }
  .track { stroke: rgba(255, 255, 255, 0.7); }
  :host([data-state="holding"]) .track, :host([data-state="challenge"]) .track, :host([data-state="captured"]) .track { stroke: #4ade80; }
  .progress { height: 6px; margin: 8px auto 0; max-width: 240px; border-radius: 3px; background: rgba(255, 255, 255, 0.25); overflow: hidden; }
  .progress span { display: block; height: 100%; width: 0; background: #4ade80; transition: width 120ms linear; }
  .panel { position: absolute; left: 0; right: 0; bottom: 0; padding: 12px 16px 16px; text-align: center;
           background: linear-gradient(transparent, rgba(0, 0, 0, 0.75)); }
  .hint { margin: 0; font-size: clamp(16px, 4.5vw, 22px); font-weight: 600; min-height: 1.4em; }
  button { margin-top: 10px; font: inherit; padding: 10px 22px; border-radius: 999px; border: 0; background: #fff; color: #111; cursor: pointer; }
  button[hidden] { display: none; }
  @media (prefers-reduced-motion: reduce) { .progress span { transition: none; } }
</style>
<video part="video" class="mirrored" playsinline autoplay muted></video>
<div class="oval" part="oval" aria-hidden="true">
  <svg viewBox="0 0 100 100" preserveAspectRatio="none">
    <ellipse class="track" cx="50" cy="50" rx="50" ry="50"></ellipse>
  </svg>
</div>
<div class="panel" part="panel">
  <p class="hint" part="instruction" role="status" aria-live="polite" aria-atomic="true"></p>
  <div class="progress" part="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><span></span></div>
  <button type="button" part="retry" hidden></button>
</div>`;


export class LikenessSelfieCapture extends HTMLElement {
  static get observedAttributes() {
    return ['lang', 'no-mirror'];
  }

  #sdk = null;
  #strings = {};
  #capture = null;
  #code = null;
  #els;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = TEMPLATE;
    this.#els = {
      video: root.querySelector('video'),
      hint: root.querySelector('.hint'),
      progress: root.querySelector('.progress'),
      bar: root.querySelector('.progress span'),
      retry: root.querySelector('button'),
    };
    this.#els.retry.addEventListener('click', () => this.retry());
  }

  /** The Likeness (or LikenessWorker) instance that analyses the frames. */
  get sdk() {
    return this.#sdk;
  }

  set sdk(value) {
    this.#sdk = value;
    if (this.isConnected && !this.hasAttribute('manual') && !this.#capture) this.start();
  }

  /** Replacements for any of STRINGS' entries (merged over the language's strings). */
  get strings() {
    return this.#strings;
  }

  set strings(value) {
    this.#strings = { ...(value ?? {}) };
    this.#render();
  }

  /** The running capture's controller (startSelfieCapture's), or null. */
  get capture() {
    return this.#capture;
  }

  connectedCallback() {
    this.setAttribute('role', this.getAttribute('role') ?? 'region');
    this.setAttribute('aria-label', this.#text('label'));
    this.#els.video.classList.toggle('mirrored', !this.hasAttribute('no-mirror'));
    if (this.#sdk && !this.hasAttribute('manual') && !this.#capture) this.start();
  }

  disconnectedCallback() {
    this.stop();
  }

  attributeChangedCallback(name) {
    if (name === 'no-mirror') this.#els.video.classList.toggle('mirrored', !this.hasAttribute('no-mirror'));
    this.#render();
  }

  /** Opens the camera and starts capturing; `options` are startSelfieCapture's, over the attributes'. */
  start(options) {
    if (!this.#sdk) throw new TypeError('set el.sdk = await Likeness.create() first');
    this.stop();
    this.#els.retry.hidden = true;
    this.#progress(0);
    this.#code = 'starting';
    this.#render();
    const capture = this.#sdk.startSelfieCapture(this.#els.video, { ...this.#attributeOptions(), ...(options ?? {}) });
    this.#capture = capture;
    capture.on('instruction', (ins) => {
      this.#code = ins.code;
      this.#render();
      this.#dispatch('instruction', { ...ins, text: this.#text(ins.code) });
    });
    capture.on('frame', (f) => this.#progress(f.holdProgress));
    capture.on('state', ({ state }) => {
      this.dataset.state = state;
    });
    this.#await(capture);
    return capture;
  }

  /** A new attempt after a timeout (or at any time) on the same camera. */
  retry() {
    if (!this.#capture) return this.start();
    this.#els.retry.hidden = true;
    this.#progress(0);
    this.#code = 'FACE_NOT_FOUND';
    this.#render();
    try {
      this.#capture.retry();
    } catch {
      return this.start(); // stopped (page hidden, camera lost): start afresh
    }
    this.#await(this.#capture);
    return this.#capture;
  }

  /** Stops the camera. */
  stop() {
    if (this.#capture) {
      const c = this.#capture;
      this.#capture = null;
      c.stop();
    }
  }

  async #await(capture) {
    try {
      const result = await capture.result;
      if (capture !== this.#capture) return;
      if (result.state === 'captured') {
        this.#code = 'captured';
        this.#progress(1);
        this.#render();
        this.stop();
        this.#dispatch('capture', result);
      } else if (result.state === 'timeout') {
        const top = result.summary.failed_checks[0];
        this.#code = 'timeout';
        this.#hint = top ? this.#text(top.code) : this.#text('FACE_NOT_FOUND');
        this.#render();
        this.#els.retry.hidden = false;
        this.#dispatch('timeout', result);
      }
    } catch (e) {
      if (capture !== this.#capture) return;
      this.#code = e && typeof e.code === 'string' && e.code.startsWith('CAMERA_') ? e.code : 'error';
      this.#message = e && e.message ? e.message : String(e);
      this.#render();
      this.#els.retry.hidden = false;
      this.#dispatch('error', e);
    }
  }

  #progress(share) {
    const percent = Math.round(100 * share);
    this.#els.bar.style.width = `${percent}%`;
    this.#els.progress.setAttribute('aria-valuenow', String(percent));
  }

  #hint = '';
  #message = '';

  #dispatch(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #attributeOptions() {
    const o = {};
    const num = (name) => (this.hasAttribute(name) ? Number(this.getAttribute(name)) : undefined);
    if (this.hasAttribute('profile')) o.profile = this.getAttribute('profile');
    if (num('hold-ms') !== undefined) o.holdMs = num('hold-ms');
    if (num('timeout-ms') !== undefined) o.timeoutMs = num('timeout-ms');
    if (num('step-ms') !== undefined) o.stepMs = num('step-ms');
    if (this.hasAttribute('active-liveness')) o.activeLiveness = true;
    if (this.hasAttribute('challenge-mouth')) o.challengeMouth = true;
    return o;
  }

  #language() {
    const lang = (this.getAttribute('lang') || document.documentElement.lang || navigator.language || 'en').slice(0, 2).toLowerCase();
    return STRINGS[lang] ? lang : 'en';
  }

  #text(key) {
    const s = this.#strings[key] ?? STRINGS[this.#language()][key] ?? STRINGS.en[key] ?? key;
    return s.replace('{hint}', this.#hint).replace('{message}', this.#message);
  }

  #render() {
    if (!this.#els) return;
    this.#els.hint.textContent = this.#code ? this.#text(this.#code) : '';
    this.#els.retry.textContent = this.#text('retry');
    if (this.isConnected) this.setAttribute('aria-label', this.#text('label'));
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('likeness-selfie-capture')) {
  customElements.define('likeness-selfie-capture', LikenessSelfieCapture);
}
