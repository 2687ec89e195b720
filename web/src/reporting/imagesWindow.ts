// The images of the exam being reported on a window of their own (a second screen), the report
// full width on the first: what the two windows say to each other over a BroadcastChannel, and
// the report's side of it, a ViewerSelection that mirrors the images window.
//
// The report window tells the images window which exam to show ('show'), asks where it is
// ('where') every few seconds, and sends it away ('close') when the images come back beside the
// report. The images window says what it shows ('state': the exam, its patient, the
// measurements drawn and the image on screen) when asked and whenever that changes, and
// 'closed' as it goes. Both are pages of this application in one browser, but a message is
// still checked before it is believed: an old version of the page may be open in another tab.
//
// Wrong-patient safety: the report window always knows which exam the images window shows, and
// says so when it is not the one being reported (ImagesWindowBar.tsx); what it takes from there
// (measurements, key images) is checked against the report's study by the rules that check it
// beside the viewer (DraftEditor.tsx, keyImages.ts).
import type { KeyImageRef, ViewerMeasurement, ViewerSelection } from '../viewer/ViewerSelection';

export const CHANNEL = 'vireo-reading-images';
export const WINDOW_NAME = 'vireo-images'; // one images window per browser, reused
export const ASK_EVERY_MS = 2000;
export const GONE_AFTER_MS = 5000; // no answer for this long: no images window is open

// The exam an images window shows, as the report window names it to the radiologist.
export interface ShownExam {
  orderId: number;
  study: string;
  patient: string;
  accession: string;
}

export type ToImages = { kind: 'show'; orderId: number } | { kind: 'where' } | { kind: 'close' };

export interface ImagesState {
  kind: 'state';
  exam: ShownExam;
  measurements: ViewerMeasurement[];
  currentImage: KeyImageRef | null;
}

export type FromImages = ImagesState | { kind: 'closed'; orderId: number };

export function imagesPath(orderId: number): string {
  return `/reading/${orderId}/images`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string';
const isOrder = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function isImage(v: unknown): boolean {
  return isObject(v) && isString(v.study) && isString(v.series) && isString(v.sop) && typeof v.frame === 'number';
}

function isMeasurement(v: unknown): v is ViewerMeasurement {
  return isObject(v) && isString(v.uid) && isString(v.tool) && isString(v.label) && Array.isArray(v.values)
    && v.values.every((x) => isObject(x) && isString(x.name) && typeof x.value === 'number' && isString(x.unit))
    && isImage(v.image);
}

function isKeyImage(v: unknown): v is KeyImageRef {
  return isImage(v) && isObject(v) && (v.window === null
    || (isObject(v.window) && typeof v.window.center === 'number' && typeof v.window.width === 'number'));
}

function isExam(v: unknown): v is ShownExam {
  return isObject(v) && isOrder(v.orderId) && isString(v.study) && isString(v.patient) && isString(v.accession);
}

export function toImages(data: unknown): ToImages | null {
  if (!isObject(data)) return null;
  if (data.kind === 'show') return isOrder(data.orderId) ? { kind: 'show', orderId: data.orderId } : null;
  if (data.kind === 'where' || data.kind === 'close') return { kind: data.kind };
  return null;
}

export function fromImages(data: unknown): FromImages | null {
  if (!isObject(data)) return null;
  if (data.kind === 'closed') return isOrder(data.orderId) ? { kind: 'closed', orderId: data.orderId } : null;
  if (data.kind !== 'state' || !isExam(data.exam) || !Array.isArray(data.measurements)) return null;
  if (!data.measurements.every(isMeasurement)) return null;
  if (data.currentImage !== null && !isKeyImage(data.currentImage)) return null;
  return { kind: 'state', exam: data.exam, measurements: data.measurements, currentImage: data.currentImage };
}

// Where the images are, for the report of `orderId`: the window asked to show it and not heard
// from since ('asking'), none open ('none'), showing this exam ('same') or another one ('other').
export type ImagesWindowStatus = 'asking' | 'none' | 'same' | 'other';

// The report window's picture of the images window, fed with what the images window says and
// the time it is said; a ViewerSelection of what it shows for the report's editor.
export class ImagesMirror implements ViewerSelection {
  private state: ImagesState | null = null;
  private heard = 0; // when it last spoke
  private asked: { orderId: number; at: number } | null = null;
  private readonly listeners = new Set<() => void>();

  // The report asked the images window to show `orderId` (it takes a moment to load it).
  ask(orderId: number, now: number): void {
    this.asked = { orderId, at: now };
  }

  hear(message: FromImages, now: number): void {
    if (message.kind === 'closed') {
      if (this.state?.exam.orderId !== message.orderId) return; // another window's last word
      this.state = null;
      this.asked = null;
      this.notify();
      return;
    }
    const before = this.state;
    this.state = message;
    this.heard = now;
    if (!before || JSON.stringify(before.measurements) !== JSON.stringify(message.measurements)) this.notify();
  }

  // The exam shown, while the window is heard from.
  shown(now: number): ShownExam | null {
    return this.state && now - this.heard < GONE_AFTER_MS ? this.state.exam : null;
  }

  status(orderId: number, now: number): ImagesWindowStatus {
    const exam = this.shown(now);
    if (exam?.orderId === orderId) return 'same';
    if (this.asked?.orderId === orderId && now - this.asked.at < GONE_AFTER_MS) return 'asking';
    return exam ? 'other' : 'none';
  }

  measurements(): ViewerMeasurement[] {
    return this.shown(Date.now()) ? (this.state?.measurements ?? []) : [];
  }

  currentImage(): KeyImageRef | null {
    return this.shown(Date.now()) ? (this.state?.currentImage ?? null) : null;
  }

  onMeasurementsChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
