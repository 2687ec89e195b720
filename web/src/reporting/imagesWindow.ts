// The images of the exam being reported on a window of their own (a second screen), the report
// full width on the first: what the two windows say to each other over a BroadcastChannel, and
// the report's side of it, a ViewerSelection that mirrors the images window.
//
// The report window tells the images window which exam to show ('show'), asks every few seconds
// where it is, naming the exam it reports ('where'), sends it away ('close') when the images come
// back beside the report, and clears it ('idle') when it leaves the report, so that no patient's
// images stay on a screen nobody reports from. The images window (each one with an id of its own)
// says what it shows ('state': the order, and once loaded the exam, its patient, the measurements
// drawn and the image on screen) when asked and whenever that changes, and 'closed' as it goes.
// Both are pages of this application in one browser, but a message is still checked before it is
// believed: an old version of the page may be open in another tab.
//
// Wrong-patient safety: the report window always knows which exam the images window shows, and
// says so when it is not the one being reported, or when more than one images window answers
// (ImagesWindowBar.tsx); it then takes nothing from them: the editor's measurements and key image
// come only from one window showing this very exam (order and study), and are checked again
// against the report's study by the rules that check them beside the viewer (DraftEditor.tsx,
// keyImages.ts). The images window says so too when the report is of another exam.
import type { KeyImageRef, ViewerMeasurement, ViewerSelection } from '../viewer/ViewerSelection';

export const CHANNEL = 'vireo-reading-images';
export const WINDOW_NAME = 'vireo-images'; // one images window per browser, reused
export const ASK_EVERY_MS = 2000;
export const GONE_AFTER_MS = 5000; // an images window not heard from for this long is gone
export const OPENING_MS = 15000; // a window asked to show an exam may take this long to say it does

// The exam an images window shows, as the report window names it to the radiologist.
export interface ShownExam {
  orderId: number;
  study: string;
  patient: string;
  accession: string;
}

export type ToImages =
  | { kind: 'show'; orderId: number }
  | { kind: 'where'; orderId: number | null } // the exam the report is of; null: none
  | { kind: 'close' }
  | { kind: 'idle' };

export interface ImagesState {
  kind: 'state';
  window: string; // the images window's own id
  orderId: number; // the exam it shows, or loads
  exam: ShownExam | null; // null while it loads
  measurements: ViewerMeasurement[];
  currentImage: KeyImageRef | null;
}

export type FromImages = ImagesState | { kind: 'closed'; window: string };

export function imagesPath(orderId: number): string {
  return `/reading/${orderId}/images`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string';
const isOrder = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isId = (v: unknown): v is string => isString(v) && v.length > 0 && v.length <= 64;

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
  if (data.kind === 'where') return data.orderId === null || isOrder(data.orderId) ? { kind: 'where', orderId: data.orderId } : null;
  if (data.kind === 'close' || data.kind === 'idle') return { kind: data.kind };
  return null;
}

export function fromImages(data: unknown): FromImages | null {
  if (!isObject(data) || !isId(data.window)) return null;
  if (data.kind === 'closed') return { kind: 'closed', window: data.window };
  if (data.kind !== 'state' || !isOrder(data.orderId) || !Array.isArray(data.measurements)) return null;
  if (data.exam !== null && !(isExam(data.exam) && data.exam.orderId === data.orderId)) return null;
  if (!data.measurements.every(isMeasurement)) return null;
  if (data.currentImage !== null && !isKeyImage(data.currentImage)) return null;
  return { kind: 'state', window: data.window, orderId: data.orderId, exam: data.exam, measurements: data.measurements,
    currentImage: data.currentImage };
}

// Where the images are, for the report of an exam: the window asked to show it and not yet
// showing it ('asking'), none open ('none'), one showing this exam ('same') or another ('other'),
// or more than one window answering ('several').
export type ImagesWindowStatus = 'asking' | 'none' | 'same' | 'other' | 'several';

// The report window's picture of the images windows, fed with what they say and the time it is
// said; for the report's editor, a ViewerSelection of what the one images window shows of the
// exam being reported (`report`), and nothing otherwise.
export class ImagesMirror implements ViewerSelection {
  private readonly windows = new Map<string, { state: ImagesState; heard: number }>();
  private asked: { orderId: number; at: number } | null = null;
  private report: { orderId: number; study: string } | null = null;
  private readonly listeners = new Set<() => void>();

  // The exam being reported, which the editor reads measurements and images for.
  follow(orderId: number, study: string): void {
    this.report = { orderId, study };
  }

  // The report asked the images window to show `orderId` (it takes a moment to load it).
  ask(orderId: number, now: number): void {
    this.asked = { orderId, at: now };
  }

  hear(message: FromImages, now: number): void {
    const before = JSON.stringify(this.measurements(now));
    if (message.kind === 'closed') this.windows.delete(message.window);
    else this.windows.set(message.window, { state: message, heard: now });
    // Once there, the window is no longer on its way: another exam shown after it is a warning.
    if (message.kind === 'state' && message.exam && message.orderId === this.asked?.orderId) this.asked = null;
    if (JSON.stringify(this.measurements(now)) !== before) this.notify();
  }

  private live(now: number): ImagesState[] {
    return [...this.windows.values()].filter((w) => now - w.heard < GONE_AFTER_MS).map((w) => w.state);
  }

  // The exam the one images window shows (null: none, several, or still loading).
  shown(now: number): ShownExam | null {
    const live = this.live(now);
    return live.length === 1 ? live[0].exam : null;
  }

  status(orderId: number, study: string, now: number): ImagesWindowStatus {
    const live = this.live(now);
    if (live.length > 1) return 'several';
    const w = live[0];
    if (w?.exam && w.orderId === orderId && w.exam.study === study) return 'same';
    const asking = this.asked?.orderId === orderId && now - this.asked.at < OPENING_MS;
    if (w?.orderId === orderId || asking) return 'asking';
    return w ? 'other' : 'none';
  }

  private shownForReport(now: number): ImagesState | null {
    const r = this.report;
    return r && this.status(r.orderId, r.study, now) === 'same' ? this.live(now)[0] : null;
  }

  measurements(now = Date.now()): ViewerMeasurement[] {
    return this.shownForReport(now)?.measurements ?? [];
  }

  currentImage(): KeyImageRef | null {
    return this.shownForReport(Date.now())?.currentImage ?? null;
  }

  unavailable(): string | null {
    const r = this.report;
    return r && this.status(r.orderId, r.study, Date.now()) !== 'same' ? 'report.imagesWindow.notThisExam' : null;
  }

  onMeasurementsChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
