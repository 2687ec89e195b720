// What the reading worklist says of an exam, as plain functions (tested in readingList.test.ts).
import type { ReadingItem } from './types';

// Whether the signed-in radiologist reads it, another does, or it waits for someone.
export type ReadingState = 'mine' | 'other' | 'waiting';

export function readingState(item: Pick<ReadingItem, 'readingBy'>, me: string): ReadingState {
  if (!item.readingBy) return 'waiting';
  return item.readingBy === me ? 'mine' : 'other';
}

// How long an exam has waited since its images were acquired, as a radiologist reads it at a
// glance: "12 min", "3 h", "2 d" in the reader's language (Intl's narrow units).
export function waitingText(since: string, now: number, locale: string): string {
  const then = Date.parse(since);
  if (!since || Number.isNaN(then)) return '';
  const minutes = Math.max(0, Math.floor((now - then) / 60_000));
  const unit = (value: number, u: 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  if (minutes < 60) return unit(minutes, 'minute');
  if (minutes < 48 * 60) return unit(Math.floor(minutes / 60), 'hour');
  return unit(Math.floor(minutes / (24 * 60)), 'day');
}
