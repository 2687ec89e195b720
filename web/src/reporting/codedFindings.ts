// Structured findings as the editor shows them (codedFindings.test.ts): what a finding says in
// its vocabulary's words, and what it still lacks. The server checks and prints them; this is the
// same reading of the same vocabulary, for the screen.
import type { CodedFinding, Vocabulary, VocabularyField, VocabularyTerm } from './types';

function term(field: VocabularyField, code: string | undefined): VocabularyTerm | undefined {
  return code === undefined ? undefined : field.choices?.find((c) => c.code === code);
}

// TI-RADS: the points its features add up to.
export function pointsOf(v: Vocabulary, f: CodedFinding): number {
  return v.fields.reduce((sum, field) => sum + (term(field, f.values[field.key])?.points ?? 0), 0);
}

// The finding's category: its category field's term, or the level its points reach.
export function categoryOf(v: Vocabulary, f: CodedFinding): VocabularyTerm | undefined {
  if (v.categoryField) return term(v.fields.find((x) => x.key === v.categoryField)!, f.values[v.categoryField]);
  if (v.levels.length === 0) return undefined;
  const points = pointsOf(v, f);
  return [...v.levels].reverse().find((l) => points >= (l.fromPoints ?? 0));
}

export interface FindingSummary {
  category: string;     // "BI-RADS 4A: Low suspicion for malignancy", "TNM T2 N1 M0"
  description: string;  // "Side: left; Size: 12 mm"
  management: string;
}

export function summary(v: Vocabulary, f: CodedFinding, number: (n: number) => string): FindingSummary {
  if (v.key === 'tnm') {
    const staged = `${f.values.prefix ?? ''}${f.values.t ?? ''} ${f.values.n ?? ''} ${f.values.m ?? ''}`.trim();
    return { category: `${v.name} ${staged}`, description: '', management: '' };
  }
  const category = categoryOf(v, f);
  const description = v.fields
    .filter((field) => field.key !== v.categoryField && f.values[field.key] !== undefined && f.values[field.key] !== '')
    .map((field) => {
      const value = f.values[field.key];
      const shown = field.choices ? term(field, value)?.label ?? value : `${number(Number(value))} ${field.unit ?? ''}`.trim();
      return `${field.label}: ${shown}`;
    })
    .join('; ');
  return {
    category: category ? `${v.name} ${category.code}: ${category.label}` : v.name,
    description,
    management: category?.management ?? '',
  };
}

// The required fields not given yet, by key.
export function missing(v: Vocabulary, values: Record<string, string>): string[] {
  return v.fields.filter((f) => f.required && (values[f.key] ?? '') === '').map((f) => f.key);
}
