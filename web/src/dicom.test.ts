import { describe, expect, it } from 'vitest';
import { Tag, formatDate, number, personName, text } from './dicom';

describe('DICOM JSON', () => {
  it('reads strings, numbers and person names', () => {
    const ds = {
      [Tag.PatientName]: { vr: 'PN', Value: [{ Alphabetic: 'DOE^JOHN^Q' }] },
      [Tag.Rows]: { vr: 'US', Value: [512] },
      [Tag.SeriesNumber]: { vr: 'IS', Value: ['7'] },
      [Tag.Modality]: { vr: 'CS', Value: ['CT'] },
      [Tag.StudyDescription]: { vr: 'LO' },
    };
    expect(text(ds, Tag.PatientName)).toBe('DOE, JOHN Q');
    expect(number(ds, Tag.Rows)).toBe(512);
    expect(number(ds, Tag.SeriesNumber)).toBe(7);
    expect(text(ds, Tag.Modality)).toBe('CT');
    expect(text(ds, Tag.StudyDescription)).toBe('');
    expect(number(ds, Tag.Columns)).toBeUndefined();
  });
  it('formats names and dates for lists', () => {
    expect(personName({ Alphabetic: 'YAMADA', Ideographic: '山田' })).toBe('YAMADA');
    expect(personName({ Ideographic: '山田^太郎' })).toBe('山田, 太郎');
    expect(formatDate('20240102')).toBe('2024-01-02');
    expect(formatDate('')).toBe('');
  });
});
