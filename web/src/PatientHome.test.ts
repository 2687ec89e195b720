import { describe, expect, it } from 'vitest';
import { longDate, plainKinds } from './PatientHome';

describe("the patient's words", () => {
  it('names examinations as patients do, reports only when there is nothing else', () => {
    expect(plainKinds(['CT'])).toBe('CT scan');
    expect(plainKinds(['CR', 'DX'])).toBe('X-ray');
    expect(plainKinds(['MR', 'SR'])).toBe('MRI scan');
    expect(plainKinds(['SR'])).toBe('Report');
    expect(plainKinds(['XX'])).toBe('Images');
  });
  it('writes dates out, and says when there is none', () => {
    expect(longDate('20040119')).toBe(new Date(2004, 0, 19).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' }));
    expect(longDate('')).toBe('Date not recorded');
  });
});
