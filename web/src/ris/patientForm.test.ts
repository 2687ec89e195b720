import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMPTY_PATIENT, displayName, fieldsOf, initialFromQuery, patientSchema, splitFieldErrors } from './patientForm';

const TODAY = '2026-12-05';
const valid = { ...EMPTY_PATIENT, familyName: 'García López', givenName: 'Ana', birthDate: '1975-03-14', sex: 'F' as const };

function problems(values: object): Record<string, string> {
  const r = patientSchema(TODAY).safeParse({ ...valid, ...values });
  if (r.success) return {};
  return Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
}

describe('the patient form', () => {
  it('accepts a complete patient', () => {
    expect(problems({})).toEqual({});
    expect(problems({ phone: '+34 (93) 555-01-23', email: 'ana@example.org', familyName: '山田' })).toEqual({});
  });
  it('says what is missing with the server rule codes', () => {
    expect(problems({ familyName: '  ', birthDate: '', sex: '' })).toEqual({ familyName: 'required', birthDate: 'required', sex: 'required' });
  });
  it('refuses impossible, future and too old birth dates', () => {
    expect(problems({ birthDate: '1981-02-29' })).toEqual({ birthDate: 'format' });
    expect(problems({ birthDate: '2026-12-06' })).toEqual({ birthDate: 'future' });
    expect(problems({ birthDate: TODAY })).toEqual({});
    expect(problems({ birthDate: '1879-12-31' })).toEqual({ birthDate: 'too_old' });
  });
  it('refuses phone numbers and e-mail addresses that cannot be', () => {
    expect(problems({ phone: '12345' })).toEqual({ phone: 'format' });
    expect(problems({ phone: '1234567890123456' })).toEqual({ phone: 'format' });
    expect(problems({ phone: '555 12 34 ext 5' })).toEqual({ phone: 'format' });
    expect(problems({ phone: '12+3456789' })).toEqual({ phone: 'format' });
    expect(problems({ email: 'ana@example' })).toEqual({ email: 'format' });
    expect(problems({ email: 'ana@@example.org' })).toEqual({ email: 'format' });
  });
  it('refuses DICOM delimiters, control characters and over-long text', () => {
    expect(problems({ givenName: 'Ana^María' })).toEqual({ givenName: 'format' });
    expect(problems({ nationalId: '123\\45' })).toEqual({ nationalId: 'format' });
    expect(problems({ familyName: 'Gar\u0007cía' })).toEqual({ familyName: 'format' });
    expect(problems({ address: 'Carrer Major 1\n08001 Barcelona' })).toEqual({});
    expect(problems({ familyName: 'x'.repeat(65) })).toEqual({ familyName: 'too_long' });
    expect(problems({ familyName: 'é'.repeat(64) })).toEqual({}); // characters, not bytes
  });
  it('sends every field trimmed', () => {
    const sent = fieldsOf({ ...valid, familyName: ' García ', notes: ' x ' });
    expect(sent.familyName).toBe('García');
    expect(sent.notes).toBe('x');
    expect(Object.keys(sent).sort()).toEqual(Object.keys(EMPTY_PATIENT).sort());
  });
  it('puts the server refusals on their fields, and keeps the others apart', () => {
    const { fields, other } = splitFieldErrors([
      { field: 'phone', rule: 'format', message: '' },
      { field: 'mrn', rule: 'taken', message: '' },
    ]);
    expect(fields.map(([f]) => f)).toEqual(['phone']);
    expect(other.map((e) => e.field)).toEqual(['mrn']);
  });
  it('starts a registration from the search typed, when it was a name', () => {
    expect(initialFromQuery('garcía lópez, ana')).toMatchObject({ familyName: 'garcía lópez', givenName: 'ana' });
    expect(initialFromQuery('00001234')).toEqual(EMPTY_PATIENT);
    expect(initialFromQuery(undefined)).toEqual(EMPTY_PATIENT);
  });
  it('writes a name family first', () => {
    expect(displayName({ familyName: 'García López', givenName: 'Ana', middleName: 'María', namePrefix: 'Dr.', nameSuffix: '' }))
      .toBe('García López, Dr. Ana María');
    expect(displayName({ familyName: '山田', givenName: '', middleName: '', namePrefix: '', nameSuffix: '' })).toBe('山田');
  });
});

// The table the server's rules run too (tests/unit/ris_patients_test.cpp): both must agree.
describe('the cases shared with the server', () => {
  const table = JSON.parse(readFileSync(new URL('../../../tests/fixtures/patient_rule_cases.json', import.meta.url), 'utf8')) as {
    today: string;
    valid: Record<string, string>;
    cases: { field: string; value: string; rule: string | null }[];
  };
  it.each(table.cases.map((c) => [c.field, JSON.stringify(c.value), c.rule, c] as const))('%s = %s: %s', (_f, _v, _r, c) => {
    const r = patientSchema(table.today).safeParse({ ...EMPTY_PATIENT, ...table.valid, [c.field]: c.value });
    const issues = r.success ? [] : r.error.issues.map((i) => [String(i.path[0]), i.message]);
    expect(issues).toEqual(c.rule === null ? [] : [[c.field, c.rule]]);
  });
});
