// The patient form's values and their checks, the server's rules (src/ris/patient_rules.cpp)
// said again so that the receptionist sees a mistake before sending. Messages are the server's
// rule codes, which the form says in the reader's language; the server stays the judge.
import { z } from 'zod';
import { parseCalendarDate } from '../i18n/format';
import type { FieldError, Patient, PatientFields } from './types';

export const SEXES = ['F', 'M', 'O', 'U'] as const;

// Characters that cannot be stored: C0/C1 controls (line breaks only where `multiline`).
function printable(s: string, multiline: boolean): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && !(multiline && (c === 0x0a || c === 0x0d || c === 0x09))) || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}

const length = (s: string) => [...s].length;

function text(max: number, multiline = false) {
  return z.string().trim()
    .refine((s) => printable(s, multiline), 'format')
    .refine((s) => length(s) <= max, 'too_long');
}
const namePart = () => text(64).refine((s) => !/[\\^=]/.test(s), 'format');
const identifier = () => text(64).refine((s) => !s.includes('\\'), 'format');

export function phoneProblem(phone: string): boolean {
  const digits = phone.replace(/\D/g, '').length;
  return !/^\+?[0-9 ().-]*$/.test(phone) || digits < 6 || digits > 15;
}

// As the server reads one: a single @ not first; a dot in the domain, neither its first nor
// its last character; no spaces, controls, commas, semicolons or angle brackets.
export function emailProblem(e: string): boolean {
  const at = e.indexOf('@');
  if (at <= 0 || e.indexOf('@', at + 1) !== -1) return true;
  const domain = e.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  if (dot <= 0 || dot + 2 > domain.length) return true;
  return /[\u0000-\u0020,;<>]/.test(e);
}

// `today` (YYYY-MM-DD) decides what is in the future.
export function patientSchema(today: string) {
  return z.object({
    familyName: namePart().refine((s) => s.length > 0, 'required'),
    givenName: namePart(),
    middleName: namePart(),
    namePrefix: namePart(),
    nameSuffix: namePart(),
    birthDate: z.string()
      .refine((s) => s.length > 0, 'required')
      .refine((s) => s.length === 0 || parseCalendarDate(s) !== null, 'format')
      .refine((s) => !parseCalendarDate(s) || s <= today, 'future')
      .refine((s) => !parseCalendarDate(s) || s >= '1880-01-01', 'too_old'),
    sex: z.union([z.enum(SEXES), z.literal('')], { error: 'unknown' }).refine((s) => s !== '', 'required'),
    phone: text(32).refine((s) => s === '' || !phoneProblem(s), 'format'),
    email: text(254).refine((s) => s === '' || !emailProblem(s), 'format'),
    address: text(512, true),
    nationalId: identifier(),
    insuranceNumber: identifier(),
    allergies: text(2000, true),
    contrastAllergy: z.boolean(),
    notes: text(4000, true),
  });
}

export type PatientFormValues = z.input<ReturnType<typeof patientSchema>>;
export type PatientFormField = keyof PatientFormValues;

export const EMPTY_PATIENT: PatientFormValues = {
  familyName: '', givenName: '', middleName: '', namePrefix: '', nameSuffix: '', birthDate: '', sex: '',
  phone: '', email: '', address: '', nationalId: '', insuranceNumber: '', allergies: '', contrastAllergy: false, notes: '',
};

export function formValuesOf(p: Patient): PatientFormValues {
  const { familyName, givenName, middleName, namePrefix, nameSuffix, birthDate, sex, phone, email, address, nationalId,
    insuranceNumber, allergies, contrastAllergy, notes } = p;
  return { familyName, givenName, middleName, namePrefix, nameSuffix, birthDate, sex, phone, email, address, nationalId,
    insuranceNumber, allergies, contrastAllergy, notes };
}

// What is sent: every field (an edit replaces them all), trimmed.
export function fieldsOf(v: PatientFormValues): PatientFields {
  const t = (s: string) => s.trim();
  return {
    familyName: t(v.familyName), givenName: t(v.givenName), middleName: t(v.middleName), namePrefix: t(v.namePrefix),
    nameSuffix: t(v.nameSuffix), birthDate: v.birthDate, sex: v.sex as PatientFields['sex'], phone: t(v.phone),
    email: t(v.email), address: t(v.address), nationalId: t(v.nationalId), insuranceNumber: t(v.insuranceNumber),
    allergies: t(v.allergies), contrastAllergy: v.contrastAllergy, notes: t(v.notes),
  };
}

// The server's refusals that belong to a field of the form, and those that do not (the MRN).
export function splitFieldErrors(errors: FieldError[]): { fields: [PatientFormField, FieldError][]; other: FieldError[] } {
  const known = new Set<string>(Object.keys(EMPTY_PATIENT));
  const fields: [PatientFormField, FieldError][] = [];
  const other: FieldError[] = [];
  for (const e of errors) {
    if (known.has(e.field)) fields.push([e.field as PatientFormField, e]);
    else other.push(e);
  }
  return { fields, other };
}

// A name as a person reads it: "García López, Ana María".
export function displayName(p: Pick<Patient, 'familyName' | 'givenName' | 'middleName' | 'namePrefix' | 'nameSuffix'>): string {
  const given = [p.namePrefix, p.givenName, p.middleName].filter(Boolean).join(' ');
  const family = [p.familyName, p.nameSuffix].filter(Boolean).join(' ');
  return given ? `${family}, ${given}` : family;
}

// A search typed before pressing "Register" starts the form: "garcia lopez, ana" gives both names.
export function initialFromQuery(query: unknown): PatientFormValues {
  if (typeof query !== 'string' || !/^[\p{L}' -]+(,[\p{L}' -]*)?$/u.test(query.trim())) return EMPTY_PATIENT;
  const [family, given = ''] = query.split(',').map((s) => s.trim());
  return { ...EMPTY_PATIENT, familyName: family, givenName: given };
}
