// Studies in the archive, newest first, searchable by patient, date and modality; a row
// opens the study in the viewer.
import { type FormEvent, useEffect, useState } from 'react';
import { type DicomJson, type Session, dicomJson } from './api';
import type { Navigate } from './App';
import { Tag, formatDate, number, text, values } from './dicom';
import { byNewest, prefetchStudy } from './studyData';

interface Filters {
  name: string;
  patientId: string;
  from: string;
  to: string;
  modality: string;
}

const INCLUDE = ['00081030', '00080061', '00201206', '00201208', '00100030', '00100040'];

export function studyQuery(f: Filters, limit = 200): string {
  const q = new URLSearchParams();
  if (f.name.trim()) {
    q.set('PatientName', `${f.name.trim()}*`);
    q.set('fuzzymatching', 'true');
  }
  if (f.patientId.trim()) q.set('PatientID', f.patientId.trim());
  const from = f.from.replaceAll('-', ''), to = f.to.replaceAll('-', '');
  if (from || to) q.set('StudyDate', `${from}-${to}`);
  if (f.modality) q.set('ModalitiesInStudy', f.modality);
  for (const t of INCLUDE) q.append('includefield', t);
  q.set('limit', String(limit));
  return `/dicom-web/studies?${q}`;
}

export function Worklist({ session, navigate, onSignOut, prefetchViewer }: {
  session: Session;
  navigate: Navigate;
  onSignOut: () => void;
  prefetchViewer: () => Promise<unknown>;
}) {
  const [filters, setFilters] = useState<Filters>({ name: '', patientId: '', from: '', to: '', modality: '' });
  const [studies, setStudies] = useState<DicomJson[] | null>(null);
  const [error, setError] = useState('');

  async function search(f: Filters) {
    setError('');
    try {
      setStudies((await dicomJson(studyQuery(f))).sort(byNewest));
    } catch (e) {
      setError((e as Error).message);
      setStudies([]);
    }
  }

  useEffect(() => {
    void search(filters);
    // The viewer's code is fetched and started while the user looks at the list.
    void prefetchViewer().then((m) => (m as { warmUp?: () => void }).warmUp?.());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function submit(e: FormEvent) {
    e.preventDefault();
    void search(filters);
  }
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });

  return (
    <div className="worklist">
      <header className="topbar">
        <strong>Vireo</strong>
        <span className="spacer" />
        <span>{session.username}</span>
        <button type="button" onClick={onSignOut}>Sign out</button>
      </header>
      <form className="filters" onSubmit={submit} aria-label="Search studies">
        <input placeholder="Patient name" aria-label="Patient name" value={filters.name} onChange={set('name')} />
        <input placeholder="Patient ID" aria-label="Patient ID" value={filters.patientId} onChange={set('patientId')} />
        <input type="date" aria-label="From" value={filters.from} onChange={set('from')} />
        <input type="date" aria-label="To" value={filters.to} onChange={set('to')} />
        <select aria-label="Modality" value={filters.modality} onChange={set('modality')}>
          <option value="">Any modality</option>
          {['CT', 'MR', 'CR', 'DX', 'US', 'XA', 'MG', 'NM', 'PT', 'OT'].map((m) => <option key={m}>{m}</option>)}
        </select>
        <button type="submit">Search</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {studies === null ? <p className="page-message">Loading…</p> : (
        <table className="studies">
          <thead>
            <tr><th>Patient</th><th>ID</th><th>Born</th><th>Date</th><th>Modality</th><th>Description</th><th>Accession</th><th>Images</th></tr>
          </thead>
          <tbody>
            {studies.length === 0 && <tr><td colSpan={8}>No studies match.</td></tr>}
            {studies.map((s) => {
              const uid = text(s, Tag.StudyInstanceUID);
              return (
                <tr key={uid} tabIndex={0} data-study={uid}
                  onMouseDown={() => prefetchStudy(uid)}
                  onClick={() => navigate(`/viewer/${uid}`)}
                  onKeyDown={(e) => e.key === 'Enter' && navigate(`/viewer/${uid}`)}>
                  <td>{text(s, Tag.PatientName)}</td>
                  <td>{text(s, Tag.PatientID)}</td>
                  <td>{formatDate(text(s, Tag.PatientBirthDate))}</td>
                  <td>{formatDate(text(s, Tag.StudyDate))}</td>
                  <td>{values(s, Tag.ModalitiesInStudy).join(', ')}</td>
                  <td>{text(s, Tag.StudyDescription)}</td>
                  <td>{text(s, Tag.AccessionNumber)}</td>
                  <td>{number(s, Tag.NumberOfStudyRelatedInstances) ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
