// A report template as the administrator's form holds it, and back: choices as one per line,
// keys made from titles and names for what is new.
import { z } from 'zod';
import type { ReportTemplate } from './types';

const FIELD_TYPES = ['TEXT', 'NUMBER', 'DATE', 'TIME', 'DATETIME', 'SELECT', 'MULTISELECT'] as const;
const COMPLETIONS = ['NONE', 'ALERT', 'PROHIBIT'] as const;
export const TEMPLATE_STATUSES = ['ACTIVE', 'DRAFT', 'RETIRED'] as const;
export { COMPLETIONS, FIELD_TYPES };

// Messages are rule codes, said in the reader's words by the page (as the server's are).
export const templateSchema = z.object({
  code: z.string().trim().regex(/^[A-Z0-9][A-Z0-9._-]{0,63}$/, 'format'),
  name: z.string().trim().min(1, 'required').max(200, 'too_long'),
  modalities: z.array(z.string()).min(1, 'required'),
  bodyRegion: z.string().max(64, 'too_long'),
  language: z.string().regex(/^[a-z]{2}$/, 'format'),
  status: z.enum(TEMPLATE_STATUSES),
  topLevel: z.boolean(),
  findingsSystem: z.string(),
  findingsRule: z.enum(['', 'warn', 'block']),
  sections: z.array(z.object({
    key: z.string(), title: z.string().trim().min(1, 'required'), text: z.string().max(20000, 'too_long'), embed: z.string(),
  })).min(1, 'required'),
  fields: z.array(z.object({
    label: z.string().trim().min(1, 'required').regex(/^[^[\]\n]+$/, 'format'), section: z.string().min(1, 'required'),
    type: z.enum(FIELD_TYPES), choices: z.string(), units: z.string(), completion: z.enum(COMPLETIONS), merge: z.boolean(),
  })),
  macros: z.array(z.object({
    key: z.string(), name: z.string().trim().min(1, 'required'), section: z.string().min(1, 'required'),
    text: z.string().trim().min(1, 'required'), shortcut: z.string().regex(/^(Alt\+[0-9A-Z])?$/, 'format'),
  })),
});

export type TemplateFormValues = z.infer<typeof templateSchema>;

export const NEW_TEMPLATE: TemplateFormValues = {
  code: '', name: '', modalities: [], bodyRegion: '', language: 'en', status: 'ACTIVE', topLevel: true,
  findingsSystem: '', findingsRule: '',
  sections: [
    { key: 'indication', title: 'Clinical information', text: '', embed: '' },
    { key: 'technique', title: 'Technique', text: '', embed: '' },
    { key: 'comparison', title: 'Comparison', text: '', embed: '' },
    { key: 'findings', title: 'Findings', text: '', embed: '' },
    { key: 'impression', title: 'Impression', text: '', embed: '' },
  ],
  fields: [],
  macros: [],
};

export function templateValuesOf(t: ReportTemplate): TemplateFormValues {
  return {
    code: t.code, name: t.name, modalities: t.modalities, bodyRegion: t.bodyRegion, language: t.language,
    status: t.status, topLevel: t.topLevel, findingsSystem: t.findingsSystem,
    findingsRule: t.findingsRule,
    sections: t.sections.map((s) => ({ key: s.key, title: s.title, text: s.text, embed: s.embed ?? '' })),
    fields: t.fields.map((f) => ({ ...f, choices: f.choices.join('\n') })),
    macros: t.macros.map((m) => ({ ...m })),
  };
}

// A key for something new: its title's letters and digits ("Left ventricle" → left_ventricle),
// unique among `taken`.
export function keyFor(title: string, taken: readonly string[]): string {
  const base = title.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '').slice(0, 36) || 'item';
  let key = base;
  for (let n = 2; taken.includes(key); n += 1) key = `${base}_${n}`;
  return key;
}

// Each section's key: its own, or the one it will be given.
export function sectionKeys(sections: readonly { key: string; title: string }[]): string[] {
  const keys: string[] = [];
  for (const s of sections) keys.push(s.key || keyFor(s.title, keys));
  return keys;
}

export function templateOf(v: TemplateFormValues, original: ReportTemplate | null): ReportTemplate {
  const keys = sectionKeys(v.sections);
  const sections = v.sections.map((s, i) => ({ key: keys[i], title: s.title.trim(), text: s.text, embed: s.embed }));
  const macroKeys: string[] = [];
  const macros = v.macros.map((m) => {
    const key = m.key || keyFor(m.name, macroKeys);
    macroKeys.push(key);
    return { key, name: m.name.trim(), section: m.section, text: m.text, shortcut: m.shortcut };
  });
  return {
    code: v.code.trim(), name: v.name.trim(), modalities: v.modalities, bodyRegion: v.bodyRegion.trim(), language: v.language,
    status: v.status, topLevel: v.topLevel, findingsSystem: v.findingsSystem, findingsRule: v.findingsRule,
    sections,
    fields: v.fields.map((f) => ({
      ...f, label: f.label.trim(), choices: f.choices.split('\n').map((c) => c.trim()).filter((c) => c !== ''),
    })),
    macros,
    source: original?.source ?? 'clinic', vireoOriginal: original?.vireoOriginal ?? false, revision: original?.revision ?? 0,
    updatedAt: original?.updatedAt ?? '', updatedBy: original?.updatedBy ?? '', identifier: original?.identifier ?? '',
    publisher: original?.publisher ?? '', rights: original?.rights ?? '', license: original?.license ?? '',
  };
}
