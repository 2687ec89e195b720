// A report template in a form: what it is for, its sections and their normal text (with an
// embedded component), its blanks ([[label]] in the text) and their rules at signing, its
// normal-text macros and their Alt shortcuts, and the structured finding it asks for.
import { useState } from 'react';
import { Controller, useFieldArray, useForm, useWatch } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { CheckboxGroupField, Notice } from '../ui/fields';
import { type Explain, FormCheckbox, FormSelect, FormText } from '../ui/formFields';
import { saveFailed } from '../ui/saveFailed';
import { MODALITIES } from '../ris/catalogue';
import { useVocabularies } from './reading';
import {
  COMPLETIONS, FIELD_TYPES, NEW_TEMPLATE, sectionKeys, TEMPLATE_STATUSES, type TemplateFormValues, templateOf,
  templateSchema, templateValuesOf,
} from './templateForm';
import { useSaveTemplate } from './templatesAdmin';
import type { ReportTemplate } from './types';

const SHORTCUTS = [...'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((k) => `Alt+${k}`);

export function TemplateForm({ template, components, onDone }: {
  template: ReportTemplate | null; components: ReportTemplate[]; onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const language = (['en', 'es', 'ca'].includes(i18n.language) ? i18n.language : 'en') as 'en' | 'es' | 'ca';
  const vocabularies = useVocabularies(language);
  const save = useSaveTemplate();
  const [problem, setProblem] = useState('');
  const form = useForm<TemplateFormValues>({
    defaultValues: template ? templateValuesOf(template) : NEW_TEMPLATE,
    resolver: zodResolver(templateSchema),
    mode: 'onTouched',
  });
  const { control } = form;
  const sections = useFieldArray({ control, name: 'sections' });
  const fields = useFieldArray({ control, name: 'fields' });
  const macros = useFieldArray({ control, name: 'macros' });
  const watched = useWatch({ control, name: 'sections' });
  const watchedFields = useWatch({ control, name: 'fields' });
  const keys = sectionKeys(watched ?? []);
  const sectionOptions = (watched ?? []).map((s, i) => ({ value: keys[i], label: s.title || keys[i] }));
  const explain: Explain = (_field, rule) =>
    rule ? t(`templates.rules.${rule}`, { defaultValue: t('templates.rules.invalid') }) : undefined;
  const f = (name: string) => t(`templates.fields.${name}` as 'templates.fields.name');
  const submit = form.handleSubmit((values) => {
    setProblem('');
    save.mutateAsync({ template: templateOf(values, template), isNew: template === null }).then(onDone,
      (e) => saveFailed(form, e, t, setProblem, { staleText: t('templates.stale'), fieldOf: (x) => x.replace(/\//g, '.') }));
  });
  return (
    <form className="catalogue-form template-form" noValidate onSubmit={submit} data-testid="template-form">
      <div className="row">
        {template === null
          ? <FormText control={control} name="code" label={f('code')} hint={t('templates.hints.code')} explain={explain} isRequired />
          : <p><strong>{f('code')}</strong> <code>{template.code}</code></p>}
        <FormText control={control} name="name" label={f('name')} explain={explain} isRequired />
      </div>
      <Controller control={control} name="modalities" render={({ field, fieldState }) => (
        <CheckboxGroupField name="modalities" label={f('modalities')} value={field.value} onChange={field.onChange} isRequired
          error={explain('modalities', fieldState.error?.message)} options={MODALITIES.map((m) => ({ value: m, label: m }))} />
      )} />
      <div className="row">
        <FormText control={control} name="bodyRegion" label={f('bodyRegion')} explain={explain} />
        <FormSelect control={control} name="language" label={f('language')} explain={explain}
          options={['en', 'es', 'ca', 'fr', 'de', 'it', 'pt'].map((l) => ({ value: l, label: t(`templates.languages.${l}`, { defaultValue: l }) }))} />
        <FormSelect control={control} name="status" label={f('status')} explain={explain}
          options={TEMPLATE_STATUSES.map((s) => ({ value: s, label: t(`templates.status.${s}`) }))} />
      </div>
      <FormCheckbox control={control} name="topLevel" label={f('topLevel')} hint={t('templates.hints.topLevel')} />
      <div className="row">
        <FormSelect control={control} name="findingsSystem" label={f('findingsSystem')} explain={explain} blank={t('templates.none')}
          options={(vocabularies.data ?? []).map((v) => ({ value: v.key, label: v.name }))} />
        <FormSelect control={control} name="findingsRule" label={f('findingsRule')} explain={explain}
          blank={t('templates.findingsRules.none')}
          options={(['warn', 'block'] as const).map((r) => ({ value: r, label: t(`templates.findingsRules.${r}`) }))} />
      </div>

      <fieldset>
        <legend>{t('templates.sections')}</legend>
        <p className="hint">{t('templates.hints.sections')}</p>
        {sections.fields.map((s, i) => (
          <div key={s.id} className="template-item" data-testid={`template-section-${i}`}>
            <FormText control={control} name={`sections.${i}.title`} label={f('sectionTitle')} explain={explain} isRequired />
            <FormText control={control} name={`sections.${i}.text`} label={f('sectionText')} explain={explain} multiline />
            {components.length > 0 && (
              <FormSelect control={control} name={`sections.${i}.embed`} label={f('embed')} explain={explain} blank={t('templates.none')}
                options={components.filter((c) => c.code !== template?.code).map((c) => ({ value: c.code, label: c.name }))} />
            )}
            <Button onPress={() => sections.remove(i)} isDisabled={sections.fields.length === 1}>
              {t('templates.removeSection', { name: watched?.[i]?.title ?? '' })}
            </Button>
          </div>
        ))}
        <Button onPress={() => sections.append({ key: '', title: '', text: '', embed: '' })}>{t('templates.addSection')}</Button>
      </fieldset>

      <fieldset>
        <legend>{t('templates.blanks')}</legend>
        <p className="hint">{t('templates.hints.blanks')}</p>
        {fields.fields.map((x, i) => (
          <div key={x.id} className="template-item" data-testid={`template-blank-${i}`}>
            <div className="row">
              <FormText control={control} name={`fields.${i}.label`} label={f('blankLabel')} explain={explain} isRequired />
              <FormSelect control={control} name={`fields.${i}.section`} label={f('section')} explain={explain} isRequired
                options={sectionOptions} />
            </div>
            <div className="row">
              <FormSelect control={control} name={`fields.${i}.type`} label={f('type')} explain={explain}
                options={FIELD_TYPES.map((k) => ({ value: k, label: t(`templates.types.${k}`) }))} />
              <FormSelect control={control} name={`fields.${i}.completion`} label={f('completion')} explain={explain}
                options={COMPLETIONS.map((k) => ({ value: k, label: t(`templates.completions.${k}`) }))} />
            </div>
            <div className="row">
              {(watchedFields?.[i]?.type === 'SELECT' || watchedFields?.[i]?.type === 'MULTISELECT') && (
                <FormText control={control} name={`fields.${i}.choices`} label={f('choices')} hint={t('templates.hints.choices')}
                  explain={explain} multiline />
              )}
              <FormText control={control} name={`fields.${i}.units`} label={f('units')} explain={explain} />
              <FormCheckbox control={control} name={`fields.${i}.merge`} label={f('merge')} hint={t('templates.hints.merge')} />
            </div>
            <Button onPress={() => fields.remove(i)}>{t('templates.removeBlank', { name: watchedFields?.[i]?.label ?? '' })}</Button>
          </div>
        ))}
        <Button onPress={() => fields.append({ label: '', section: keys[0] ?? '', type: 'TEXT', choices: '', units: '',
          completion: 'NONE', merge: false })}>{t('templates.addBlank')}</Button>
      </fieldset>

      <fieldset>
        <legend>{t('templates.macros')}</legend>
        <p className="hint">{t('templates.hints.macros')}</p>
        {macros.fields.map((m, i) => (
          <div key={m.id} className="template-item" data-testid={`template-macro-${i}`}>
            <div className="row">
              <FormText control={control} name={`macros.${i}.name`} label={f('macroName')} explain={explain} isRequired />
              <FormSelect control={control} name={`macros.${i}.section`} label={f('section')} explain={explain} isRequired
                options={sectionOptions} />
              <FormSelect control={control} name={`macros.${i}.shortcut`} label={f('shortcut')} explain={explain}
                blank={t('templates.none')} options={SHORTCUTS.map((k) => ({ value: k, label: k }))} />
            </div>
            <FormText control={control} name={`macros.${i}.text`} label={f('macroText')} explain={explain} multiline isRequired />
            <Button onPress={() => macros.remove(i)}>{t('templates.removeMacro', { name: m.name })}</Button>
          </div>
        ))}
        <Button onPress={() => macros.append({ key: '', name: '', section: keys.includes('findings') ? 'findings' : keys[0] ?? '',
          text: '', shortcut: '' })}>{t('templates.addMacro')}</Button>
      </fieldset>

      {problem && <Notice tone="error" testId="template-problem">{problem}</Notice>}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={save.isPending}>{save.isPending ? t('templates.saving') : t('templates.save')}</Button>
        <Button onPress={onDone}>{t('templates.cancel')}</Button>
      </div>
    </form>
  );
}
