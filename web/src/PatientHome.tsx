// A patient's own page: their studies by date, in plain words, each opening in the simplified
// viewer. The archive shows a patient only their own records (DESIGN.md, Security).
import { useEffect, useState } from 'react';
import { type DicomJson, type Session, dicomJson } from './api';
import type { Navigate } from './session';
import { Tag, number, text, values } from './dicom';
import { prefetchStudy } from './studyData';
import { AppHeader } from './AppHeader';
import { NEWEST_FIRST, studyQuery, EMPTY_FILTERS } from './studyList';

const PLAIN_MODALITY: Record<string, string> = {
  CT: 'CT scan', MR: 'MRI scan', CR: 'X-ray', DX: 'X-ray', MG: 'Mammogram', US: 'Ultrasound', NM: 'Nuclear medicine scan',
  PT: 'PET scan', XA: 'Angiography', RF: 'Fluoroscopy', IO: 'Dental X-ray', PX: 'Dental X-ray', ECG: 'ECG', SR: 'Report',
  DOC: 'Document', OT: 'Images', SEG: 'Analysis',
};

// What kind of examination, in the words a patient uses ("CT scan", "X-ray").
export function plainKinds(modalities: string[]): string {
  const words = [...new Set(modalities.map((m) => PLAIN_MODALITY[m] ?? 'Images'))];
  return words.filter((w) => !['Report', 'Document', 'Analysis'].includes(w) || words.length === 1).join(', ');
}

// "4 December 2026": a date as people write it, in the browser's language.
export function longDate(da: string): string {
  if (!/^\d{8}$/.test(da)) return 'Date not recorded';
  const d = new Date(Number(da.slice(0, 4)), Number(da.slice(4, 6)) - 1, Number(da.slice(6, 8)));
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
}

export function PatientHome({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const [studies, setStudies] = useState<DicomJson[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    dicomJson(studyQuery(EMPTY_FILTERS, NEWEST_FIRST, 0, 200)).then(setStudies, (e) => {
      setError(`Your studies cannot be shown just now (${(e as Error).message}). Please try again later, or call the imaging centre.`);
      setStudies([]);
    });
  }, []);
  return (
    <div className="patient-home">
      <AppHeader session={session} navigate={navigate} onSignOut={onSignOut} />
      <main>
        <h1>Your imaging studies</h1>
        {error && <p role="alert" className="error">{error}</p>}
        {studies === null && <p className="page-message">Loading…</p>}
        {studies?.length === 0 && !error && <p>There are no studies in your record yet. Images appear here once the imaging centre has stored them.</p>}
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
                  <p className="hint">{images} {images === 1 ? 'image' : 'images'}</p>
                </div>
                <div className="actions">
                  <button type="button" onMouseDown={() => prefetchStudy(uid)} onClick={() => navigate(`/viewer/${uid}`)}>View images</button>
                  <DownloadLinks study={uid} />
                </div>
              </li>
            );
          })}
        </ul>
        <p className="hint">These are your images as the imaging centre stored them. Your doctor's report explains what they show.</p>
      </main>
    </div>
  );
}

// The study to take away: for a doctor or another hospital (DICOM files with their index), or
// as pictures. The archive builds the ZIP; the browser saves it.
export function DownloadLinks({ study }: { study: string }) {
  return (
    <span className="downloads">
      <a href={`/api/studies/${study}/download?format=dicom`} download data-testid="download-dicom"
        title="The images as DICOM files with a DICOMDIR, for a doctor's or a hospital's viewer">Download for a doctor (DICOM)</a>
      <a href={`/api/studies/${study}/download?format=jpeg`} download data-testid="download-jpeg"
        title="The images as JPEG pictures, to look at or share">Download pictures (JPEG)</a>
    </span>
  );
}
