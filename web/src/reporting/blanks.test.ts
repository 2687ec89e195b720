import { describe, expect, it } from 'vitest';
import { blanksIn, fieldOf, filled, macroForKey, mergeValue, withMerges } from './blanks';
import type { ReadingItem, ReportMacro, ReportTemplate } from './types';

const exam = {
  procedures: ['CT chest'], modality: 'CT', referringPhysician: 'Dr. Pau Casals',
  appointment: {
    accessionNumber: 'A000042', startsAt: '2027-03-01T08:00:00Z', imagesAt: '2027-03-01T08:20:00Z',
    reason: 'Cough', clinicalInfo: 'Smoker',
    patient: { name: 'PUIG, Núria', mrn: 'P0007', birthDate: '1975-03-14', sex: 'F' },
  },
} as unknown as ReadingItem;
const day = (iso: string) => iso.slice(0, 10);

describe('a template\'s blanks', () => {
  it('are the [[labels]] still in the text, filled one at a time', () => {
    const text = 'BPD [[BPD]] mm, HC [[HC]] mm; [[]] [[not\nclosed]] [[BPD]]';
    expect(blanksIn(text)).toEqual(['BPD', 'HC', 'BPD']);
    expect(blanksIn('See [[ prior. BPD [[BPD]] mm')).toEqual(['BPD']);
    expect(blanksIn(`[[${'x'.repeat(300)}]]`)).toEqual(['x'.repeat(300)]);
    expect(filled(text, 'BPD', '71')).toBe('BPD 71 mm, HC [[HC]] mm; [[]] [[not\nclosed]] [[BPD]]');
    expect(filled('nothing', 'BPD', '71')).toBe('nothing');
  });
  it('are free text where the template does not describe them', () => {
    const t = { fields: [{ label: 'Placenta', section: 'findings', type: 'SELECT', choices: ['anterior'], units: '', completion: 'PROHIBIT', merge: false }] } as unknown as ReportTemplate;
    expect(fieldOf(t, 'Placenta', 'findings').type).toBe('SELECT');
    expect(fieldOf(t, 'Other', 'impression')).toMatchObject({ type: 'TEXT', section: 'impression', completion: 'NONE' });
  });
  it('merge fields are filled from the RIS by the words of their label, in three languages', () => {
    expect(mergeValue('Patient name', exam, day)).toBe('PUIG, Núria');
    expect(mergeValue('Fecha de nacimiento', exam, day)).toBe('1975-03-14');
    expect(mergeValue('Número d\'accés', exam, day)).toBe('A000042');
    expect(mergeValue('Exam date', exam, day)).toBe('2027-03-01');
    expect(mergeValue('Clinical information', exam, day)).toBe('Cough. Smoker');
    expect(mergeValue('Metge sol·licitant', exam, day)).toBe('Dr. Pau Casals');
    expect(mergeValue('Procedure', exam, day)).toBe('CT chest');
    expect(mergeValue('Ejection fraction', exam, day)).toBeNull();
    expect(mergeValue('Patient sex', exam, day)).toBe('F');
    expect(mergeValue('Patient age', exam, day)).toBeNull();
    expect(mergeValue('Nombre del paciente', exam, day)).toBe('PUIG, Núria');
    const t = { fields: [{ label: 'Patient name', merge: true }, { label: 'EF', merge: false }] } as unknown as ReportTemplate;
    const c = withMerges({ templateCode: 'X', sections: [{ key: 'findings', title: 'F', text: '[[Patient name]]: EF [[EF]]' }] }, t, exam, day);
    expect(c.sections[0].text).toBe('PUIG, Núria: EF [[EF]]');
  });
  it('a macro is inserted by its Alt shortcut, its own section\'s first', () => {
    const macros = [
      { key: 'a', name: 'A', section: 'impression', text: 'a', shortcut: 'Alt+1' },
      { key: 'b', name: 'B', section: 'findings', text: 'b', shortcut: 'Alt+1' },
      { key: 'c', name: 'C', section: 'findings', text: 'c', shortcut: 'Alt+N' },
    ] as ReportMacro[];
    const press = (code: string, key: string, altKey = true) => ({ altKey, ctrlKey: false, metaKey: false, code, key });
    expect(macroForKey(macros, 'findings', press('Digit1', '1'))?.key).toBe('b');
    expect(macroForKey(macros, 'impression', press('Digit1', '1'))?.key).toBe('a');
    expect(macroForKey(macros, 'technique', press('Digit1', '1'))).toBeNull(); // never into another section
    expect(macroForKey(macros, 'findings', press('KeyN', 'n'))?.key).toBe('c');
    expect(macroForKey(macros, 'findings', press('Digit1', '1', false))).toBeNull();
    expect(macroForKey(macros, 'findings', press('Digit2', '2'))).toBeNull();
    expect(macroForKey(macros, 'findings', press('Numpad1', '1'))).toBeNull(); // Windows Alt codes (Alt+0176)
    expect(macroForKey(macros, 'findings', press('Digit1', '¡'))).toBeNull(); // the Mac's Option characters
  });
});
