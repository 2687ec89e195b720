// The blanks still in a section's text, as fields under it: a menu's choice fills its blank at
// once; a number or a text is filled with Enter or the Fill button. The text stays what is
// signed: filling a blank writes the value where [[label]] stood, and the section's text box
// has the focus again.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { CheckboxGroupField, NumberInput, SelectField, TextInput } from '../ui/fields';
import { blanksIn, fieldOf, type TemplateField } from './blanks';
import type { ReportTemplate } from './types';

export function BlankFields({ section, title, text, template, onFill }: {
  section: string; title: string; text: string; template: ReportTemplate | undefined;
  onFill: (label: string, value: string) => void;
}) {
  const { t } = useTranslation();
  const labels = [...new Set(blanksIn(text))];
  if (labels.length === 0) return null;
  const fill = (label: string, value: string) => {
    onFill(label, value);
    requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>(`textarea[data-section="${section}"]`)?.focus());
  };
  // A number is written as the report's language writes it, without grouping (1500, not 1,500).
  const language = template?.language || 'en';
  return (
    <div className="blanks" role="group" aria-label={t('report.blanks.for', { section: title })} data-testid={`blanks-${section}`}>
      {labels.map((label) => {
        const field = fieldOf(template, label, section);
        // Keyed by kind too: a blank whose kind changes (another template) is a new field.
        return field.type === 'SELECT'
          ? <ChoiceBlank key={`${label}:SELECT`} field={field} onFill={(v) => fill(label, v)} />
          : <InputBlank key={`${label}:${field.type}`} field={field} language={language} onFill={(v) => fill(label, v)} />;
      })}
    </div>
  );
}

function useBlankText(field: TemplateField) {
  const { t } = useTranslation();
  return {
    name: `blank-${field.label}`,
    label: field.units ? `${field.label} (${field.units})` : field.label,
    hint: field.completion === 'PROHIBIT' ? t('report.blanks.required')
      : field.completion === 'ALERT' ? t('report.blanks.alert') : undefined,
    className: `blank blank-${field.completion.toLowerCase()}`,
  };
}

function ChoiceBlank({ field, onFill }: { field: TemplateField; onFill: (value: string) => void }) {
  const { t } = useTranslation();
  const { name, label, hint, className } = useBlankText(field);
  return (
    <SelectField name={name} label={label} hint={hint} value="" placeholder={t('report.coded.choose')} className={className}
      options={field.choices.map((c) => ({ value: c, label: c }))} onChange={(v) => onFill(v)} />
  );
}

function InputBlank({ field, language, onFill }: { field: TemplateField; language: string; onFill: (value: string) => void }) {
  const { t } = useTranslation();
  const { name, label, hint, className } = useBlankText(field);
  const [text, setText] = useState('');
  const [number, setNumber] = useState(Number.NaN);
  const [chosen, setChosen] = useState<string[]>([]);
  const value = field.type === 'NUMBER'
    ? (Number.isNaN(number) ? '' : new Intl.NumberFormat(language, { maximumFractionDigits: 2, useGrouping: false }).format(number))
    : field.type === 'MULTISELECT' ? chosen.join(', ') : text.trim();
  // Enter commits a number field's text as it is pressed (and stops there): seen on the way
  // down, the value is read once that commit has been rendered.
  const latest = useRef(value);
  latest.current = value;
  return (
    <div className={className}
      onKeyDownCapture={(e) => {
        if (e.key !== 'Enter' || field.type === 'MULTISELECT') return;
        e.preventDefault();
        setTimeout(() => latest.current !== '' && onFill(latest.current), 0);
      }}>
      {field.type === 'NUMBER' && (
        <NumberInput name={name} label={label} hint={hint} value={number} onChange={setNumber} maxFractionDigits={2} />
      )}
      {field.type === 'MULTISELECT' && (
        <CheckboxGroupField name={name} label={label} hint={hint} value={chosen} onChange={setChosen}
          options={field.choices.map((c) => ({ value: c, label: c }))} />
      )}
      {field.type !== 'NUMBER' && field.type !== 'MULTISELECT' && (
        <TextInput name={name} label={label} hint={hint} value={text} onChange={setText} />
      )}
      <Button onPress={() => value !== '' && onFill(value)} aria-label={t('report.blanks.fillNamed', { label: field.label })}>
        {t('report.blanks.fill')}
      </Button>
    </div>
  );
}
