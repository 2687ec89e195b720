import { describe, expect, it } from 'vitest';
import { readingState, waitingText } from './readingList';

describe('the reading worklist', () => {
  it('says who reads an exam', () => {
    expect(readingState({ readingBy: '' }, 'serra')).toBe('waiting');
    expect(readingState({ readingBy: 'serra' }, 'serra')).toBe('mine');
    expect(readingState({ readingBy: 'vila' }, 'serra')).toBe('other');
  });

  it('says how long an exam has waited in minutes, hours, then days', () => {
    const now = Date.parse('2027-03-01T12:00:00Z');
    expect(waitingText('2027-03-01T11:48:00Z', now, 'en')).toMatch(/^12\s?m/);
    expect(waitingText('2027-03-01T09:00:00Z', now, 'en')).toMatch(/^3\s?h/);
    expect(waitingText('2027-02-26T12:00:00Z', now, 'en')).toMatch(/^3\s?d/);
    expect(waitingText('', now, 'en')).toBe('');
    expect(waitingText('2027-03-01T12:05:00Z', now, 'en')).toMatch(/^0\s?m/);
  });
});
