// The catalogue's forms: their values, checks (the server's rules in src/ris/catalogue_rules.cpp
// said again, messages as rule codes) and what is sent.
import { z } from 'zod';
import type { Modality, OpeningInterval, Procedure, ProcedureFields, Room, RoomFields, StaffFields, StaffMember } from './types';
import { MODALITIES } from './catalogue';

const printable = (s: string, multiline = false) =>
  ![...s].some((ch) => {
    const c = ch.codePointAt(0)!;
    return (c < 0x20 && !(multiline && (c === 10 || c === 13 || c === 9))) || (c >= 0x7f && c <= 0x9f);
  });
const text = (max: number, multiline = false) =>
  z.string().trim().refine((s) => printable(s, multiline), 'format').refine((s) => [...s].length <= max, 'too_long');
const required = (schema: z.ZodString | ReturnType<typeof text>) => schema.refine((s) => s.length > 0, 'required');
const modality = z.string().refine((s) => s !== '', 'required').refine((s) => s === '' || MODALITIES.includes(s as Modality), 'unknown');
const whole = (min: number, max: number, step = 1) =>
  z.number({ error: 'required' }).refine((n) => Number.isFinite(n), 'required')
    .refine((n) => !Number.isFinite(n) || (Number.isInteger(n / step) && n >= min && n <= max), 'range');

export const procedureSchema = z.object({
  code: required(text(16)).refine((s) => /^[A-Za-z0-9._-]*$/.test(s), 'format'),
  name: required(text(64)).refine((s) => !s.includes('\\'), 'format'),
  modality,
  bodyPart: text(16).refine((s) => /^[A-Za-z0-9_ ]*$/.test(s), 'format'),
  durationMinutes: whole(5, 480, 5),
  price: z.number({ error: 'required' }).refine((n) => Number.isFinite(n) && n >= 0 && n <= 100_000_000, 'range'),
  dailyLimit: whole(0, 1000),
  needsRadiologist: z.boolean(),
  needsContrastTechnician: z.boolean(),
  consentTypes: z.string().refine((s) => consentList(s).every((c) => /^[a-z0-9_]{1,32}$/.test(c)), 'format')
    .refine((s) => consentList(s).length <= 10, 'too_long'),
  reportTemplate: text(64).refine((s) => !s.includes('\\'), 'format'),
  preparation: text(4000, true),
  active: z.boolean(),
});
export type ProcedureFormValues = z.input<typeof procedureSchema>;

export function consentList(s: string): string[] {
  return s.split(',').map((c) => c.trim()).filter(Boolean);
}

export const EMPTY_PROCEDURE: ProcedureFormValues = {
  code: '', name: '', modality: '', bodyPart: '', durationMinutes: 15, price: 0, dailyLimit: 0, needsRadiologist: false,
  needsContrastTechnician: false, consentTypes: '', reportTemplate: '', preparation: '', active: true,
};

export function procedureValuesOf(p: Procedure): ProcedureFormValues {
  return {
    code: p.code, name: p.name, modality: p.modality, bodyPart: p.bodyPart, durationMinutes: p.durationMinutes,
    price: p.priceCents / 100, dailyLimit: p.dailyLimit, needsRadiologist: p.needsRadiologist,
    needsContrastTechnician: p.needsContrastTechnician, consentTypes: p.consentTypes.join(', '),
    reportTemplate: p.reportTemplate, preparation: p.preparation, active: p.active,
  };
}

export function procedureFieldsOf(v: ProcedureFormValues): Required<ProcedureFields> {
  return {
    code: v.code.trim(), name: v.name.trim(), modality: v.modality as Modality, bodyPart: v.bodyPart.trim().toUpperCase(),
    durationMinutes: v.durationMinutes, priceCents: Math.round(v.price * 100), dailyLimit: v.dailyLimit,
    needsRadiologist: v.needsRadiologist, needsContrastTechnician: v.needsContrastTechnician,
    consentTypes: consentList(v.consentTypes), reportTemplate: v.reportTemplate.trim(), preparation: v.preparation.trim(),
    active: v.active,
  };
}

// Minutes of a day from "HH:MM" (00:00 to 24:00), or -1.
export function minutesOfDay(t: string): number {
  const m = /^([0-2]\d):([0-5]\d)$/.exec(t);
  if (!m) return -1;
  const h = Number(m[1]), min = Number(m[2]);
  return h > 24 || (h === 24 && min !== 0) ? -1 : h * 60 + min;
}

// The first broken rule of a week's hours, as the server says it: format, order, overlap.
export function hoursProblem(hours: OpeningInterval[]): string | null {
  for (const h of hours) {
    if (h.weekday < 1 || h.weekday > 7 || minutesOfDay(h.opens) < 0 || minutesOfDay(h.closes) < 0) return 'format';
    if (minutesOfDay(h.opens) >= minutesOfDay(h.closes)) return 'order';
  }
  for (let d = 1; d <= 7; d++) {
    const spans = hours.filter((h) => h.weekday === d).map((h) => [minutesOfDay(h.opens), minutesOfDay(h.closes)])
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) return 'overlap';
  }
  return null;
}

export const roomSchema = z.object({
  name: required(text(64)),
  site: text(64).optional(),
  modality,
  aeTitle: z.string().trim().refine((s) => s.length <= 16, 'too_long').refine((s) => /^[\x20-\x5b\x5d-\x7e]*$/.test(s), 'format'),
  hours: z.array(z.object({ weekday: z.number(), opens: z.string(), closes: z.string() }))
    .superRefine((hours, ctx) => {
      const rule = hoursProblem(hours);
      if (rule) ctx.addIssue({ code: 'custom', message: rule });
    }),
  bufferMinutes: whole(0, 120),
  active: z.boolean(),
  worklistOwnOnly: z.boolean(),
});
export type RoomFormValues = z.input<typeof roomSchema>;

export const EMPTY_ROOM: RoomFormValues = { name: '', site: '', modality: '', aeTitle: '', hours: [], bufferMinutes: 0, active: true,
  worklistOwnOnly: false };

export function roomValuesOf(r: Room): RoomFormValues {
  return { name: r.name, site: r.site ?? '', modality: r.modality, aeTitle: r.aeTitle, hours: r.hours.map((h) => ({ ...h })), bufferMinutes: r.bufferMinutes,
    active: r.active, worklistOwnOnly: r.worklistOwnOnly };
}

export function roomFieldsOf(v: RoomFormValues): Required<RoomFields> {
  return {
    name: v.name.trim(), site: (v.site ?? '').trim(), modality: v.modality as Modality, aeTitle: v.aeTitle.trim(), bufferMinutes: v.bufferMinutes, active: v.active,
    worklistOwnOnly: v.worklistOwnOnly,
    hours: [...v.hours].sort((a, b) => a.weekday - b.weekday || minutesOfDay(a.opens) - minutesOfDay(b.opens)),
  };
}

// Monday's hours on every weekday (Tuesday to Friday replaced), the weekend kept.
export function sameAsMonday(hours: OpeningInterval[]): OpeningInterval[] {
  const monday = hours.filter((h) => h.weekday === 1);
  const weekend = hours.filter((h) => h.weekday >= 6);
  const weekdays = [1, 2, 3, 4, 5].flatMap((d) => monday.map((h) => ({ ...h, weekday: d })));
  return [...weekdays, ...weekend];
}

// A week in a line: days with the same hours run together ("Mon–Fri 08:00–14:00, 15:00–20:00 ·
// Sat 09:00–13:00"); `dayName` gives a weekday's short name in the reader's language.
export function hoursSummary(hours: OpeningInterval[], dayName: (weekday: number) => string): string {
  const of = (d: number) => hours.filter((h) => h.weekday === d)
    .sort((a, b) => minutesOfDay(a.opens) - minutesOfDay(b.opens)).map((h) => `${h.opens}–${h.closes}`).join(', ');
  const parts: string[] = [];
  for (let d = 1; d <= 7; d++) {
    const day = of(d);
    if (!day) continue;
    let last = d;
    while (last < 7 && of(last + 1) === day) last++;
    parts.push(`${last === d ? dayName(d) : `${dayName(d)}–${dayName(last)}`} ${day}`);
    d = last;
  }
  return parts.join(' · ');
}

// A weekday's name (1 Monday .. 7 Sunday) in `locale`.
export function weekdayName(weekday: number, locale: string, width: 'short' | 'long' = 'short'): string {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(locale, { weekday: width, timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, weekday)));
}

// Someone exams can be booked with (src/ris/catalogue_rules.cpp, validate(StaffFields)).
export const staffSchema = z.object({
  username: required(text(64)),
  displayName: required(text(64)),
  radiologist: z.boolean(),
  contrastTechnician: z.boolean(),
  active: z.boolean(),
  readsModalities: z.array(z.string()),
  readsSites: z.array(z.string()),
}).refine((v) => v.radiologist || v.contrastTechnician, { message: 'required', path: ['radiologist'] });
export type StaffFormValues = z.input<typeof staffSchema>;

export const EMPTY_STAFF: StaffFormValues = { username: '', displayName: '', radiologist: false, contrastTechnician: false, active: true,
  readsModalities: [], readsSites: [] };

export function staffValuesOf(m: StaffMember): StaffFormValues {
  return { username: m.username, displayName: m.displayName, radiologist: m.radiologist, contrastTechnician: m.contrastTechnician, active: m.active,
    readsModalities: m.readsModalities ?? [], readsSites: m.readsSites ?? [] };
}

export function staffFieldsOf(v: StaffFormValues): Required<StaffFields> {
  // (only a radiologist reads: unticking it forgets what they read)
  return { username: v.username.trim(), displayName: v.displayName.trim(), radiologist: v.radiologist,
    contrastTechnician: v.contrastTechnician, active: v.active, readsModalities: v.radiologist ? v.readsModalities : [],
    readsSites: v.radiologist ? v.readsSites : [] };
}

// The sites the rooms are at, once each, in the reader's order: what a radiologist may read for.
export function sitesOf(rooms: { site?: string }[], locale: string): string[] {
  const sites = new Set(rooms.map((r) => (r.site ?? '').trim()).filter((s) => s !== ''));
  return [...sites].sort((a, b) => a.localeCompare(b, locale));
}
