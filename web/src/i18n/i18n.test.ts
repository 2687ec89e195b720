import { describe, expect, it } from 'vitest';
import { en } from './en';
import { es } from './es';
import { ca } from './ca';
import { formatLocale, pickLanguage } from './index';
import { ageOn, formatCalendarDate, formatLongDate, parseCalendarDate } from './format';

type Tree = { [k: string]: string | Tree };

function leaves(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const reference = leaves(en as Tree);
  for (const [name, messages] of [['es', es], ['ca', ca]] as const) {
    it(`${name} has every English key, with the same placeholders, and nothing left in English`, () => {
      const other = leaves(messages as Tree);
      expect([...other.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [key, text] of reference) {
        expect(placeholders(other.get(key)!), key).toEqual(placeholders(text));
        expect(other.get(key)!.trim(), key).not.toBe('');
      }
      const words = (s: string) => s.replace(/\{\{\w+\}\}/g, '').trim();
      const untranslated = [...reference].filter(([key, text]) => other.get(key) === text && words(text).length > 6);
      expect(untranslated).toEqual([]);
    });
  }
});

describe('language and locale', () => {
  it('keeps a stored choice, else takes the first browser language we have, else English', () => {
    expect(pickLanguage('ca', ['es-ES'])).toBe('ca');
    expect(pickLanguage('de', ['de-DE', 'ca-ES', 'es'])).toBe('ca');
    expect(pickLanguage(null, ['ES-es'])).toBe('es');
    expect(pickLanguage(null, ['fr-FR', 'de'])).toBe('en');
  });
  it('writes dates with the browser region, so English in Spain puts the day first', () => {
    expect(formatLocale('en', ['es-ES', 'es'])).toBe('en-ES');
    expect(formatLocale('ca', ['ca'])).toBe('ca');
    expect(formatCalendarDate('1975-03-14', formatLocale('en', ['en-GB']))).toBe('14 Mar 1975');
    expect(formatCalendarDate('1975-03-14', 'en-US')).toBe('Mar 14, 1975');
  });
  it('writes them the clinic\'s way when the clinic says where it is, whatever the browser', () => {
    expect(formatLocale('en', ['en-US'], 'ES')).toBe('en-ES');
    expect(formatLocale('ca', ['en-US'], 'ES')).toBe('ca-ES');
    expect(formatLocale('en', ['en-US'], '')).toBe('en-US');
    expect(formatCalendarDate('1975-03-14', formatLocale('en', ['en-US'], 'ES'))).toBe('14 Mar 1975');
  });
});

describe('calendar dates', () => {
  it('accepts real dates only, years below 100 included (typed one digit at a time)', () => {
    expect(parseCalendarDate('0001-03-14')).toEqual({ year: 1, month: 3, day: 14 });
    expect(parseCalendarDate('1981-02-29')).toBeNull();
    expect(parseCalendarDate('1980-02-29')).toEqual({ year: 1980, month: 2, day: 29 });
    expect(parseCalendarDate('1980-13-01')).toBeNull();
    expect(parseCalendarDate('14/03/1975')).toBeNull();
  });
  it('never moves a birth date to the day before, whatever the zone', () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
        process.env.TZ = tz; // Node reads it again at once
        expect(new Date(2020, 0, 1).getTimezoneOffset(), tz).toBe(tz === 'UTC' ? 0 : tz === 'America/Los_Angeles' ? 480 : -840);
        expect(formatCalendarDate('1975-01-01', 'en-US'), tz).toBe('Jan 1, 1975');
        expect(formatLongDate('1975-01-01', 'en-GB'), tz).toBe('1 January 1975');
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
  it('counts whole years, the birthday itself included', () => {
    expect(ageOn('1975-03-14', '2026-03-13')).toBe(50);
    expect(ageOn('1975-03-14', '2026-03-14')).toBe(51);
    expect(ageOn('2030-01-01', '2026-03-14')).toBeNull();
    expect(ageOn('1975-02-30', '2026-03-14')).toBeNull();
  });
});
