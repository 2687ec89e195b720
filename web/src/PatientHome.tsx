// A patient's own page: their studies by date, in plain words, each opening in the simplified
// viewer. The archive shows a patient only their own records (DESIGN.md, Security).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DicomJson, type Session, dicomJson } from './api';
import type { Navigate } from './session';
import { Tag, number, text, values } from './dicom';
import { prefetchStudy } from './studyData';
import { AppHeader } from './AppHeader';
import { NEWEST_FIRST, studyQuery, EMPTY_FILTERS } from './studyList';
import i18n, { formatLocale } from './i18n';
import { formatLongDate } from './i18n/format';
import type { en } from './i18n/en';

type PlainKind = keyof typeof en.patientHome.kinds;

const PLAIN_MODALITY: Record<string, PlainKind> = {
  CT: 'ct', MR: 'mr', CR: 'xray', DX: 'xray', MG: 'mammogram', US: 'ultrasound', NM: 'nm',
  PT: 'pet', XA: 'angiography', RF: 'fluoroscopy', IO: 'dental', PX: 'dental', ECG: 'ecg', SR: 'report',
  DOC: 'document', OT: 'images', SEG: 'analysis',
};

// What kind of examination, in the words a patient uses ("CT scan", "X-ray"), in their language.
export function plainKinds(modalities: string[]): string {
  const kinds = [...new Set(modalities.map((m) => PLAIN_MODALITY[m] ?? 'images'))];
  return kinds.filter((k) => !['report', 'document', 'analysis'].includes(k) || kinds.length === 1)
    .map((k) => i18n.t(`patientHome.kinds.${k}`)).join(', ');
}

// "4 December 2026": a date as people write it, in the reader's language.
export function longDate(da: string, locale = formatLocale(i18n.language)): string {
  if (!/^\d{8}$/.test(da)) return i18n.t('patientHome.noDate');
  return formatLongDate(`${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`, locale);
}

export function PatientHome({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t } = useTranslation();
  const [studies, setStudies] = useState<DicomJson[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    dicomJson(studyQuery(EMPTY_FILTERS, NEWEST_FIRST, 0, 200)).then(setStudies, (e) => {
      setError(t('patientHome.unavailable', { error: (e as Error).message }));
      setStudies([]);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div className="patient-home">
      <AppHeader session={session} navigate={navigate} onSignOut={onSignOut} />
      <main>
        <h1>{t('patientHome.title')}</h1>
        {error && <p role="alert" className="error">{error}</p>}
        {studies === null && <p className="page-message">{t('app.loading')}</p>}
        {studies?.length === 0 && !error && <p>{t('patientHome.none')}</p>}
        <ul className="patient-studies">
          {studies?.map((s) => {
            const uid = text(s, Tag.StudyInstanceUID);
            const images = number(s, Tag.NumberOfStudyRelatedInstances) ?? 0;
            return (
              <li key={uid} data-study={uid}>
                <div>
                  <h2>{plainKinds(values(s, Tag.ModalitiesInStudy) as string[])}</h2>
                  <p className="when">{longDate(text(s, Tag.StudyDate))}</p>
                  {text(s, Tag.StudyDescription) && <p>{text(s, Tag.StudyDescription)}</p>}
                  <p className="hint">{t('patientHome.images', { count: images })}</p>
                </div>
                <div className="actions">
                  <button type="button" onMouseDown={() => prefetchStudy(uid)} onClick={() => navigate(`/viewer/${uid}`)}>{t('patientHome.view')}</button>
                  <DownloadLinks study={uid} />
                </div>
              </li>
            );
          })}
        </ul>
        <p className="hint">{t('patientHome.about')}</p>
      </main>
    </div>
  );
}

// The study to take away: for a doctor or another hospital (DICOM files with their index), or
// as pictures. The archive builds the ZIP; the browser saves it.
export function DownloadLinks({ study }: { study: string }) {
  const { t } = useTranslation();
  return (
    <span className="downloads">
      <a href={`/api/studies/${study}/download?format=dicom`} download data-testid="download-dicom"
        title={t('patientHome.download.dicomHint')}>{t('patientHome.download.dicom')}</a>
      <a href={`/api/studies/${study}/download?format=jpeg`} download data-testid="download-jpeg"
        title={t('patientHome.download.jpegHint')}>{t('patientHome.download.jpeg')}</a>
    </span>
  );
}
