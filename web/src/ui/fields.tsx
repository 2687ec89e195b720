// The form fields every page uses, on react-aria-components: each with its label, an optional
// hint and its error tied to the input (aria-describedby, aria-invalid), keyboard-usable.
import type { ReactNode } from 'react';
import {
  Button, Checkbox, CheckboxGroup, DateField, DateInput, DateSegment, FieldError, Input, Label, ListBox, ListBoxItem, NumberField,
  Popover, Radio, RadioGroup, Select, SelectValue, Text, TextArea, TextField, useLocale,
} from 'react-aria-components';
import { type CalendarDate, parseDate } from '@internationalized/date';
import { formatLongDate, parseCalendarDate } from '../i18n/format';

interface FieldProps {
  label: string;
  name: string;
  hint?: string;
  error?: string;
  isRequired?: boolean;
  className?: string;
}

export function TextInput({ label, name, hint, error, isRequired, className, value, onChange, onBlur, multiline,
  type = 'text', autoComplete, inputRef, maxLength, labelHidden, placeholder }: FieldProps & {
  value: string;
  onChange: (v: string) => void;
  onBlur?: () => void;
  multiline?: boolean;
  type?: 'text' | 'email' | 'tel' | 'search';
  autoComplete?: string;
  inputRef?: React.Ref<HTMLInputElement & HTMLTextAreaElement>;
  maxLength?: number;
  labelHidden?: boolean; // said to screen readers, not shown (a column's heading shows it)
  placeholder?: string;
}) {
  return (
    <TextField name={name} value={value} onChange={onChange} onBlur={onBlur} isRequired={isRequired} maxLength={maxLength}
      isInvalid={!!error} validationBehavior="aria" type={type} autoComplete={autoComplete}
      className={`field ${className ?? ''}`}>
      <Label className={labelHidden ? 'sr-only' : 'react-aria-Label'}>{label}</Label>
      {multiline ? <TextArea ref={inputRef} rows={3} /> : <Input ref={inputRef} placeholder={placeholder} />}
      {hint && <Text slot="description" className="hint">{hint}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </TextField>
  );
}

// What a form library focuses when a field needs correcting: the field's first control.
export type FocusTarget = (target: { focus: () => void } | null) => void;

function focusFirst(focusRef: FocusTarget | undefined, selector: string) {
  return (el: HTMLElement | null) =>
    focusRef?.(el && { focus: () => el.querySelector<HTMLElement>(selector)?.focus() });
}

// A calendar date typed in the reader's order (day, month, year in Spanish), said back in words
// once complete ("14 March 1975") so that a day and month typed the wrong way round show; the
// value is YYYY-MM-DD, or '' while incomplete.
export function DateInputField({ label, name, hint, error, isRequired, className, value, onChange, onBlur, focusRef }: FieldProps & {
  value: string;
  onChange: (v: string) => void;
  onBlur?: () => void;
  focusRef?: FocusTarget;
}) {
  const { locale } = useLocale();
  let date: CalendarDate | null = null;
  if (parseCalendarDate(value)) date = parseDate(value);
  const inWords = date && date.year >= 1000 ? formatLongDate(value, locale) : '';
  return (
    <DateField ref={focusFirst(focusRef, '[role=spinbutton]')} name={name} value={date}
      onChange={(d) => onChange(d ? d.toString() : '')} onBlur={onBlur}
      isRequired={isRequired} isInvalid={!!error} validationBehavior="aria" granularity="day"
      className={`field ${className ?? ''}`}>
      <Label>{label}</Label>
      <DateInput className="date-input">{(segment) => <DateSegment segment={segment} />}</DateInput>
      {(hint || inWords) && <Text slot="description" className="hint" data-testid={`${name}-in-words`}>{inWords || hint}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </DateField>
  );
}

export function ChoiceField<V extends string>({ label, name, hint, error, isRequired, className, value, onChange,
  options, focusRef }: FieldProps & {
  value: V | '';
  onChange: (v: V) => void;
  options: { value: V; label: string }[];
  focusRef?: FocusTarget;
}) {
  return (
    <RadioGroup ref={focusFirst(focusRef, 'input')} name={name} value={value || null} onChange={(v) => onChange(v as V)} isRequired={isRequired}
      isInvalid={!!error} validationBehavior="aria" orientation="horizontal" className={`field choice ${className ?? ''}`}>
      <Label>{label}</Label>
      <div className="options">
        {options.map((o) => <Radio key={o.value} value={o.value}>{o.label}</Radio>)}
      </div>
      {hint && <Text slot="description" className="hint">{hint}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </RadioGroup>
  );
}

export function CheckboxField({ label, name, hint, className, value, onChange }: Omit<FieldProps, 'error' | 'isRequired'> & {
  value: boolean;
  onChange: (v: boolean) => void;
}) {
  return (
    <div className={`field check ${className ?? ''}`}>
      <Checkbox name={name} isSelected={value} onChange={onChange} aria-describedby={hint ? `${name}-hint` : undefined}>
        <span className="box" aria-hidden="true">{value ? '✓' : ''}</span>
        {label}
      </Checkbox>
      {hint && <span id={`${name}-hint`} className="hint">{hint}</span>}
    </div>
  );
}

// A message about the whole page or form, read out when it appears.
export function Notice({ tone = 'info', children, testId }: { tone?: 'info' | 'error' | 'warning' | 'ok'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice ${tone}`} role={tone === 'error' || tone === 'warning' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

// One of a list (a modality, a room): a button that opens the list, typed into to jump.
export function SelectField<V extends string>({ label, name, hint, error, isRequired, className, value, onChange,
  options, placeholder }: FieldProps & {
  value: V | '';
  onChange: (v: V) => void;
  options: { value: V; label: string }[];
  placeholder?: string;
}) {
  return (
    <Select name={name} selectedKey={value || null} onSelectionChange={(k) => k !== null && onChange(String(k) as V)}
      isRequired={isRequired} isInvalid={!!error} validationBehavior="aria" placeholder={placeholder}
      className={`field select ${className ?? ''}`}>
      <Label>{label}</Label>
      <Button className="select-button"><SelectValue /><span aria-hidden="true"> ▾</span></Button>
      {hint && <Text slot="description" className="hint">{hint}</Text>}
      <FieldError className="field-error">{error}</FieldError>
      <Popover className="select-popover">
        <ListBox>
          {options.map((o) => <ListBoxItem key={o.value} id={o.value} textValue={o.label}>{o.label}</ListBoxItem>)}
        </ListBox>
      </Popover>
    </Select>
  );
}

// A number in the reader's notation (1.234,50 in Spanish); NaN while empty.
export function NumberInput({ label, name, hint, error, isRequired, className, value, onChange, onBlur, minValue,
  maxValue, step, fractionDigits = 0, maxFractionDigits, focusRef }: FieldProps & {
  value: number;
  onChange: (v: number) => void;
  onBlur?: () => void;
  minValue?: number;
  maxValue?: number;
  step?: number;
  fractionDigits?: number;
  maxFractionDigits?: number; // more than fractionDigits: those may be typed, not shown when zero
  focusRef?: FocusTarget;
}) {
  return (
    <NumberField ref={focusFirst(focusRef, 'input')} name={name} value={value} onChange={onChange} onBlur={onBlur}
      minValue={minValue} maxValue={maxValue} step={step} isRequired={isRequired} isInvalid={!!error}
      validationBehavior="aria" formatOptions={{ minimumFractionDigits: fractionDigits, maximumFractionDigits: maxFractionDigits ?? fractionDigits }}
      className={`field number ${className ?? ''}`}>
      <Label>{label}</Label>
      <Input />
      {hint && <Text slot="description" className="hint">{hint}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </NumberField>
  );
}

// Several of a list (the procedures of an order), each a checkbox, in the list's order.
export function CheckboxGroupField({ label, name, hint, error, isRequired, className, value, onChange, options }: FieldProps & {
  value: string[];
  onChange: (v: string[]) => void;
  options: { value: string; label: string; group?: string }[];
}) {
  return (
    <CheckboxGroup name={name} value={value} onChange={onChange} isRequired={isRequired} isInvalid={!!error}
      validationBehavior="aria" className={`field checkbox-group ${className ?? ''}`}>
      <Label>{label}</Label>
      {hint && <Text slot="description" className="hint">{hint}</Text>}
      <div className="options">
        {options.map((o) => (
          <Checkbox key={o.value} value={o.value}>
            {({ isSelected }) => (<><span className="box" aria-hidden="true">{isSelected ? '✓' : ''}</span>{o.label}</>)}
          </Checkbox>
        ))}
      </div>
      <FieldError className="field-error">{error}</FieldError>
    </CheckboxGroup>
  );
}
