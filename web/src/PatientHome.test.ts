import { describe, expect, it } from 'vitest';
import './i18n/testLanguage';
import { longDate, plainKinds } from './PatientHome';

describe("the patient's words", () => {
  it('names examinations as patients do, reports only when there is nothing else', () => {
    expect(plainKinds(['CT'])).toBe('CT scan');
    expect(plainKinds(['CR', 'DX'])).toBe('X-ray');
    expect(plainKinds(['MR', 'SR'])).toBe('MRI scan');
    expect(plainKinds(['SR'])).toBe('Report');
    expect(plainKinds(['XX'])).toBe('Images');
  });
  it("writes dates out in the reader's language, and says when there is none", () => {
    expect(longDate('20040119', 'en-GB')).toBe('19 January 2004');
    expect(longDate('20040119', 'en-US')).toBe('January 19, 2004');
    expect(longDate('20040119', 'es-ES')).toBe('19 de enero de 2004');
    expect(longDate('')).toBe('Date not recorded');
  });
});
