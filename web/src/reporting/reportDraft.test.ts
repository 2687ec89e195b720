import { describe, expect, it } from 'vitest';
import type { ReadingItem, Report, ReportContent, ReportTemplate } from './types';
import { appended, isEmpty, measurementLine, needsSave, sameContent, savesAgainAfter, startingContent, withTemplate, withText } from './reportDraft';

const exam = {
  reportTemplate: 'CT-HEAD',
  appointment: { reason: 'Headache', clinicalInfo: 'Fell yesterday' },
} as unknown as ReadingItem;

const chest = {
  code: 'VIR-CT-CHEST', name: 'CT chest', modalities: ['CT'], bodyRegion: 'chest', findingsSystem: 'lungrads',
  sections: [
    { key: 'indication', title: 'Clinical information', text: '' },
    { key: 'technique', title: 'Technique', text: 'CT with contrast.' },
    { key: 'findings', title: 'Findings', text: 'Lungs: clear.' },
    { key: 'nodules', title: 'Nodules', text: 'None.' },
  ],
  macros: [],
} as unknown as ReportTemplate;

describe('the report being written', () => {
  it('starts from the procedure\'s template, the order as its indication', () => {
    const c = startingContent(exam, null, (k) => k.toUpperCase(), chest);
    expect(c.templateCode).toBe('VIR-CT-CHEST');
    expect(c.sections).toEqual([
      { key: 'indication', title: 'INDICATION', text: 'Headache\nFell yesterday' },
      { key: 'technique', title: 'TECHNIQUE', text: 'CT with contrast.' },
      { key: 'findings', title: 'FINDINGS', text: 'Lungs: clear.' },
      { key: 'nodules', title: 'Nodules', text: 'None.' },
    ]);
  });

  it('keeps what was typed when a template is chosen', () => {
    const typed = withText(startingContent(exam, null, (k) => k), 'findings', 'A 6 mm nodule.');
    const c = withTemplate({ ...withText(typed, 'impression', 'Follow-up.'), findings: [{ system: 'lungrads', values: {} }] },
      chest, (k) => k);
    expect(c.sections.map((s) => [s.key, s.text])).toEqual([
      ['indication', 'Headache\nFell yesterday'], ['technique', 'CT with contrast.'], ['findings', 'A 6 mm nodule.'],
      ['nodules', 'None.'], ['impression', 'Follow-up.']]);
    expect(c.findings).toHaveLength(1);
  });

  it('replaces the previous template\'s text left as it was when another template is chosen', () => {
    const fromChest = withText(startingContent(exam, null, (k) => k, chest), 'nodules', 'Two nodules.');
    const other = { ...chest, code: 'OTHER', sections: [{ key: 'findings', title: 'Findings', text: 'EF [[EF]] %' },
      { key: 'technique', title: 'Technique', text: 'Cine SSFP.' }] } as unknown as ReportTemplate;
    const c = withTemplate(fromChest, other, (k) => k, chest);
    expect(c.sections.map((s) => [s.key, s.text])).toEqual([
      ['findings', 'EF [[EF]] %'], ['technique', 'Cine SSFP.'], ['indication', 'Headache\nFell yesterday'], ['nodules', 'Two nodules.']]);
  });

  it('keeps a template\'s own section titles when it is in another language than the reader\'s', () => {
    const catalan = { ...chest, language: 'ca', sections: [{ key: 'findings', title: 'Troballes', text: '' }] } as unknown as ReportTemplate;
    const blank = startingContent(exam, null, (k) => k.toUpperCase());
    expect(withTemplate(blank, catalan, (k) => k.toUpperCase(), undefined, 'en').sections[0].title).toBe('Troballes');
    expect(withTemplate(blank, { ...catalan, language: 'en' }, (k) => k.toUpperCase(), undefined, 'en').sections[0].title).toBe('FINDINGS');
  });


  it('starts from the standard sections with the order as the indication', () => {
    const c = startingContent(exam, null, (k) => k.toUpperCase());
    expect(c.templateCode).toBe(''); // the procedure's CT-HEAD is no template that exists
    expect(c.sections.map((s) => s.key)).toEqual(['indication', 'technique', 'comparison', 'findings', 'impression']);
    expect(c.sections[0]).toEqual({ key: 'indication', title: 'INDICATION', text: 'Headache\nFell yesterday' });
    expect(isEmpty(c)).toBe(false);
  });

  it('starts from the saved working text when there is one', () => {
    const draft: ReportContent = { templateCode: '', sections: [{ key: 'findings', title: 'Findings', text: 'Normal.' }] };
    expect(startingContent(exam, { draft } as unknown as Report, (k) => k)).toBe(draft);
  });

  it('knows when the typed text differs from the saved one', () => {
    const c = startingContent(exam, null, (k) => k);
    const typed = withText(c, 'findings', 'No haemorrhage.');
    expect(sameContent(c, typed)).toBe(false);
    expect(needsSave(typed, c, false)).toBe(true);
    expect(needsSave(typed, c, true)).toBe(false);
    expect(needsSave(c, c, false)).toBe(false);
    // A structured finding is content; its fields' order as the server returns them is not.
    const coded = { ...c, findings: [{ system: 'birads', values: { laterality: 'L', assessment: '4' } }] };
    expect(needsSave(coded, c, false)).toBe(true);
    expect(isEmpty({ ...coded, sections: [] })).toBe(false);
    const asSaved = { ...c, findings: [{ system: 'birads', values: { assessment: '4', laterality: 'L' } }] };
    expect(sameContent(coded, asSaved)).toBe(true);
    expect(isEmpty(withText(withText(c, 'indication', ' '), 'findings', '\n'))).toBe(true);
  });

  it('adds lines at the end of a section', () => {
    expect(appended('', ['a'])).toBe('a');
    expect(appended('Normal.\n\n', ['a', 'b'])).toBe('Normal.\na\nb');
    expect(appended('x', [])).toBe('x');
  });

  it('writes a measurement as a line of the findings', () => {
    const image = { study: 's', series: '1.2', sop: '1.3', frame: 1 };
    const names: Record<string, string> = { Length: 'Length', length: 'length', area: 'area', mean: 'mean' };
    expect(measurementLine({ uid: 'u', tool: 'Length', label: '', values: [{ name: 'length', value: 12.345, unit: 'mm' }], image,
      spacing: 'PixelSpacing' }, 'en', (k) => names[k] ?? k)).toBe('Length: 12.3 mm');
    // A mammogram's millimetres are not in the patient's plane: the line says where they are.
    expect(measurementLine({ uid: 'u', tool: 'Length', label: '', values: [{ name: 'length', value: 12.345, unit: 'mm' }], image,
      spacing: 'ERMF' }, 'en', (k) => ({ ...names, ERMF: 'estimated at the patient' })[k] ?? k)).toBe('Length: 12.3 mm (estimated at the patient)');
    expect(measurementLine({ uid: 'u', tool: 'Angle', label: '', values: [{ name: 'angle', value: 30, unit: '°' }], image,
      spacing: 'ImagerPixelSpacing' }, 'en', (k) => names[k] ?? k)).toBe('Angle: 30 °');
    expect(measurementLine({ uid: 'u', tool: 'EllipticalROI', label: 'Nódulo',
      values: [{ name: 'area', value: 1234.5, unit: 'mm²' }, { name: 'mean', value: 42, unit: 'HU' }], image, spacing: null },
    'es', (k) => names[k] ?? k)).toBe('Nódulo: area 1234,5 mm², mean 42 HU');
    expect(measurementLine({ uid: 'u', tool: 'ArrowAnnotate', label: 'Fracture', values: [], image, spacing: null }, 'en', (k) => k)).toBe('Fracture');
  });
});

describe('after a refused save', () => {
  const text = (findings: string): ReportContent =>
    ({ templateCode: '', sections: [{ key: 'findings', title: 'Findings', text: findings }], findings: [] });
  it('sends a text the server found wrong again once it is corrected, never a conflict', () => {
    const tooLong = text('x'.repeat(100_001));
    expect(savesAgainAfter(400, tooLong, tooLong)).toBe(false);
    expect(savesAgainAfter(400, tooLong, text('Corrected.'))).toBe(true);
    expect(savesAgainAfter(413, tooLong, text('Corrected.'))).toBe(true);
    expect(savesAgainAfter(409, tooLong, text('Corrected.'))).toBe(false);
    expect(savesAgainAfter(403, tooLong, text('Corrected.'))).toBe(false);
  });
});
