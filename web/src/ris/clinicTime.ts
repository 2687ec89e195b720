// Times in the clinic's zone, whatever the browser's: the calendar, the slots and the slip show
// the clinic's wall clock (the API's instants are UTC). Pure functions over luxon.
import { DateTime } from 'luxon';
import type { Calendar, Slots } from './types';

// A day (YYYY-MM-DD) moved by whole days.
export function shiftDay(day: string, days: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days }).toISODate() ?? day;
}

// The Monday of the week of a day.
export function mondayOf(day: string): string {
  const d = DateTime.fromISO(day, { zone: 'UTC' });
  return d.minus({ days: d.weekday - 1 }).toISODate() ?? day;
}

// The clinic's day of an instant.
export function dayOf(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toISODate() ?? '';
}

export function formatTime(iso: string, zone: string, locale: string): string {
  return DateTime.fromISO(iso, { zone }).setLocale(locale).toLocaleString(DateTime.TIME_SIMPLE);
}

// "Monday, 1 March 2027" for a day, in the reader's language.
export function formatDay(day: string, locale: string): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).setLocale(locale).toLocaleString(DateTime.DATE_HUGE);
}

// "Mon 1 Mar, 10:00": a start in a list of free times.
export function formatStart(iso: string, zone: string, locale: string): string {
  return DateTime.fromISO(iso, { zone }).setLocale(locale)
    .toLocaleString({ weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
}

// Whether an instant lies in one of a room's open spans that day.
export function isOpen(days: Calendar['days'], roomId: number, at: Date): boolean {
  const t = at.getTime();
  return days.some((d) => d.roomId === roomId &&
    d.open.some((s) => Date.parse(s.start) <= t && t < Date.parse(s.end)));
}

// Whether an exam of the order can start at `at` in the room (a free start of a window).
export function isFreeStart(slots: Slots | undefined, roomId: number, at: Date): boolean {
  if (!slots) return false;
  const t = at.getTime();
  const step = slots.stepMinutes * 60_000;
  return slots.windows.some((w) => w.roomId === roomId && Date.parse(w.first) <= t && t <= Date.parse(w.last) &&
    (t - Date.parse(w.first)) % step === 0);
}

// The first free starts, `every` minutes apart within each window, earliest first: what a
// keyboard (or a hurried receptionist) picks from instead of the calendar's grid.
export function freeStarts(slots: Slots | undefined, every = 30, limit = 12): { roomId: number; start: string }[] {
  if (!slots) return [];
  const out: { roomId: number; start: string }[] = [];
  for (const w of slots.windows) {
    const first = Date.parse(w.first);
    const last = Date.parse(w.last);
    for (let t = first; t <= last; t += every * 60_000) out.push({ roomId: w.roomId, start: new Date(t).toISOString() });
  }
  out.sort((a, b) => a.start.localeCompare(b.start) || a.roomId - b.roomId);
  return out.slice(0, limit);
}

// Where mornings end at the clinic, for a patient who asked for mornings or afternoons: an exam
// that starts before 14:00 is in the morning (a Spanish afternoon begins after lunch).
export const AFTERNOON_FROM_HOUR = 14;

// Whether a start suits what a request asked for: its days (either end may be open) and its part
// of the day, on the clinic's clock.
export function suitsRequest(start: string, zone: string,
  wanted: { preferredFrom: string; preferredTo: string; preferredTime: 'any' | 'morning' | 'afternoon' }): boolean {
  const at = DateTime.fromISO(start, { zone });
  const day = at.toISODate() ?? '';
  if ((wanted.preferredFrom && day < wanted.preferredFrom) || (wanted.preferredTo && day > wanted.preferredTo)) return false;
  if (wanted.preferredTime === 'morning') return at.hour < AFTERNOON_FROM_HOUR;
  if (wanted.preferredTime === 'afternoon') return at.hour >= AFTERNOON_FROM_HOUR;
  return true;
}

// The earliest opening and latest closing of the days shown, whole hours, for the grid's range.
export function hoursShown(days: Calendar['days'], zone: string): { min: number; max: number } {
  let min = 24;
  let max = 0;
  for (const d of days)
    for (const s of d.open) {
      const a = DateTime.fromISO(s.start, { zone });
      const b = DateTime.fromISO(s.end, { zone });
      min = Math.min(min, a.hour);
      max = Math.max(max, b.toISODate() !== a.toISODate() ? 24 : b.hour + (b.minute > 0 ? 1 : 0));
    }
  return min >= max ? { min: 8, max: 20 } : { min, max };
}
