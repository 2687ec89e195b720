// The blanks still in a section's text, as fields under it: a menu's choice fills its blank at
// once; a number or a text is filled with Enter or the Fill button. The text stays what is
// signed: filling a blank writes the value where [[label]] stood.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
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
  return (
    <div className="blanks" role="group" aria-label={t('report.blanks.for', { section: title })} data-testid={`blanks-${section}`}>
      {labels.map((label) => (
        <Blank key={label} field={fieldOf(template, label, section)} onFill={(value) => onFill(label, value)} />
      ))}
    </div>
  );
}

function Blank({ field, onFill }: { field: TemplateField; onFill: (value: string) => void }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [text, setText] = useState('');
  const [number, setNumber] = useState(Number.NaN);
  const [chosen, setChosen] = useState<string[]>([]);
  const name = `blank-${field.label}`;
  const label = field.units ? `${field.label} (${field.units})` : field.label;
  const hint = field.completion === 'PROHIBIT' ? t('report.blanks.required')
    : field.completion === 'ALERT' ? t('report.blanks.alert') : undefined;
  if (field.type === 'SELECT') {
    return (
      <SelectField name={name} label={label} hint={hint} value="" placeholder={t('report.coded.choose')}
        className={`blank blank-${field.completion.toLowerCase()}`}
        options={field.choices.map((c) => ({ value: c, label: c }))} onChange={(v) => onFill(v)} />
    );
  }
  const value = field.type === 'NUMBER'
    ? (Number.isNaN(number) ? '' : new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(number))
    : field.type === 'MULTISELECT' ? chosen.join(', ') : text.trim();
  const fill = () => {
    if (value !== '') onFill(value);
  };
  // Enter commits a number as it is pressed: the value is read once that has been rendered.
  const latest = useRef(value);
  latest.current = value;
  return (
    <div className={`blank blank-${field.completion.toLowerCase()}`}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && field.type !== 'MULTISELECT') {
          e.preventDefault();
          setTimeout(() => latest.current !== '' && onFill(latest.current), 0);
        }
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
      <Button onPress={fill} aria-label={t('report.blanks.fillNamed', { label: field.label })}>
        {t('report.blanks.fill')}
      </Button>
    </div>
  );
}
