// An edit replaces every field of the version the receptionist opened; when someone else saved
// in between, nothing is overwritten: they are told, and reload to see the other change first.
import { useState } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { StaffPage } from '../ui/StaffPage';
import { Notice } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { useAppNavigate } from '../session';
import { useEditPatient, useForgetPatient, usePatient } from './patients';
import { displayName, fieldsOf, formValuesOf } from './patientForm';
import { PatientForm, showServerErrors } from './PatientForm';
import { patientIdOf } from './PatientPage';
import { ContrastAllergyBadge } from './PatientBadges';
import type { Patient } from './types';

export function PatientEditPage() {
  const { t } = useTranslation();
  const id = patientIdOf(useParams().id);
  const patient = usePatient(id);
  if (!patient.data && (id === null || patient.isError)) {
    return <StaffPage title={t('patients.edit.title')}><Notice tone="error">{errorText(t, patient.error ?? new ApiProblem(404, {}))}</Notice></StaffPage>;
  }
  if (!patient.data) return <StaffPage title={t('patients.edit.title')}><p className="hint">{t('app.loading')}</p></StaffPage>;
  return <EditForm latest={patient.data} reload={() => patient.refetch()} />;
}

// The form edits the version first read (`base`). A newer one read meanwhile (another desk
// saved) is said at once; what was typed stays until the receptionist reloads.
function EditForm({ latest, reload }: { latest: Patient; reload: () => Promise<{ data?: Patient }> }) {
  const { t } = useTranslation();
  const navigate = useAppNavigate();
  const edit = useEditPatient(latest.id);
  const forget = useForgetPatient();
  const [base, setBase] = useState(latest);
  const [problem, setProblem] = useState<string | null>(null);
  const stale = latest.version !== base.version || problem === 'stale';
  const takeLatest = () => void reload().then((r) => {
    if (r.data) setBase(r.data);
    setProblem(null);
  });
  return (
    <StaffPage title={`${t('patients.edit.title')}: ${displayName(base)}`} className="patients">
      <p className="identity">
        <span>{t('patients.fields.mrn')} <strong>{base.mrn}</strong> ({base.mrnIssuer})</span>
        <ContrastAllergyBadge patient={latest} />
      </p>
      <PatientForm key={base.version} initial={formValuesOf(base)} submitLabel={t('patients.edit.save')}
        pendingLabel={t('patients.edit.saving')} pending={edit.isPending} onCancel={() => navigate(`/patients/${base.id}`)}
        onSubmit={(values, form) => {
          setProblem(null);
          edit.mutateAsync({ ...fieldsOf(values), version: base.version }).then(
            () => navigate(`/patients/${base.id}?saved=1`),
            (e) => {
              if (e instanceof ApiProblem && e.status === 409) {
                setProblem('stale');
                void forget(base.id);
              } else if (e instanceof ApiProblem && e.status === 400 && e.problem.errors?.length) {
                showServerErrors(form, e.problem.errors);
              } else {
                setProblem(errorText(t, e));
              }
            });
        }}>
        {stale && (
          <Notice tone="error" testId="edit-problem">
            {t('patients.edit.stale')}{' '}
            <Button onPress={takeLatest}>{t('patients.edit.reload')}</Button>
          </Notice>
        )}
        {problem && problem !== 'stale' && <Notice tone="error" testId="edit-problem">{problem}</Notice>}
      </PatientForm>
    </StaffPage>
  );
}
