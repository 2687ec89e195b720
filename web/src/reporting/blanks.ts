// A template's blanks: each stands in its section's text as [[label]] until the radiologist
// fills it (the server checks the ones its rule requires at signing). Merge fields are filled
// from the RIS when the template is applied; macros can be inserted by keyboard shortcut.
import type { ReadingItem, ReportContent, ReportMacro, ReportTemplate } from './types';

export type TemplateField = ReportTemplate['fields'][number];

const BLANK = /\[\[([^[\]\n]+)\]\]/g; // one line, no brackets: "[[ see [[BPD]]" is a stray mark, then BPD

// The labels of the blanks still in `text`, in order.
export function blanksIn(text: string): string[] {
  return [...text.matchAll(BLANK)].map((m) => m[1]);
}

// `text` with its first blank `label` filled with `value`.
export function filled(text: string, label: string, value: string): string {
  const blank = `[[${label}]]`;
  const at = text.indexOf(blank);
  return at < 0 ? text : text.slice(0, at) + value + text.slice(at + blank.length);
}

// The field a blank is, as the template describes it; a blank the template does not describe
// is free text.
export function fieldOf(template: ReportTemplate | undefined, label: string, section: string): TemplateField {
  return template?.fields.find((f) => f.label === label)
    ?? { label, section, type: 'TEXT', choices: [], units: '', completion: 'NONE', merge: false };
}

const normalized = (s: string) => s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');

// What the RIS knows that a merge field asks for, by the words of its label (in English, Spanish
// or Catalan); null when it is nothing Vireo knows.
export function mergeValue(label: string, exam: ReadingItem, formatDate: (iso: string) => string): string | null {
  const l = normalized(label);
  const a = exam.appointment;
  const has = (...words: string[]) => words.some((w) => l.includes(w));
  if (has('accession', 'acces')) return a.accessionNumber;
  if (has('birth', 'nacimiento', 'naixement', 'dob')) return a.patient.birthDate ? formatDate(a.patient.birthDate) : '';
  if (has('mrn', 'record number', 'historia', 'patient id')) return a.patient.mrn;
  if (has('sex', 'sexo', 'gender')) return a.patient.sex;
  // The patient's name, and nothing else of the patient's (their age or weight is not known here).
  if (has('patient', 'paciente', 'pacient')) {
    return has('name', 'nombre', 'nom') || /^(patient|paciente?|pacient)$/.test(l.trim()) ? a.patient.name : null;
  }
  if (has('referr', 'remitente', 'solicitante', 'peticionari', 'licitant')) return exam.referringPhysician;
  if (has('indication', 'reason', 'clinical', 'indicacion', 'indicacio', 'motivo', 'motiu', 'clinic')) {
    return [a.reason, a.clinicalInfo].filter((s) => s.trim() !== '').join('. ');
  }
  if (has('date', 'fecha', 'data')) return formatDate(a.imagesAt || a.startsAt);
  if (has('procedure', 'procedimiento', 'procediment', 'exam', 'estudio', 'estudi')) return exam.procedures.join(', ');
  if (has('modality', 'modalidad', 'modalitat')) return exam.modality;
  return null;
}

// The content with the template's merge fields filled from the exam.
export function withMerges(content: ReportContent, template: ReportTemplate, exam: ReadingItem,
  formatDate: (iso: string) => string): ReportContent {
  const merges = template.fields.filter((f) => f.merge);
  if (merges.length === 0) return content;
  return {
    ...content,
    sections: content.sections.map((s) => {
      let text = s.text;
      for (const f of merges) {
        const value = mergeValue(f.label, exam, formatDate);
        if (value) text = filled(text, f.label, value);
      }
      return text === s.text ? s : { ...s, text };
    }),
  };
}

// The macro of this section an Alt+key press inserts. Only where Alt leaves the key's own
// character: Windows' Alt codes (Alt with the numeric keypad: Alt+0176 for °) and the Mac's
// Option characters (Option+2 is @ on a Spanish keyboard) are typed as they always were.
export function macroForKey(macros: readonly ReportMacro[], section: string,
  key: { altKey: boolean; ctrlKey: boolean; metaKey: boolean; code: string; key: string }): ReportMacro | null {
  if (!key.altKey || key.ctrlKey || key.metaKey) return null;
  const m = /^Digit([0-9])$|^Key([A-Z])$/.exec(key.code);
  const char = m?.[1] ?? m?.[2];
  if (!char || key.key.toUpperCase() !== char) return null;
  return macros.find((x) => x.section === section && x.shortcut === `Alt+${char}`) ?? null;
}
