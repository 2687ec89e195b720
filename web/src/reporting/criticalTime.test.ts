import { describe, expect, it } from 'vitest';
import { lastAt } from './CriticalResults';

describe('when a critical result was received', () => {
  it('is today, or yesterday for a call before midnight recorded after it', () => {
    const now = new Date(2027, 2, 1, 0, 10);
    expect(new Date(lastAt(23, 55, now)).getDate()).toBe(28);
    expect(new Date(lastAt(0, 5, now)).getDate()).toBe(1);
    expect(new Date(lastAt(0, 11, now)).getDate()).toBe(1); // within the minute it is recorded in
  });
});
