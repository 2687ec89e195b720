// The patient's fields, for registration and for edits: react-hook-form with the zod schema of
// patientForm.ts, fields from the shared kit, the server's refusals shown on their fields.
import type { ReactNode } from 'react';
import { Controller, type Control, type UseFormReturn, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { CheckboxField, ChoiceField, DateInputField, Notice } from '../ui/fields';
import { FormText } from '../ui/formFields';
import { localToday } from '../i18n/format';
import { type PatientFormField, type PatientFormValues, SEXES, patientSchema, splitFieldErrors } from './patientForm';
import type { FieldError } from './types';

export type PatientFormApi = UseFormReturn<PatientFormValues>;

// The reader's words for a rule broken by a field: the field's own message where it has one.
export function useRuleText() {
  const { t, i18n } = useTranslation();
  return (field: string, rule: string | undefined): string | undefined => {
    if (!rule) return undefined;
    const own = `patients.fieldRules.${field}.${rule}`;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (i18n.exists(own)) return t(own as any) as string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return i18n.exists(`patients.rules.${rule}`) ? (t(`patients.rules.${rule}` as any) as string) : t('patients.rules.format');
  };
}

// Puts the server's field errors on the form; returns those that belong to no field.
export function showServerErrors(form: PatientFormApi, errors: FieldError[]): FieldError[] {
  const { fields, other } = splitFieldErrors(errors);
  fields.forEach(([name, e], i) => form.setError(name, { type: 'server', message: e.rule }, { shouldFocus: i === 0 }));
  return other;
}

function Text({ control, name, multiline, type, autoComplete, isRequired }: {
  control: Control<PatientFormValues>;
  name: Exclude<PatientFormField, 'contrastAllergy' | 'sex' | 'birthDate'>;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel';
  autoComplete?: string;
  isRequired?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const ruleText = useRuleText();
  const hintKey = `patients.hints.${name}`;
  return (
    <FormText control={control} name={name} label={t(`patients.fields.${name}`)} multiline={multiline} type={type}
      autoComplete={autoComplete} isRequired={isRequired} explain={ruleText}
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      hint={i18n.exists(hintKey) ? (t(hintKey as any) as string) : undefined} />
  );
}

export function PatientForm({ initial, onSubmit, submitLabel, pendingLabel, pending, onCancel, children }: {
  initial: PatientFormValues;
  onSubmit: (values: PatientFormValues, form: PatientFormApi) => void;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  onCancel: () => void;
  children?: ReactNode; // what the server said about the whole form, above the buttons
}) {
  const { t } = useTranslation();
  const ruleText = useRuleText();
  const form = useForm<PatientFormValues>({
    defaultValues: initial,
    resolver: zodResolver(patientSchema(localToday())),
    mode: 'onTouched',
  });
  const { control, handleSubmit, formState } = form;
  const invalid = Object.keys(formState.errors).length;

  return (
    <form className="patient-form" noValidate onSubmit={handleSubmit((v) => onSubmit(v, form))}>
      <fieldset>
        <legend>{t('patients.sections.name')}</legend>
        <div className="row">
          <Text control={control} name="familyName" autoComplete="off" isRequired />
          <Text control={control} name="givenName" autoComplete="off" />
        </div>
        <div className="row">
          <Text control={control} name="middleName" autoComplete="off" />
          <Text control={control} name="namePrefix" autoComplete="off" />
          <Text control={control} name="nameSuffix" autoComplete="off" />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('patients.sections.birth')}</legend>
        <div className="row">
          <Controller control={control} name="birthDate" render={({ field, fieldState }) => (
            <DateInputField name="birthDate" label={t('patients.fields.birthDate')} value={field.value}
              onChange={field.onChange} onBlur={field.onBlur} focusRef={field.ref} isRequired
              error={ruleText('birthDate', fieldState.error?.message)} />
          )} />
          <Controller control={control} name="sex" render={({ field, fieldState }) => (
            <ChoiceField name="sex" label={t('patients.fields.sex')} value={field.value} onChange={field.onChange}
              focusRef={field.ref} isRequired error={ruleText('sex', fieldState.error?.message)}
              options={SEXES.map((s) => ({ value: s, label: t(`patients.sex.${s}`) }))} />
          )} />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('patients.sections.contact')}</legend>
        <div className="row">
          <Text control={control} name="phone" type="tel" autoComplete="off" />
          <Text control={control} name="email" type="email" autoComplete="off" />
        </div>
        <Text control={control} name="address" multiline autoComplete="off" />
      </fieldset>
      <fieldset>
        <legend>{t('patients.sections.identifiers')}</legend>
        <div className="row">
          <Text control={control} name="nationalId" autoComplete="off" />
          <Text control={control} name="insuranceNumber" autoComplete="off" />
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('patients.sections.clinical')}</legend>
        <Controller control={control} name="contrastAllergy" render={({ field }) => (
          <CheckboxField name="contrastAllergy" label={t('patients.fields.contrastAllergy')} value={field.value}
            onChange={field.onChange} hint={t('patients.hints.contrastAllergy')} />
        )} />
        <Text control={control} name="allergies" multiline />
        <Text control={control} name="notes" multiline />
      </fieldset>
      {formState.isSubmitted && invalid > 0 && (
        <Notice tone="error" testId="form-errors">{t('patients.form.fix', { count: invalid })}</Notice>
      )}
      {children}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={pending}>{pending ? pendingLabel : submitLabel}</Button>
        <Button type="button" onPress={onCancel}>{t('patients.form.cancel')}</Button>
      </div>
    </form>
  );
}
