// <likeness-document-capture>: the live ID-document capture as a framework-free custom element
// (source: js/document-capture.js; `import 'likeness/document-capture'` registers it).
//
//   <likeness-document-capture hold-ms="800" timeout-ms="30000" format="auto" lang="de">
//   </likeness-document-capture>
//   el.sdk = await Likeness.create();            // starts the rear camera once connected (unless `manual`)
//   el.addEventListener('capture', (e) => e.detail /* frame (JPEG), card (rectified JPEG), analysis */);
//   el.addEventListener('instruction', (e) => e.detail /* { code, text, ... } */);
//   el.addEventListener('error', (e) => e.detail /* LikenessError, code CAMERA_* ... */);
//   el.strings = { MOVE_CLOSER: 'Closer, please' }; // any string replaced
//
// Shadow DOM (js/capture-element.js, shared with <likeness-selfie-capture>): the rear camera's
// preview, not mirrored (a card read backwards helps nobody); a card-shaped outline of the ID-1
// aspect (85.6 x 54 mm) that fits portrait and landscape boxes; the card as found in the last
// frame, outlined; one instruction at a time in an aria-live region; a progress bar while
// holding; a retry button after a timeout. No flashing, no animation under
// prefers-reduced-motion.

import { CaptureElement, COMMON_STRINGS, numberAttribute } from './capture-element.js';

/** Every string the element shows, by language; `el.strings` overrides any of them. */
export const STRINGS = Object.freeze({
  en: Object.freeze({
    ...COMMON_STRINGS.en,
    DOCUMENT_NOT_FOUND: 'Show the photo side of your ID card',
    FIT_DOCUMENT_IN_FRAME: 'Fit the whole card in the frame',
    MOVE_CLOSER: 'Bring the card closer',
    DOCUMENT_TILTED: 'Hold the card flat, facing the camera',
    TOO_BLURRY: 'Hold still: the picture is blurry',
    HOLD_STILL: 'Hold still',
    GLARE_ON_PORTRAIT: 'Glare on the photo: tilt the card a little',
    OK: 'Hold still…',
    label: 'ID document camera',
  }),
  de: Object.freeze({
    ...COMMON_STRINGS.de,
    DOCUMENT_NOT_FOUND: 'Bitte die Vorderseite des Ausweises zeigen',
    FIT_DOCUMENT_IN_FRAME: 'Den ganzen Ausweis in den Rahmen bringen',
    MOVE_CLOSER: 'Ausweis näher an die Kamera halten',
    DOCUMENT_TILTED: 'Ausweis gerade zur Kamera halten',
    TOO_BLURRY: 'Stillhalten: das Bild ist unscharf',
    HOLD_STILL: 'Stillhalten',
    GLARE_ON_PORTRAIT: 'Spiegelung auf dem Foto: Ausweis leicht kippen',
    OK: 'Stillhalten…',
    label: 'Ausweis-Kamera',
  }),
});

// The outline: as wide as it can be in 86 % of the width and 66 % of the height (container
// units: the ratio holds whichever limit wins).
const STYLE = `
  :host { container-type: size; }
  .card { position: absolute; left: 50%; top: 42%; width: min(86cqw, 66cqh * 85.6 / 54); aspect-ratio: 85.6 / 54;
          transform: translate(-50%, -50%); border-radius: 4% / 6.3%; box-shadow: 0 0 0 200vmax rgba(0, 0, 0, 0.45);
          outline: 3px solid rgba(255, 255, 255, 0.75); outline-offset: 0; }
  .portrait { position: absolute; left: 4%; top: 20%; width: 29%; height: 63%; border-radius: 6px;
              border: 2px dashed rgba(255, 255, 255, 0.45); }
  :host([data-state="holding"]) .card, :host([data-state="captured"]) .card { outline-color: #4ade80; }
  svg.found { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
  svg.found polygon { fill: none; stroke: #38bdf8; stroke-width: 3; stroke-linejoin: round; vector-effect: non-scaling-stroke; }
  svg.found[hidden] { display: none; }`;

const OVERLAY = `
<div class="card" part="card" aria-hidden="true"><div class="portrait"></div></div>
<svg class="found" part="found" aria-hidden="true" hidden><polygon></polygon></svg>`;

const CONFIG = Object.freeze({
  strings: STRINGS,
  style: STYLE,
  overlay: OVERLAY,
  searching: 'DOCUMENT_NOT_FOUND',
  mirrored: () => false,
  start: (sdk, video, options) => sdk.startDocumentCapture(video, options),
  attributeOptions(el) {
    const o = {};
    for (const [name, option] of [['hold-ms', 'holdMs'], ['timeout-ms', 'timeoutMs']]) {
      if (el.hasAttribute(name)) o[option] = numberAttribute(el, name);
    }
    if (el.hasAttribute('format')) o.format = el.getAttribute('format');
    if (el.hasAttribute('facing-mode')) o.facingMode = el.getAttribute('facing-mode');
    return o;
  },
});

export class LikenessDocumentCapture extends CaptureElement {
  static get observedAttributes() {
    return ['lang'];
  }

  constructor() {
    super(CONFIG);
  }

  /** Outlines the card where the last frame found it (the preview is `object-fit: cover`). */
  frame(f) {
    const svg = this.shadowRoot.querySelector('svg.found');
    const video = this.shadowRoot.querySelector('video');
    if (!f.corners || !f.width || !video.clientWidth) {
      svg.toggleAttribute('hidden', true);
      return;
    }
    const [w, h] = [video.clientWidth, video.clientHeight];
    const scale = Math.max(w / f.width, h / f.height);
    const [dx, dy] = [(w - f.width * scale) / 2, (h - f.height * scale) / 2];
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.querySelector('polygon').setAttribute('points', f.corners.map(([x, y]) => `${dx + x * scale},${dy + y * scale}`).join(' '));
    svg.toggleAttribute('hidden', false);
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('likeness-document-capture')) {
  customElements.define('likeness-document-capture', LikenessDocumentCapture);
}
