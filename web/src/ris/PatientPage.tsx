// One patient: who they are, how to reach them, their identifiers, allergies (a contrast allergy
// at the top, where nobody misses it), and their studies in the archive, found by MRN and issuer
// (never by name), each a click from the viewer.
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button } from 'react-aria-components';
import { type DicomJson, dicomJson } from '../api';
import { ApiProblem } from '../apiClient';
import { Tag, number, text, values } from '../dicom';
import { StaffPage } from '../ui/StaffPage';
import { Notice } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { ageOn, formatCalendarDate, formatMoment, localToday } from '../i18n/format';
import { formatLocale } from '../i18n';
import { can, useSession } from '../session';
import { usePatient } from './patients';
import { PatientOrders } from './PatientOrders';
import { MergeButton, MergedBanner, PatientMerges } from './PatientMerge';
import { useLiveChanges } from './live';
import { displayName } from './patientForm';
import type { Patient } from './types';

export function patientIdOf(param: string | undefined): number | null {
  return param && /^[1-9][0-9]{0,14}$/.test(param) ? Number(param) : null;
}

export function PatientPage() {
  const { t } = useTranslation();
  const id = patientIdOf(useParams().id);
  const patient = usePatient(id);
  if (id === null || (patient.error instanceof ApiProblem && patient.error.status === 404)) {
    return <StaffPage title={t('patients.title')}><Notice tone="error">{t('errors.notFound')}</Notice><BackLink /></StaffPage>;
  }
  if (patient.isError) {
    return (
      <StaffPage title={t('patients.title')}>
        <Notice tone="error">{errorText(t, patient.error)}</Notice>
        <Button onPress={() => void patient.refetch()}>{t('errors.retry')}</Button>
      </StaffPage>
    );
  }
  if (!patient.data) return <StaffPage title={t('patients.title')}><p className="hint">{t('app.loading')}</p></StaffPage>;
  // Keyed: another patient opened from this one (a merge's link) starts with its own state.
  return <PatientRecord key={patient.data.id} patient={patient.data} />;
}

function BackLink() {
  const { t } = useTranslation();
  return <Link to="/patients" className="back">← {t('patients.page.back')}</Link>;
}

function PatientRecord({ patient: p }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const [params] = useSearchParams();
  const age = ageOn(p.birthDate, localToday());
  const [merged, setMerged] = useState('');
  useLiveChanges(can(session, 'ris.schedule.read'));  // a merge's images arriving, another desk's edit
  const none = <span className="muted">{t('patients.page.none')}</span>;
  const value = (v: string) => (v ? v : none);
  return (
    <StaffPage title={displayName(p)} className="patients patient-record"
      actions={!p.mergedInto && (
        <>
          {can(session, 'ris.patients.merge') && <MergeButton kept={p} onMerged={setMerged} />}
          {can(session, 'ris.patients.write') && <Link className="button" to={`/patients/${p.id}/edit`}>{t('patients.page.edit')}</Link>}
        </>
      )}>
      <BackLink />
      <MergedBanner patient={p} />
      {merged && <Notice tone="ok" testId="merged">{merged}</Notice>}
      {params.get('registered') && <Notice tone="ok" testId="registered">{t('patients.page.created', { mrn: p.mrn })}</Notice>}
      {params.get('saved') && <Notice tone="ok" testId="saved">{t('patients.page.saved')}</Notice>}
      {p.contrastAllergy && (
        <div className="allergy-banner" role="note" data-testid="contrast-allergy-banner">
          ⚠ {t('patients.contrastAllergy')}{p.allergies ? `: ${p.allergies}` : ''}
        </div>
      )}
      <p className="identity" data-testid="identity">
        <span>{t('patients.fields.mrn')} <strong>{p.mrn}</strong> ({p.mrnIssuer})</span>
        <span>{formatCalendarDate(p.birthDate, locale)}{age !== null && ` · ${t('patients.age', { count: age })}`}</span>
        <span>{t(`patients.sex.${p.sex}`)}</span>
      </p>
      <div className="record-sections">
        <section className="facts">
          <h2>{t('patients.sections.contact')}</h2>
          <dl>
            <dt>{t('patients.fields.phone')}</dt><dd>{value(p.phone)}</dd>
            <dt>{t('patients.fields.email')}</dt><dd>{value(p.email)}</dd>
            <dt>{t('patients.fields.address')}</dt><dd className="multiline">{value(p.address)}</dd>
          </dl>
        </section>
        <section className="facts">
          <h2>{t('patients.sections.identifiers')}</h2>
          <dl>
            <dt>{t('patients.fields.nationalId')}</dt><dd>{value(p.nationalId)}</dd>
            <dt>{t('patients.fields.insuranceNumber')}</dt><dd>{value(p.insuranceNumber)}</dd>
          </dl>
        </section>
        <section className="facts">
          <h2>{t('patients.sections.clinical')}</h2>
          <dl>
            <dt>{t('patients.fields.allergies')}</dt>
            <dd className="multiline">{p.allergies || <span className="muted">{t('patients.page.noAllergies')}</span>}</dd>
            <dt>{t('patients.fields.notes')}</dt><dd className="multiline">{value(p.notes)}</dd>
          </dl>
        </section>
      </div>
      {can(session, 'ris.orders.read') && <PatientOrders patient={p} />}
      {can(session, 'archive.read') && <PatientStudies patient={p} />}
      <PatientMerges patient={p} />
      <p className="hint">
        {t('patients.page.registered', { when: formatMoment(p.createdAt, locale) })}
        {p.updatedAt !== p.createdAt && ` · ${t('patients.page.changed', { when: formatMoment(p.updatedAt, locale) })}`}
      </p>
    </StaffPage>
  );
}

// The archive's studies of this patient: the same Patient ID and Issuer of Patient ID, compared
// here exactly. Studies with the same Patient ID but no or another issuer may be someone else's:
// they are counted, not listed.
function PatientStudies({ patient }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const searchable = !/[*?\\]/.test(patient.mrn);
  const studies = useQuery({
    queryKey: ['archive', 'studies', 'of', patient.mrn],
    enabled: searchable,
    queryFn: async () => {
      const q = new URLSearchParams({ PatientID: patient.mrn, orderby: '-StudyDate', limit: '200' });
      for (const tag of ['IssuerOfPatientID', 'StudyDescription', 'ModalitiesInStudy', 'NumberOfStudyRelatedInstances']) q.append('includefield', tag);
      const all = await dicomJson(`/dicom-web/studies?${q}`);
      const same = (s: DicomJson) => text(s, Tag.PatientID) === patient.mrn && text(s, '00100021') === patient.mrnIssuer;
      return { own: all.filter(same), others: all.filter((s) => !same(s)).length };
    },
  });
  const dateOf = (s: DicomJson) => {
    const da = text(s, Tag.StudyDate);
    return /^\d{8}$/.test(da) ? formatCalendarDate(`${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`, locale) : da;
  };
  return (
    <section className="patient-studies-list">
      <h2>{t('patients.page.studies')}</h2>
      {(studies.isError || !searchable) && <p className="hint">{t('patients.page.studiesUnavailable')}</p>}
      {studies.isSuccess && studies.data.own.length === 0 && <p className="hint" data-testid="no-studies">{t('patients.page.noStudies')}</p>}
      {studies.isSuccess && studies.data.others > 0 && (
        <Notice tone="warning" testId="other-issuer-studies">{t('patients.page.otherIssuer', { count: studies.data.others, issuer: patient.mrnIssuer })}</Notice>
      )}
      {studies.isSuccess && studies.data.own.length > 0 && (
        <table className="studies">
          <thead>
            <tr>
              <th scope="col" className="date">{t('patients.page.studyColumns.date')}</th>
              <th scope="col">{t('patients.page.studyColumns.modality')}</th>
              <th scope="col">{t('patients.page.studyColumns.description')}</th>
              <th scope="col">{t('patients.page.studyColumns.accession')}</th>
              <th scope="col" className="number">{t('patients.page.studyColumns.images')}</th>
              <th scope="col"><span className="sr-only">{t('patients.page.openStudy')}</span></th>
            </tr>
          </thead>
          <tbody>
            {studies.data.own.map((s) => {
              const uid = text(s, Tag.StudyInstanceUID);
              return (
                <tr key={uid}>
                  <td className="date">{dateOf(s)}</td>
                  <td>{values(s, Tag.ModalitiesInStudy).join(', ')}</td>
                  <td>{text(s, Tag.StudyDescription)}</td>
                  <td>{text(s, Tag.AccessionNumber)}</td>
                  <td className="number">{number(s, Tag.NumberOfStudyRelatedInstances) ?? ''}</td>
                  <td><Link to={`/viewer/${uid}`}>{t('patients.page.openStudy')}</Link></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
