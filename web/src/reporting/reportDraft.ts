// The report's working text as the editor keeps it, as plain functions (reportDraft.test.ts):
// the sections a new report starts with, the text a measurement inserts, and what the
// autosave has left to do.
import type { ViewerMeasurement } from '../viewer/ViewerSelection';
import { sameKeyImages } from './keyImages';
import type { ReadingItem, Report, ReportContent, ReportSection, ReportTemplate } from './types';

// IHE MRRT's sections of a report, in order.
export const STANDARD_SECTIONS = ['indication', 'technique', 'comparison', 'findings', 'impression'] as const;

// The text a report starts from: the saved working text, or the procedure's template (else the
// standard sections) with the order's reason and clinical information as the indication.
// `title` names a standard section in the reader's language.
export function startingContent(exam: ReadingItem, report: Report | null, title: (key: string) => string,
  template?: ReportTemplate, merge: (c: ReportContent, t: ReportTemplate) => ReportContent = (c) => c,
  language?: string): ReportContent {
  if (report && (report.draft.sections.length > 0 || (report.draft.findings ?? []).length > 0)) return report.draft;
  const a = exam.appointment;
  const indication = [a.reason, a.clinicalInfo].filter((s) => s.trim() !== '').join('\n');
  const blank: ReportContent = {
    templateCode: '',
    sections: STANDARD_SECTIONS.map((key) => ({ key, title: title(key), text: key === 'indication' ? indication : '' })),
    findings: [],
  };
  return template ? merge(withTemplate(blank, template, title, undefined, language), template) : blank;
}

// The content written from `template`: its sections in its order, each keeping what was typed
// in it or else starting with the template's normal text; sections it lacks keep their text at
// the end. Structured findings stay. The text of the template it was written from (`previous`),
// untouched, is not what was typed: it gives way to the new template's. A template in another
// language than the reader's (`language`) keeps its own section titles: the report is in its language.
export function withTemplate(content: ReportContent, template: ReportTemplate, title: (key: string) => string,
  previous?: ReportTemplate, language?: string): ReportContent {
  const untouched = (key: string, text: string) =>
    previous?.sections.some((s) => s.key === key && s.text.trim() === text.trim()) ?? false;
  const typed = (key: string) => content.sections.find((s) => s.key === key && s.text.trim() !== '' && !untouched(key, s.text));
  const ownTitles = language !== undefined && template.language !== undefined && template.language !== language;
  const standard = (key: string) => !ownTitles && (STANDARD_SECTIONS as readonly string[]).includes(key);
  const sections = template.sections.map((s): ReportSection =>
    ({ key: s.key, title: standard(s.key) ? title(s.key) : s.title, text: typed(s.key)?.text ?? s.text }));
  const rest = content.sections.filter((s) => s.text.trim() !== '' && !untouched(s.key, s.text)
    && !template.sections.some((t) => t.key === s.key));
  return { ...content, templateCode: template.code, sections: [...sections, ...rest] };
}

// An addendum's working text: one section.
export function startingAddendum(report: Report, title: string): ReportContent {
  if (report.draft.sections.length > 0 || (report.draft.findings ?? []).length > 0) return report.draft;
  return { templateCode: '', sections: [{ key: 'addendum', title, text: '' }], findings: [] };
}

export function isEmpty(content: ReportContent): boolean {
  return (content.findings ?? []).length === 0 && content.sections.every((s) => s.text.trim() === '');
}

// The findings as text that ignores the order of each one's fields (the server keeps them by name).
function canonicalFindings(c: ReportContent): string {
  return JSON.stringify((c.findings ?? []).map((f) => [f.system, Object.entries(f.values).sort(([x], [y]) => (x < y ? -1 : 1))]));
}

export function sameContent(a: ReportContent, b: ReportContent): boolean {
  return a.templateCode === b.templateCode && a.sections.length === b.sections.length &&
    a.sections.every((s, i) => s.key === b.sections[i].key && s.title === b.sections[i].title && s.text === b.sections[i].text) &&
    canonicalFindings(a) === canonicalFindings(b) && sameKeyImages(a.keyImages ?? [], b.keyImages ?? []);
}

export function withText(content: ReportContent, key: string, text: string): ReportContent {
  return { ...content, sections: content.sections.map((s): ReportSection => (s.key === key ? { ...s, text } : s)) };
}

// A section's text with `lines` added at its end, each on its own line.
export function appended(text: string, lines: string[]): string {
  if (lines.length === 0) return text;
  const body = text.replace(/\s+$/, '');
  return (body ? `${body}\n` : '') + lines.join('\n');
}

// "Length: 12.4 mm", "Nodule: area 1,234.5 mm², mean 42 HU": a measurement as a line of the
// findings. `name` says a tool's or a value's name in the reader's language; numbers in its
// locale. An arrow's text is its label.
export function measurementLine(m: ViewerMeasurement, locale: string, name: (key: string) => string): string {
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  // One value is the tool's own (a length's length, an angle's angle): not named twice.
  const values = m.values.map((v) => `${m.values.length > 1 ? `${name(v.name)} ` : ''}${number.format(v.value)} ${v.unit}`.trim());
  const head = m.label || name(m.tool);
  // Millimetres not in the patient's plane say where they are.
  const where = m.spacing && m.spacing !== 'PixelSpacing' && m.values.some((v) => v.unit.startsWith('mm'))
    ? ` (${name(m.spacing)})` : '';
  return values.length > 0 ? `${head}: ${values.join(', ')}${where}` : head;
}

// What the autosave does next, given what is typed, what the server has, and whether a save
// is under way: nothing, or save now (after the pause the caller waits for).
export function needsSave(typed: ReportContent, saved: ReportContent, saving: boolean): boolean {
  return !saving && !sameContent(typed, saved);
}

// After the server refused to save `refused` with `status`: whether `typed` is worth sending again.
// A text it found wrong (400, 413) is, once changed; a conflict (409: another window saved, another
// radiologist reads the exam) or a refusal of who is asking (403) is not: sending would overwrite
// the other text, or fail again.
export function savesAgainAfter(status: number, refused: ReportContent, typed: ReportContent): boolean {
  return (status === 400 || status === 413) && !sameContent(typed, refused);
}
