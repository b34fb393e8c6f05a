// TypeScript declarations of `likeness/selfie-capture` (source: js/selfie-capture.d.ts).
import type { CaptureInstructionEvent, CaptureTimeout, CapturedSelfie, LikenessApi, LikenessError, SelfieCapture, SelfieCaptureOptions } from './index.js';

/** The keys of every string the element shows (instruction codes, camera error codes, UI words). */
export type SelfieCaptureStringKey =
  | CaptureInstructionEvent['code']
  | 'CAMERA_DENIED' | 'CAMERA_NOT_FOUND' | 'CAMERA_IN_USE' | 'CAMERA_INSECURE_CONTEXT' | 'CAMERA_OVERCONSTRAINED'
  | 'starting' | 'captured' | 'timeout' | 'retry' | 'error' | 'label';

/** The built-in strings: English and German. `{hint}` and `{message}` are filled in. */
export declare const STRINGS: Readonly<Record<'en' | 'de', Readonly<Record<SelfieCaptureStringKey, string>>>>;

/**
 * `<likeness-selfie-capture>`: attributes `profile`, `hold-ms`, `timeout-ms`, `active-liveness`,
 * `challenge-mouth`, `step-ms`, `lang` (en, de), `manual` (no start when `sdk` is set),
 * `no-mirror`. Events: `capture`, `instruction`, `timeout`, `error` (CustomEvent details below).
 */
export declare class LikenessSelfieCapture extends HTMLElement {
  sdk: LikenessApi | null;
  strings: Partial<Record<SelfieCaptureStringKey, string>>;
  readonly capture: SelfieCapture | null;
  start(options?: SelfieCaptureOptions): SelfieCapture;
  retry(): SelfieCapture;
  stop(): void;
  addEventListener<K extends keyof SelfieCaptureElementEvents>(type: K, listener: (this: LikenessSelfieCapture, ev: SelfieCaptureElementEvents[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface SelfieCaptureElementEvents {
  capture: CustomEvent<CapturedSelfie>;
  instruction: CustomEvent<CaptureInstructionEvent & { text: string }>;
  timeout: CustomEvent<CaptureTimeout>;
  error: CustomEvent<LikenessError>;
}

declare global {
  interface HTMLElementTagNameMap {
    'likeness-selfie-capture': LikenessSelfieCapture;
  }
}
