// TypeScript declarations of `likeness/document-capture` (source: js/document-capture.d.ts).
import type {
  CapturedDocument, DocumentCapture, DocumentCaptureInstructionEvent, DocumentCaptureOptions, DocumentCaptureTimeout,
  LikenessApi, LikenessError,
} from './index.js';

/** The keys of every string the element shows (instruction codes, camera error codes, UI words). */
export type DocumentCaptureStringKey =
  | DocumentCaptureInstructionEvent['code']
  | 'CAMERA_DENIED' | 'CAMERA_NOT_FOUND' | 'CAMERA_IN_USE' | 'CAMERA_INSECURE_CONTEXT' | 'CAMERA_OVERCONSTRAINED'
  | 'starting' | 'captured' | 'timeout' | 'retry' | 'error' | 'label';

/** The built-in strings: English and German. `{hint}` and `{message}` are filled in. */
export declare const STRINGS: Readonly<Record<'en' | 'de', Readonly<Record<DocumentCaptureStringKey, string>>>>;

/**
 * `<likeness-document-capture>`: attributes `hold-ms`, `timeout-ms`, `format` ('auto', 'ID-1',
 * 'ID-3'), `facing-mode` ('environment' by default, or 'user'), `lang` (en, de), `manual` (no
 * start when `sdk` is set). The preview is never mirrored. Events: `capture`, `instruction`,
 * `timeout`, `error` (CustomEvent details below).
 */
export declare class LikenessDocumentCapture extends HTMLElement {
  sdk: LikenessApi | null;
  strings: Partial<Record<DocumentCaptureStringKey, string>>;
  readonly capture: DocumentCapture | null;
  start(options?: DocumentCaptureOptions): DocumentCapture;
  retry(): DocumentCapture;
  stop(): void;
  addEventListener<K extends keyof DocumentCaptureElementEvents>(type: K, listener: (this: LikenessDocumentCapture, ev: DocumentCaptureElementEvents[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface DocumentCaptureElementEvents {
  capture: CustomEvent<CapturedDocument>;
  instruction: CustomEvent<DocumentCaptureInstructionEvent & { text: string }>;
  timeout: CustomEvent<DocumentCaptureTimeout>;
  error: CustomEvent<LikenessError>;
}

declare global {
  interface HTMLElementTagNameMap {
    'likeness-document-capture': LikenessDocumentCapture;
  }
}
