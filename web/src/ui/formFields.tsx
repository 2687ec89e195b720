// The kit's fields bound to a react-hook-form form: each reads and writes its value, reports
// its error through `explain` (a rule code to the reader's words) and takes the focus when it
// is the first to correct.
import { type Control, Controller, type FieldPath, type FieldValues } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { CheckboxField, NumberInput, SelectField, TextInput } from './fields';

export type Explain = (field: string, rule: string | undefined) => string | undefined;

interface Bound<T extends FieldValues> {
  control: Control<T>;
  name: FieldPath<T>;
  label: string;
  hint?: string;
  explain: Explain;
  isRequired?: boolean;
}

export function FormText<T extends FieldValues>({ control, name, label, hint, explain, isRequired, multiline, type, autoComplete }:
  Bound<T> & { multiline?: boolean; type?: 'text' | 'email' | 'tel'; autoComplete?: string }) {
  return (
    <Controller control={control} name={name} render={({ field, fieldState }) => (
      <TextInput name={name} label={label} value={field.value} onChange={field.onChange} onBlur={field.onBlur}
        inputRef={field.ref} multiline={multiline} type={type} autoComplete={autoComplete ?? 'off'} isRequired={isRequired}
        error={explain(name, fieldState.error?.message)} hint={hint} />
    )} />
  );
}

export function FormNumber<T extends FieldValues>({ control, name, label, hint, explain, isRequired, minValue, maxValue, step,
  fractionDigits }: Bound<T> & { minValue?: number; maxValue?: number; step?: number; fractionDigits?: number }) {
  return (
    <Controller control={control} name={name} render={({ field, fieldState }) => (
      <NumberInput name={name} label={label} value={field.value} onChange={field.onChange} onBlur={field.onBlur}
        focusRef={field.ref} minValue={minValue} maxValue={maxValue} step={step} fractionDigits={fractionDigits}
        isRequired={isRequired} error={explain(name, fieldState.error?.message)} hint={hint} />
    )} />
  );
}

// A checkbox; a refusal the server named on it (explain, when given) is said under it.
export function FormCheckbox<T extends FieldValues>({ control, name, label, hint, explain }: Omit<Bound<T>, 'explain'> & {
  explain?: Explain;
}) {
  return (
    <Controller control={control} name={name} render={({ field, fieldState }) => (
      <>
        <CheckboxField name={name} label={label} value={field.value} onChange={field.onChange} hint={hint} />
        {explain && fieldState.error && <p className="field-error" role="alert">{explain(name, fieldState.error.message)}</p>}
      </>
    )} />
  );
}

// `blank`: the label of the choice that leaves it empty ("None"), listed first.
export function FormSelect<T extends FieldValues>({ control, name, label, hint, explain, isRequired, options, blank }:
  Bound<T> & { options: { value: string; label: string }[]; blank?: string }) {
  const { t } = useTranslation();
  const NONE = '__none__';
  const all = blank === undefined ? options : [{ value: NONE, label: blank }, ...options];
  return (
    <Controller control={control} name={name} render={({ field, fieldState }) => (
      <SelectField name={name} label={label} value={blank !== undefined && field.value === '' ? NONE : field.value}
        onChange={(v) => field.onChange(v === NONE ? '' : v)} isRequired={isRequired}
        options={all} error={explain(name, fieldState.error?.message)} hint={hint} placeholder={t('catalogue.choose')} />
    )} />
  );
}
