import { describe, expect, it } from 'vitest';
import {
  EMPTY_PROCEDURE, consentList, hoursProblem, hoursSummary, minutesOfDay, procedureFieldsOf, procedureSchema, roomSchema,
  sameAsMonday, weekdayName, sitesOf, staffFieldsOf, EMPTY_STAFF,
} from './catalogueForms';

const day = (d: number) => ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d];

describe('opening hours', () => {
  it('reads times of day as the server does', () => {
    expect(minutesOfDay('07:30')).toBe(450);
    expect(minutesOfDay('24:00')).toBe(1440);
    for (const bad of ['24:01', '7:30', '07:60', '', 'ab:cd']) expect(minutesOfDay(bad), bad).toBe(-1);
  });
  it('names the first broken rule: format, order, overlap', () => {
    const lunch = [{ weekday: 1, opens: '08:00', closes: '14:00' }, { weekday: 1, opens: '15:00', closes: '20:00' }];
    expect(hoursProblem(lunch)).toBeNull();
    expect(hoursProblem([...lunch, { weekday: 1, opens: '14:00', closes: '15:00' }])).toBeNull(); // touching
    expect(hoursProblem([...lunch, { weekday: 1, opens: '13:00', closes: '16:00' }])).toBe('overlap');
    expect(hoursProblem([...lunch, { weekday: 2, opens: '13:00', closes: '16:00' }])).toBeNull(); // another day
    expect(hoursProblem([{ weekday: 1, opens: '14:00', closes: '08:00' }])).toBe('order');
    expect(hoursProblem([{ weekday: 8, opens: '08:00', closes: '14:00' }])).toBe('format');
    expect(hoursProblem([{ weekday: 1, opens: '', closes: '14:00' }])).toBe('format');
    expect(roomSchema.safeParse({ name: 'CT 1', modality: 'CT', aeTitle: '', bufferMinutes: 0, active: true,
      hours: [...lunch, { weekday: 1, opens: '13:00', closes: '16:00' }] }).error?.issues[0].message).toBe('overlap');
  });
  it('copies Monday to the weekdays and keeps the weekend', () => {
    const week = sameAsMonday([{ weekday: 1, opens: '08:00', closes: '14:00' }, { weekday: 3, opens: '10:00', closes: '11:00' },
      { weekday: 6, opens: '09:00', closes: '13:00' }]);
    expect(week.map((h) => `${h.weekday} ${h.opens}`)).toEqual(['1 08:00', '2 08:00', '3 08:00', '4 08:00', '5 08:00', '6 09:00']);
  });
  it('says a week in a line, days with the same hours together', () => {
    const week = sameAsMonday([{ weekday: 1, opens: '15:00', closes: '20:00' }, { weekday: 1, opens: '08:00', closes: '14:00' }]);
    expect(hoursSummary([...week, { weekday: 6, opens: '09:00', closes: '13:00' }], day))
      .toBe('Mon–Fri 08:00–14:00, 15:00–20:00 · Sat 09:00–13:00');
    expect(hoursSummary([{ weekday: 1, opens: '08:00', closes: '14:00' }, { weekday: 3, opens: '08:00', closes: '14:00' }], day))
      .toBe('Mon 08:00–14:00 · Wed 08:00–14:00');
    expect(hoursSummary([], day)).toBe('');
  });
  it('names weekdays in the reader\'s language, Monday first', () => {
    expect(weekdayName(1, 'en-GB', 'long')).toBe('Monday');
    expect(weekdayName(7, 'es', 'long')).toBe('domingo');
    expect(weekdayName(3, 'ca', 'long')).toBe('dimecres');
  });
});

describe('the procedure form', () => {
  const valid = { ...EMPTY_PROCEDURE, code: 'CT-THX-C', name: 'CT chest', modality: 'CT', durationMinutes: 20, price: 180.1 };
  const problems = (v: object) => {
    const r = procedureSchema.safeParse({ ...valid, ...v });
    return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
  };
  it('checks as the server does', () => {
    expect(problems({})).toEqual({});
    expect(problems({ code: '', name: '', modality: '' })).toEqual({ code: 'required', name: 'required', modality: 'required' });
    expect(problems({ code: 'CT THX', modality: 'XR' })).toEqual({ code: 'format', modality: 'unknown' });
    expect(problems({ durationMinutes: 7 })).toEqual({ durationMinutes: 'range' });
    expect(problems({ durationMinutes: 485 })).toEqual({ durationMinutes: 'range' });
    expect(problems({ durationMinutes: Number.NaN })).toEqual({ durationMinutes: 'required' });
    expect(problems({ consentTypes: 'contrast, MRI safety' })).toEqual({ consentTypes: 'format' });
    expect(problems({ dailyLimit: -1, price: -1 })).toEqual({ dailyLimit: 'range', price: 'range' });
  });
  it('sends the price in cents, the body part as DICOM writes it, the consents as a list', () => {
    const sent = procedureFieldsOf({ ...valid, bodyPart: ' chest ', consentTypes: 'contrast, , pregnancy ' });
    expect(sent.priceCents).toBe(18010);
    expect(sent.bodyPart).toBe('CHEST');
    expect(sent.consentTypes).toEqual(['contrast', 'pregnancy']);
    expect(consentList('')).toEqual([]);
  });
});

describe('sites', () => {
  it('lists the rooms\' sites once each, in the reader\'s order, without the blank one', () => {
    expect(sitesOf([{ site: 'Sant Cugat' }, { site: '' }, { site: ' Diagonal ' }, { site: 'Sant Cugat' }, {}], 'ca'))
      .toEqual(['Diagonal', 'Sant Cugat']);
    expect(sitesOf([{ site: 'Ávila' }, { site: 'Zamora' }, { site: 'Burgos' }], 'es')).toEqual(['Ávila', 'Burgos', 'Zamora']);
  });
  it('forgets the sites of someone who no longer reads', () => {
    const reader = { ...EMPTY_STAFF, username: 'vila', displayName: 'Dra. Marta Vila', radiologist: true, readsSites: ['Diagonal'] };
    expect(staffFieldsOf(reader).readsSites).toEqual(['Diagonal']);
    expect(staffFieldsOf({ ...reader, radiologist: false, contrastTechnician: true }).readsSites).toEqual([]);
  });
});
