// What <likeness-selfie-capture> and <likeness-document-capture> share (source:
// js/capture-element.js): the Shadow DOM frame (camera preview, one instruction at a time in an
// aria-live region, a hold progress bar, a retry button), the lifecycle (start once `sdk` is set
// and the element is connected, stop when removed), the events (`capture`, `instruction`,
// `timeout`, `error`) and the strings machinery (by language, `el.strings` overrides). Each
// element brings its own overlay (an oval, a card outline), its strings and which capture it
// starts. Imported only by the two elements: it touches HTMLElement, so never from index.js
// (which also runs in a worker).

/** The strings both elements show (the camera's failures and the UI words), by language. */
export const COMMON_STRINGS = Object.freeze({
  en: Object.freeze({
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
  }),
  de: Object.freeze({
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
  }),
});

const FRAME_STYLE = `
  :host { display: block; position: relative; width: 100%; aspect-ratio: 4 / 3; max-height: 85vh; min-width: 280px;
          overflow: hidden; background: #111; color: #fff; font: 16px/1.4 system-ui, sans-serif; border-radius: 12px; }
  @media (orientation: portrait) { :host { aspect-ratio: 3 / 4; } }
  :host([hidden]) { display: none; }
  video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; }
  video.mirrored { transform: scaleX(-1); }
  .progress { height: 6px; margin: 8px auto 0; max-width: 240px; border-radius: 3px; background: rgba(255, 255, 255, 0.25); overflow: hidden; }
  .progress span { display: block; height: 100%; width: 0; background: #4ade80; transition: width 120ms linear; }
  .panel { position: absolute; left: 0; right: 0; bottom: 0; padding: 12px 16px 16px; text-align: center;
           background: linear-gradient(transparent, rgba(0, 0, 0, 0.75)); }
  .hint { margin: 0; font-size: clamp(16px, 4.5vw, 22px); font-weight: 600; min-height: 1.4em; }
  button { margin-top: 10px; font: inherit; padding: 10px 22px; border-radius: 999px; border: 0; background: #fff; color: #111; cursor: pointer; }
  button[hidden] { display: none; }
  @media (prefers-reduced-motion: reduce) { .progress span { transition: none; } }`;

const PANEL = `
<div class="panel" part="panel">
  <p class="hint" part="instruction" role="status" aria-live="polite" aria-atomic="true"></p>
  <div class="progress" part="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><span></span></div>
  <button type="button" part="retry" hidden></button>
</div>`;

/**
 * The element both captures are. `config`: `strings` (by language, complete), `style` and
 * `overlay` (the element's own CSS and markup over the video), `searching` (the code shown after
 * a retry), `mirrored(el)` (whether the preview is mirrored), `start(sdk, video, options)` (the
 * capture to start) and `attributeOptions(el)` (its options from the attributes).
 */
export class CaptureElement extends HTMLElement {
  #config;
  #sdk = null;
  #strings = {};
  #capture = null;
  #code = null;
  #hint = '';
  #message = '';
  #els;

  constructor(config) {
    super();
    this.#config = config;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${FRAME_STYLE}${config.style}</style>
<video part="video" playsinline autoplay muted></video>${config.overlay}${PANEL}`;
    this.#els = {
      video: root.querySelector('video'),
      hint: root.querySelector('.hint'),
      progress: root.querySelector('.progress'),
      bar: root.querySelector('.progress span'),
      retry: root.querySelector('button'),
    };
    this.#els.retry.addEventListener('click', () => this.retry());
    this.#mirror();
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

  /** The running capture's controller, or null. */
  get capture() {
    return this.#capture;
  }

  connectedCallback() {
    this.setAttribute('role', this.getAttribute('role') ?? 'region');
    this.setAttribute('aria-label', this.#text('label'));
    this.#mirror();
    if (this.#sdk && !this.hasAttribute('manual') && !this.#capture) this.start();
  }

  disconnectedCallback() {
    this.stop();
  }

  attributeChangedCallback() {
    this.#mirror();
    this.#render();
  }

  /** Opens the camera and starts capturing; `options` are the capture's, over the attributes'. */
  start(options) {
    if (!this.#sdk) throw new TypeError('set el.sdk = await Likeness.create() first');
    this.stop();
    this.#els.retry.hidden = true;
    this.#progress(0);
    this.#code = 'starting';
    this.#render();
    const capture = this.#config.start(this.#sdk, this.#els.video, { ...this.#config.attributeOptions(this), ...(options ?? {}) });
    this.#capture = capture;
    capture.on('instruction', (ins) => {
      this.#code = ins.code;
      this.#render();
      this.#dispatch('instruction', { ...ins, text: this.#text(ins.code) });
    });
    capture.on('frame', (f) => {
      this.#progress(f.holdProgress);
      this.frame(f);
    });
    capture.on('state', ({ state }) => {
      this.dataset.state = state;
    });
    this.#await(capture);
    return capture;
  }

  /** Each analysed frame's event (an element may draw from it; nothing by default). */
  frame() {}

  /** A new attempt after a timeout (or at any time) on the same camera. */
  retry() {
    if (!this.#capture) return this.start();
    this.#els.retry.hidden = true;
    this.#progress(0);
    this.#code = this.#config.searching;
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
        this.#hint = this.#text(top ? top.code : this.#config.searching);
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

  #mirror() {
    this.#els.video.classList.toggle('mirrored', this.#config.mirrored(this));
  }

  #progress(share) {
    const percent = Math.round(100 * share);
    this.#els.bar.style.width = `${percent}%`;
    this.#els.progress.setAttribute('aria-valuenow', String(percent));
  }

  #dispatch(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #language() {
    const strings = this.#config.strings;
    const lang = (this.getAttribute('lang') || document.documentElement.lang || navigator.language || 'en').slice(0, 2).toLowerCase();
    return strings[lang] ? lang : 'en';
  }

  #text(key) {
    const strings = this.#config.strings;
    const s = this.#strings[key] ?? strings[this.#language()][key] ?? strings.en[key] ?? key;
    return s.replace('{hint}', this.#hint).replace('{message}', this.#message);
  }

  #render() {
    if (!this.#els) return;
    this.#els.hint.textContent = this.#code ? this.#text(this.#code) : '';
    this.#els.retry.textContent = this.#text('retry');
    if (this.isConnected) this.setAttribute('aria-label', this.#text('label'));
  }
}

/** An attribute as a number, or undefined when absent. */
export function numberAttribute(el, name) {
  return el.hasAttribute(name) ? Number(el.getAttribute(name)) : undefined;
}
