import { describe, expect, it } from 'vitest';
import { categoryOf, missing, pointsOf, summary } from './codedFindings';
import type { Vocabulary } from './types';

const birads: Vocabulary = {
  key: 'birads', name: 'BI-RADS', title: 'Breast imaging', categoryField: 'assessment', levels: [],
  fields: [
    { key: 'assessment', label: 'Assessment', required: true, choices: [
      { code: '4A', label: 'Low suspicion for malignancy', management: 'Tissue diagnosis' },
      { code: '2', label: 'Benign', management: 'Routine screening' }] },
    { key: 'laterality', label: 'Side', required: true, choices: [{ code: 'L', label: 'left' }, { code: 'R', label: 'right' }] },
    { key: 'size_mm', label: 'Size', required: false, min: 1, max: 300, unit: 'mm' },
  ],
};

const tirads: Vocabulary = {
  key: 'tirads', name: 'TI-RADS', title: 'Thyroid', categoryField: '',
  levels: [{ code: 'TR1', label: 'Benign', fromPoints: 0 }, { code: 'TR3', label: 'Mildly suspicious', fromPoints: 3 },
    { code: 'TR4', label: 'Moderately suspicious', fromPoints: 4 }, { code: 'TR5', label: 'Highly suspicious', fromPoints: 7 }],
  fields: [
    { key: 'composition', label: 'Composition', required: true, choices: [{ code: 'solid', label: 'solid', points: 2 }] },
    { key: 'echogenicity', label: 'Echogenicity', required: true, choices: [{ code: 'very_hypo', label: 'very hypoechoic', points: 3 }] },
    { key: 'shape', label: 'Shape', required: true, choices: [{ code: 'taller', label: 'taller than wide', points: 3 }, { code: 'wider', label: 'wider', points: 0 }] },
  ],
};

describe('structured findings', () => {
  it('reads a BI-RADS finding as the report prints it', () => {
    const s = summary(birads, { system: 'birads', values: { assessment: '4A', laterality: 'L', size_mm: '12.5' } },
      (n) => new Intl.NumberFormat('es').format(n));
    expect(s.category).toBe('BI-RADS 4A: Low suspicion for malignancy');
    expect(s.description).toBe('Side: left; Size: 12,5 mm');
    expect(s.management).toBe('Tissue diagnosis');
  });

  it('counts TI-RADS points into a level', () => {
    const f = { system: 'tirads', values: { composition: 'solid', echogenicity: 'very_hypo', shape: 'taller' } };
    expect(pointsOf(tirads, f)).toBe(8);
    expect(categoryOf(tirads, f)?.code).toBe('TR5');
    expect(categoryOf(tirads, { ...f, values: { ...f.values, shape: 'wider' } })?.code).toBe('TR4');
  });

  it('says what a finding still lacks', () => {
    expect(missing(birads, { assessment: '2' })).toEqual(['laterality']);
    expect(missing(birads, { assessment: '2', laterality: 'R' })).toEqual([]);
  });

  it('writes TNM as its stage', () => {
    const tnm: Vocabulary = { key: 'tnm', name: 'TNM', title: 'TNM', categoryField: '', levels: [], fields: [] };
    expect(summary(tnm, { system: 'tnm', values: { t: 'T2', n: 'N1', m: 'M0', prefix: 'c' } }, String).category)
      .toBe('TNM cT2 N1 M0');
  });
});
