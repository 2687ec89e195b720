// Dates and numbers in the reader's language. A birth date is a calendar date, not an instant:
// it is formatted in UTC so that no time zone moves it to the day before.
export function parseCalendarDate(iso: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = utcDate(year, month, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

// Date.UTC reads the years 0 to 99 as 1900 to 1999; a year being typed ("0001") must stay itself.
function utcDate(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d;
}

export function formatCalendarDate(iso: string, locale: string): string {
  const d = parseCalendarDate(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(utcDate(d.year, d.month, d.day));
}

// "14 March 1975": a calendar date with its month in words, which no reader takes the wrong way round.
export function formatLongDate(iso: string, locale: string): string {
  const d = parseCalendarDate(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(utcDate(d.year, d.month, d.day));
}

// A moment (an ISO date-time in UTC) in the reader's language and, when given, the clinic's zone.
export function formatMoment(iso: string, locale: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

// The day of a moment (an ISO date-time in UTC), in the reader's language and, when given, the clinic's zone.
export function formatDay(iso: string, locale: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(d);
}

// Whole years from a birth date to `today` (both YYYY-MM-DD); null when either is not a date.
export function ageOn(birth: string, today: string): number | null {
  const b = parseCalendarDate(birth);
  const t = parseCalendarDate(today);
  if (!b || !t) return null;
  let age = t.year - b.year;
  if (t.month < b.month || (t.month === b.month && t.day < b.day)) age -= 1;
  return age < 0 ? null : age;
}

// Today's date where the browser is, as YYYY-MM-DD.
export function localToday(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}
