// The report's structured findings: each added in its system's terms (BI-RADS, Lung-RADS,
// TI-RADS, LI-RADS, PI-RADS, TNM), shown as the report will print it (the category, the features,
// the management it implies), removed with one action. Saved with the text (autosave.ts); the
// server refuses what is not in the vocabulary.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { Notice, NumberInput, SelectField } from '../ui/fields';
import { categoryOf, missing, pointsOf, summary } from './codedFindings';
import { useVocabularies } from './reading';
import type { CodedFinding, Vocabulary, VocabularyField } from './types';

type Language = 'en' | 'es' | 'ca';

function languageOf(tag: string): Language {
  const base = tag.slice(0, 2);
  return base === 'es' || base === 'ca' ? base : 'en';
}

export function StructuredFindings({ findings, onChange }: {
  findings: CodedFinding[]; onChange: (next: CodedFinding[]) => void;
}) {
  const { t, i18n } = useTranslation();
  const vocabularies = useVocabularies(languageOf(i18n.language));
  const [adding, setAdding] = useState<CodedFinding | null>(null);
  // Focus goes back to Add finding when the new finding's form closes (added, cancelled, or a
  // finding removed), never to the page's start.
  const addButton = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (refocus && !adding) {
      addButton.current?.focus();
      setRefocus(false);
    }
  }, [refocus, adding]);
  const close = () => {
    setAdding(null);
    setRefocus(true);
  };
  const numbers = new Intl.NumberFormat(formatLocale(i18n.language), { maximumFractionDigits: 1 });
  const number = (n: number) => numbers.format(n);
  return (
    <section className="coded-findings" aria-labelledby="coded-findings-title">
      <h3 id="coded-findings-title">{t('report.coded.title')}</h3>
      <p className="hint">{t('report.coded.hint')}</p>
      {vocabularies.isError && <Notice tone="error">{t('report.coded.loadFailed')}</Notice>}
      {findings.length === 0 ? <p className="muted">{t('report.coded.none')}</p> : (
        <CodedFindingList findings={findings} onRemove={(i) => {
          onChange(findings.filter((_, j) => j !== i));
          setRefocus(true);
        }} />
      )}
      {adding ? (
        <NewFinding vocabularies={vocabularies.data ?? []} value={adding} onChange={setAdding} number={number}
          onCancel={close}
          onAdd={(f) => {
            onChange([...findings, f]);
            close();
          }} />
      ) : (
        <Button ref={addButton} onPress={() => setAdding({ system: '', values: {} })} isDisabled={!vocabularies.data}
          data-testid="add-finding">
          {t('report.coded.add')}
        </Button>
      )}
    </section>
  );
}

// Findings as the report prints them; each with a Remove button when `onRemove` is given.
export function CodedFindingList({ findings, onRemove }: { findings: CodedFinding[]; onRemove?: (index: number) => void }) {
  const { t, i18n } = useTranslation();
  const vocabularies = useVocabularies(languageOf(i18n.language));
  const numbers = new Intl.NumberFormat(formatLocale(i18n.language), { maximumFractionDigits: 1 });
  return (
    <ul className="coded-list">
      {findings.map((f, i) => {
        const v = vocabularies.data?.find((x) => x.key === f.system);
        const s = v ? summary(v, f, (n) => numbers.format(n)) : { category: f.system, description: '', management: '' };
        return (
          <li key={`${f.system}-${i}`} data-testid="coded-finding">
            <span>
              <strong>{s.category}</strong>
              {s.description && <>. {s.description}</>}
              {s.management && <span className="management">. {s.management}.</span>}
            </span>
            {onRemove && (
              <Button aria-label={t('report.coded.removeOne', { finding: s.category })} onPress={() => onRemove(i)}>
                {t('report.coded.remove')}
              </Button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function NewFinding({ vocabularies, value, onChange, onAdd, onCancel, number }: {
  vocabularies: Vocabulary[]; value: CodedFinding; onChange: (f: CodedFinding) => void;
  onAdd: (f: CodedFinding) => void; onCancel: () => void; number: (n: number) => string;
}) {
  const { t } = useTranslation();
  const [tried, setTried] = useState(false);
  const v = vocabularies.find((x) => x.key === value.system);
  const lacking = v ? missing(v, value.values) : [];
  // A field emptied again is not given (the server refuses an empty number).
  const set = (key: string, code: string) => {
    const values = Object.fromEntries(Object.entries(value.values).filter(([k]) => k !== key));
    onChange({ ...value, values: code === '' ? values : { ...values, [key]: code } });
  };
  const counted = v && !v.categoryField && v.levels.length > 0 ? categoryOf(v, value) : undefined;
  return (
    <fieldset className="new-finding" data-testid="new-finding">
      <legend>{t('report.coded.adding')}</legend>
      <SelectField name="finding-system" label={t('report.coded.system')} value={value.system} isRequired
        placeholder={t('report.coded.choose')}
        options={vocabularies.map((x) => ({ value: x.key, label: x.title }))}
        onChange={(system) => {
          setTried(false);
          onChange({ system, values: {} });
        }} />
      {v?.fields.map((field) => (
        <FindingField key={`${v.key}-${field.key}`} field={field} isCategory={field.key === v.categoryField}
          value={value.values[field.key] ?? ''} onChange={(code) => set(field.key, code)}
          error={tried && lacking.includes(field.key) ? t('report.coded.required') : undefined} />
      ))}
      {counted && v && (
        <p className="counted" data-testid="counted-level">
          {v.name} {counted.code}: {counted.label} ({t('report.coded.points', { points: pointsOf(v, value) })})
        </p>
      )}
      {v && <p className="preview">{summary(v, value, number).management}</p>}
      <div className="report-actions">
        <Button className="primary" isDisabled={!v} data-testid="add-finding-confirm"
          onPress={() => {
            setTried(true);
            if (v && lacking.length === 0) onAdd(value);
          }}>
          {t('report.coded.add')}
        </Button>
        <Button onPress={onCancel}>{t('report.coded.cancel')}</Button>
      </div>
    </fieldset>
  );
}

function FindingField({ field, isCategory, value, onChange, error }: {
  field: VocabularyField; isCategory: boolean; value: string; onChange: (v: string) => void; error?: string;
}) {
  const { t } = useTranslation();
  if (!field.choices) {
    return (
      <NumberInput name={`finding-${field.key}`} label={`${field.label} (${field.unit ?? ''})`} isRequired={field.required}
        value={value === '' ? NaN : Number(value)} minValue={field.min} maxValue={field.max} fractionDigits={0}
        onChange={(n) => onChange(Number.isNaN(n) ? '' : String(n))} error={error} />
    );
  }
  return (
    <SelectField name={`finding-${field.key}`} label={field.label} value={value} isRequired={field.required}
      placeholder={t('report.coded.choose')} error={error}
      options={field.choices.map((c) => ({ value: c.code, label: isCategory ? `${c.code}: ${c.label}` : c.label }))}
      onChange={onChange} />
  );
}
