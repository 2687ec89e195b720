import { describe, expect, it } from 'vitest';
import { durationText, hours } from './turnaroundFormat';

describe('turnaround times', () => {
  it('are minutes under an hour, hours under two days, days beyond', () => {
    expect(durationText(42.4, 'en')).toBe('42 min');
    expect(durationText(90, 'en')).toBe('1.5 hr');
    expect(durationText(47 * 60, 'es')).toBe('47 h');
    expect(durationText(3 * 24 * 60 + 720, 'en')).toBe('3.5 days');
    expect(hours(95)).toBe(1.6);
  });
});
