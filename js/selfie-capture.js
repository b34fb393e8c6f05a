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

import { CaptureElement, COMMON_STRINGS, numberAttribute } from './capture-element.js';

/** Every string the element shows, by language; `el.strings` overrides any of them. */
export const STRINGS = Object.freeze({
  en: Object.freeze({
    ...COMMON_STRINGS.en,
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
    label: 'Selfie camera',
  }),
  de: Object.freeze({
    ...COMMON_STRINGS.de,
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
    label: 'Selfie-Kamera',
  }),
});

const STYLE = `
  .oval { position: absolute; left: 50%; top: 45%; height: 70%; aspect-ratio: 3 / 4; max-width: 84%;
          transform: translate(-50%, -50%); border-radius: 50%; box-shadow: 0 0 0 200vmax rgba(0, 0, 0, 0.5); }
  .oval svg { position: absolute; inset: -4px; width: calc(100% + 8px); height: calc(100% + 8px); overflow: visible; }
  .oval ellipse { fill: none; stroke-width: 4; vector-effect: non-scaling-stroke; }
  .track { stroke: rgba(255, 255, 255, 0.7); }
  :host([data-state="holding"]) .track, :host([data-state="challenge"]) .track, :host([data-state="captured"]) .track { stroke: #4ade80; }`;

const OVERLAY = `
<div class="oval" part="oval" aria-hidden="true">
  <svg viewBox="0 0 100 100" preserveAspectRatio="none">
    <ellipse class="track" cx="50" cy="50" rx="50" ry="50"></ellipse>
  </svg>
</div>`;

const CONFIG = Object.freeze({
  strings: STRINGS,
  style: STYLE,
  overlay: OVERLAY,
  searching: 'FACE_NOT_FOUND',
  mirrored: (el) => !el.hasAttribute('no-mirror'),
  start: (sdk, video, options) => sdk.startSelfieCapture(video, options),
  attributeOptions(el) {
    const o = {};
    if (el.hasAttribute('profile')) o.profile = el.getAttribute('profile');
    for (const [name, option] of [['hold-ms', 'holdMs'], ['timeout-ms', 'timeoutMs'], ['step-ms', 'stepMs']]) {
      if (el.hasAttribute(name)) o[option] = numberAttribute(el, name);
    }
    if (el.hasAttribute('active-liveness')) o.activeLiveness = true;
    if (el.hasAttribute('challenge-mouth')) o.challengeMouth = true;
    return o;
  },
});

export class LikenessSelfieCapture extends CaptureElement {
  static get observedAttributes() {
    return ['lang', 'no-mirror'];
  }

  constructor() {
    super(CONFIG);
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('likeness-selfie-capture')) {
  customElements.define('likeness-selfie-capture', LikenessSelfieCapture);
}
