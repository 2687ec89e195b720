import { describe, expect, it } from 'vitest';
import { keyFor, NEW_TEMPLATE, templateOf, templateSchema, templateValuesOf } from './templateForm';

describe('a template in the administrator\'s form', () => {
  it('goes back as the API reads it: choices one per line, keys made for what is new', () => {
    const values = {
      ...NEW_TEMPLATE, code: 'CLINIC-OB', name: 'Obstetric US', modalities: ['US'],
      sections: [...NEW_TEMPLATE.sections, { key: '', title: 'Fetal anatomy', text: 'Normal.', embed: '' }],
      fields: [{ label: 'Placenta', section: 'findings', type: 'SELECT' as const, choices: 'anterior\n\n posterior ', units: '',
        completion: 'PROHIBIT' as const, merge: false }],
      macros: [{ key: '', name: 'Placenta clear', section: 'findings', text: 'Clear of the os.', shortcut: 'Alt+1' }],
    };
    expect(templateSchema.safeParse(values).success).toBe(true);
    const t = templateOf(values, null);
    expect(t.sections.map((s) => s.key)).toEqual(['indication', 'technique', 'comparison', 'findings', 'impression', 'fetal_anatomy']);
    expect(t.fields[0].choices).toEqual(['anterior', 'posterior']);
    expect(t.macros[0].key).toBe('placenta_clear');
    expect([t.source, t.revision]).toEqual(['clinic', 0]);
    expect(templateValuesOf(t).fields[0].choices).toBe('anterior\nposterior');
  });
  it('names what to correct by its rule', () => {
    const bad = templateSchema.safeParse({ ...NEW_TEMPLATE, code: 'lower', macros: [{ key: 'a', name: 'A', section: 'findings', text: 'x', shortcut: 'F5' }] });
    expect(bad.success).toBe(false);
    const issues = bad.success ? [] : bad.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    expect(issues).toEqual(['code format', 'name required', 'modalities required', 'macros.0.shortcut format']);
  });
  it('makes unique keys from titles in any language', () => {
    expect(keyFor('Descripció del nòdul', [])).toBe('descripcio_del_nodul');
    expect(keyFor('Findings', ['findings'])).toBe('findings_2');
    expect(keyFor('¿?', [])).toBe('item');
  });
});
