import { describe, expect, it } from 'vitest';
import { dayOf, formatTime, freeStarts, hoursShown, isFreeStart, isOpen, mondayOf, shiftDay } from './clinicTime';
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
