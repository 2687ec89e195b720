// Registration. A possible duplicate stops it: the receptionist sees who is already registered
// (and why they look alike), opens that record, or says it is someone else and registers anyway.
import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { StaffPage } from '../ui/StaffPage';
import { Notice } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { formatCalendarDate } from '../i18n/format';
import { formatLocale } from '../i18n';
import { useAppNavigate } from '../session';
import { useRegisterPatient } from './patients';
import { type PatientFormValues, displayName, fieldsOf, initialFromQuery } from './patientForm';
import { PatientForm, type PatientFormApi, showServerErrors, useRuleText } from './PatientForm';
import { ContrastAllergyBadge } from './PatientBadges';
import type { DuplicateProblem } from './types';

type Duplicates = DuplicateProblem['duplicates'];

export function PatientRegisterPage() {
  const { t, i18n } = useTranslation();
  const navigate = useAppNavigate();
  const location = useLocation();
  const register = useRegisterPatient();
  const ruleText = useRuleText();
  // The warning stands for the values it was given about: any change takes it away, and the
  // next "Register" checks the changed values again.
  const [duplicates, setDuplicates] = useState<{ form: PatientFormApi; found: Duplicates } | null>(null);
  useEffect(() => {
    if (!duplicates) return;
    const watching = duplicates.form.watch(() => setDuplicates(null));
    return () => watching.unsubscribe();
  }, [duplicates]);
  const [problem, setProblem] = useState('');

  const send = async (values: PatientFormValues, form: PatientFormApi, confirmedNew: boolean) => {
    setProblem('');
    try {
      const p = await register.mutateAsync({ ...fieldsOf(values), confirmedNew });
      navigate(`/patients/${p.id}?registered=1`);
    } catch (e) {
      if (e instanceof ApiProblem && e.status === 409 && Array.isArray(e.problem.duplicates)) {
        setDuplicates({ form, found: e.problem.duplicates as Duplicates });
      } else if (e instanceof ApiProblem && e.status === 400 && e.problem.errors?.length) {
        setDuplicates(null);
        const other = showServerErrors(form, e.problem.errors);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const label = (f: string) => (i18n.exists(`patients.fields.${f}`) ? t(`patients.fields.${f}` as any) as string : f);
        if (other.length) setProblem(other.map((x) => `${label(x.field)}: ${ruleText(x.field, x.rule)}`).join(' '));
      } else {
        setProblem(errorText(t, e));
      }
    }
  };

  return (
    <StaffPage title={t('patients.create.title')} className="patients">
      <p className="hint">{t('patients.create.mrnNote')}</p>
      <PatientForm initial={initialFromQuery((location.state as { query?: unknown } | null)?.query)}
        submitLabel={t('patients.create.save')} pendingLabel={t('patients.create.saving')} pending={register.isPending}
        onSubmit={(v, form) => { setDuplicates(null); void send(v, form, false); }}
        onCancel={() => navigate('/patients')}>
        {duplicates && (
          <DuplicateWarning found={duplicates.found} pending={register.isPending}
            onRegisterAnyway={() => {
              // What is on the screen, checked again, is what is registered.
              const { form } = duplicates;
              void form.trigger().then((valid) => { if (valid) void send(form.getValues(), form, true); });
            }} />
        )}
        {problem && <Notice tone="error">{problem}</Notice>}
      </PatientForm>
    </StaffPage>
  );
}

function DuplicateWarning({ found, pending, onRegisterAnyway }: {
  found: Duplicates;
  pending: boolean;
  onRegisterAnyway: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const box = useRef<HTMLElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <section ref={box} tabIndex={-1} className="duplicates" role="alert" aria-labelledby="duplicates-title" data-testid="duplicates">
      <h2 id="duplicates-title">{t('patients.duplicates.title')}</h2>
      <p>{t('patients.duplicates.body')}</p>
      <ul>
        {found.map(({ patient, reason }) => (
          <li key={patient.id} data-patient={patient.mrn}>
            <div>
              <strong>{displayName(patient)}</strong> · {formatCalendarDate(patient.birthDate, locale)} ·{' '}
              {t('patients.fields.mrn')} {patient.mrn} <ContrastAllergyBadge patient={patient} />
              <div className="hint">{t(`patients.duplicates.reason.${reason}`)}</div>
            </div>
            <Link className="button" to={`/patients/${patient.id}`}>{t('patients.duplicates.open')}</Link>
          </li>
        ))}
      </ul>
      <Button onPress={onRegisterAnyway} isDisabled={pending}>{t('patients.duplicates.registerAnyway')}</Button>
    </section>
  );
}
