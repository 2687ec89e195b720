import { describe, expect, it } from 'vitest';
import { dayOf, formatTime, freeStarts, hoursShown, isFreeStart, isOpen, mondayOf, shiftDay, suitsRequest } from './clinicTime';
import type { Slots } from './types';

const slots: Slots = {
  timeZone: 'Europe/Madrid', durationMinutes: 35, stepMinutes: 5, modality: 'CT', fullDays: [],
  windows: [
    { roomId: 2, first: '2027-03-01T08:00:00Z', last: '2027-03-01T09:00:00Z' },
    { roomId: 1, first: '2027-03-01T07:10:00Z', last: '2027-03-01T07:20:00Z' },
  ],
};

describe('the clinic\'s time', () => {
  it('reads and writes wall-clock times in the clinic\'s zone, whatever the browser\'s', () => {
    expect(formatTime('2027-03-01T09:00:00Z', 'Europe/Madrid', 'en-GB')).toBe('10:00');
    expect(formatTime('2027-03-01T09:00:00Z', 'America/New_York', 'en-GB')).toBe('04:00');
    expect(dayOf('2027-03-01T23:30:00Z', 'Europe/Madrid')).toBe('2027-03-02');
    expect(shiftDay('2027-02-28', 1)).toBe('2027-03-01');
    expect(shiftDay('2027-03-28', 1)).toBe('2027-03-29');  // across a DST change
    expect(mondayOf('2027-03-07')).toBe('2027-03-01');
    expect(mondayOf('2027-03-01')).toBe('2027-03-01');
  });
  it('knows a room\'s open spans and an order\'s free starts', () => {
    const days = [{ roomId: 1, day: '2027-03-01', closedReason: '', open: [{ start: '2027-03-01T07:00:00Z', end: '2027-03-01T13:00:00Z' }] }];
    expect(isOpen(days, 1, new Date('2027-03-01T07:00:00Z'))).toBe(true);
    expect(isOpen(days, 1, new Date('2027-03-01T13:00:00Z'))).toBe(false);
    expect(isOpen(days, 2, new Date('2027-03-01T08:00:00Z'))).toBe(false);
    expect(isFreeStart(slots, 2, new Date('2027-03-01T08:15:00Z'))).toBe(true);
    expect(isFreeStart(slots, 2, new Date('2027-03-01T08:17:00Z'))).toBe(false);
    expect(isFreeStart(slots, 1, new Date('2027-03-01T08:15:00Z'))).toBe(false);
    expect(isFreeStart(undefined, 1, new Date('2027-03-01T07:10:00Z'))).toBe(false);
    expect(freeStarts(slots, 30, 4)).toEqual([
      { roomId: 1, start: '2027-03-01T07:10:00.000Z' },
      { roomId: 2, start: '2027-03-01T08:00:00.000Z' },
      { roomId: 2, start: '2027-03-01T08:30:00.000Z' },
      { roomId: 2, start: '2027-03-01T09:00:00.000Z' },
    ]);
    expect(hoursShown(days, 'Europe/Madrid')).toEqual({ min: 8, max: 14 });
    expect(hoursShown([], 'Europe/Madrid')).toEqual({ min: 8, max: 20 });
  });
});

describe('a request\'s preferences', () => {
  const wanted = (preferredTime: 'any' | 'morning' | 'afternoon', preferredFrom = '2027-03-01', preferredTo = '2027-03-05') =>
    ({ preferredFrom, preferredTo, preferredTime });
  it('keeps the days asked for, on the clinic\'s calendar', () => {
    // 23:30 UTC on 28 February is 00:30 on 1 March in Madrid: the first day asked for.
    expect(suitsRequest('2027-02-28T23:30:00Z', 'Europe/Madrid', wanted('any'))).toBe(true);
    expect(suitsRequest('2027-02-28T22:30:00Z', 'Europe/Madrid', wanted('any'))).toBe(false);
    expect(suitsRequest('2027-03-05T22:59:00Z', 'Europe/Madrid', wanted('any'))).toBe(true);
    expect(suitsRequest('2027-03-05T23:00:00Z', 'Europe/Madrid', wanted('any'))).toBe(false);
    expect(suitsRequest('2027-06-01T10:00:00Z', 'Europe/Madrid', wanted('any', '', ''))).toBe(true);
  });
  it('splits the day at 14:00 on the clinic\'s clock, across a change of summer time', () => {
    // 28 March 2027: Madrid goes from UTC+1 to UTC+2.
    expect(suitsRequest('2027-03-03T12:59:00Z', 'Europe/Madrid', wanted('morning'))).toBe(true);   // 13:59
    expect(suitsRequest('2027-03-03T13:00:00Z', 'Europe/Madrid', wanted('morning'))).toBe(false);  // 14:00
    expect(suitsRequest('2027-03-03T13:00:00Z', 'Europe/Madrid', wanted('afternoon'))).toBe(true);
    const after = wanted('morning', '2027-03-29', '2027-03-30');
    expect(suitsRequest('2027-03-29T11:30:00Z', 'Europe/Madrid', after)).toBe(true);   // 13:30
    expect(suitsRequest('2027-03-29T12:30:00Z', 'Europe/Madrid', after)).toBe(false);  // 14:30
  });
});
