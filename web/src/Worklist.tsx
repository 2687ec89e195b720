// Studies in the archive: searchable by patient, date (with today, yesterday and the last 7
// days a click away) and modalities, sorted by any column and paged by the archive; a row
// opens the study in the viewer.
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DicomJson, type Session, dicomJson } from './api';
import type { Navigate } from './session';
import { Tag, formatDate, number, text, values } from './dicom';
import { prefetchStudy } from './studyData';
import { AppHeader } from './AppHeader';
import { useAllergies } from './ris/allergies';
import { AllergiesUnknownBadge, ContrastAllergyBadge } from './ris/PatientBadges';
import {
  DATE_PRESETS, EMPTY_FILTERS, type Filters, MODALITIES, NEWEST_FIRST, type Order, PAGE_SIZE, SORTABLE,
  nextOrder, presetRange, studyQuery,
} from './studyList';

type Column = 'patient' | 'id' | 'sex' | 'born' | 'date' | 'modality' | 'description' | 'referring' | 'accession' | 'images';

const COLUMNS: { id: Column; sort?: keyof typeof SORTABLE; cell: (s: DicomJson) => string; className?: string }[] = [
  { id: 'patient', sort: 'PatientName', cell: (s) => text(s, Tag.PatientName) },
  { id: 'id', sort: 'PatientID', cell: (s) => text(s, Tag.PatientID) },
  { id: 'sex', sort: 'PatientSex', cell: (s) => text(s, Tag.PatientSex) },
  { id: 'born', sort: 'PatientBirthDate', cell: (s) => formatDate(text(s, Tag.PatientBirthDate)), className: 'date' },
  { id: 'date', sort: 'StudyDate', cell: (s) => formatDate(text(s, Tag.StudyDate)), className: 'date' },
  { id: 'modality', cell: (s) => values(s, Tag.ModalitiesInStudy).join(', ') },
  { id: 'description', sort: 'StudyDescription', cell: (s) => text(s, Tag.StudyDescription) },
  { id: 'referring', sort: 'ReferringPhysicianName', cell: (s) => text(s, '00080090') },
  { id: 'accession', sort: 'AccessionNumber', cell: (s) => text(s, Tag.AccessionNumber) },
  { id: 'images', sort: 'NumberOfStudyRelatedInstances', cell: (s) => String(number(s, Tag.NumberOfStudyRelatedInstances) ?? ''), className: 'number' },
];

// The RIS patient a study names: its Patient ID and Issuer of Patient ID.
const patientOf = (s: DicomJson) => ({ mrn: text(s, Tag.PatientID), issuer: text(s, Tag.IssuerOfPatientID) });

export function Worklist({ session, navigate, onSignOut, prefetchViewer }: {
  session: Session;
  navigate: Navigate;
  onSignOut: () => void;
  prefetchViewer: () => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>(EMPTY_FILTERS);
  const [order, setOrder] = useState<Order>(NEWEST_FIRST);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ studies: DicomJson[]; more: boolean } | null>(null);
  const [error, setError] = useState('');

  async function search(f: Filters, o: Order, at: number) {
    setError('');
    try {
      const list = await dicomJson(studyQuery(f, o, at));
      setPage({ studies: list.slice(0, PAGE_SIZE), more: list.length > PAGE_SIZE });
      setOffset(at);
    } catch (e) {
      setError(t('studies.failed', { error: (e as Error).message }));
      setPage({ studies: [], more: false });
    }
  }

  useEffect(() => {
    void search(filters, order, 0);
    // The viewer's code is fetched and started while the user looks at the list.
    void prefetchViewer().then((m) => (m as { warmUp?: () => void }).warmUp?.());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function submit(e: FormEvent) {
    e.preventDefault();
    void search(filters, order, 0);
  }
  const set = (k: 'name' | 'patientId' | 'from' | 'to') => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const apply = (f: Filters) => {
    setFilters(f);
    void search(f, order, 0);
  };
  const toggleModality = (m: string) =>
    apply({ ...filters, modalities: filters.modalities.includes(m) ? filters.modalities.filter((x) => x !== m) : [...filters.modalities, m] });
  const sortBy = (key: string) => {
    const o = nextOrder(order, key);
    setOrder(o);
    void search(filters, o, 0);
  };

  const studies = page?.studies ?? [];
  const allergies = useAllergies(studies.map(patientOf));
  return (
    <div className="worklist">
      <AppHeader session={session} navigate={navigate} onSignOut={onSignOut} />
      <form className="filters" onSubmit={submit} aria-label={t('studies.search')}>
        <input placeholder={t('studies.patientName')} aria-label={t('studies.patientName')} value={filters.name} onChange={set('name')} />
        <input placeholder={t('studies.patientId')} aria-label={t('studies.patientId')} value={filters.patientId} onChange={set('patientId')} />
        <input type="date" aria-label={t('studies.from')} value={filters.from} onChange={set('from')} />
        <input type="date" aria-label={t('studies.to')} value={filters.to} onChange={set('to')} />
        <span role="group" aria-label={t('studies.studyDate')} className="presets">
          {DATE_PRESETS.map((preset) => {
            const range = presetRange(preset);
            const on = filters.from === range.from && filters.to === range.to;
            return <button key={preset} type="button" aria-pressed={on}
              onClick={() => apply({ ...filters, ...(on ? { from: '', to: '' } : range) })}>{t(`studies.presets.${preset}`)}</button>;
          })}
        </span>
        <button type="submit">{t('studies.submit')}</button>
        <span role="group" aria-label={t('studies.modalities')} className="modalities">
          {MODALITIES.map((m) => (
            <button key={m} type="button" aria-pressed={filters.modalities.includes(m)} onClick={() => toggleModality(m)}>{m}</button>
          ))}
        </span>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {page === null ? <p className="page-message">{t('app.loading')}</p> : (
        <>
          <table className="studies">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.id} className={c.className}
                    aria-sort={c.sort && order.key === c.sort ? (order.descending ? 'descending' : 'ascending') : undefined}>
                    {c.sort ? (
                      <button type="button" className="sort" onClick={() => sortBy(c.sort!)}>
                        {t(`studies.columns.${c.id}`)}{order.key === c.sort ? (order.descending ? ' ▼' : ' ▲') : ''}
                      </button>
                    ) : t(`studies.columns.${c.id}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {studies.length === 0 && <tr><td colSpan={COLUMNS.length}>{t('studies.none')}</td></tr>}
              {studies.map((s) => {
                const uid = text(s, Tag.StudyInstanceUID);
                return (
                  <tr key={uid} tabIndex={0} data-study={uid}
                    onMouseDown={() => prefetchStudy(uid)}
                    onClick={() => navigate(`/viewer/${uid}`)}
                    onKeyDown={(e) => e.key === 'Enter' && navigate(`/viewer/${uid}`)}>
                    {COLUMNS.map((c) => (
                      <td key={c.id} className={c.className}>
                        {c.cell(s)}
                        {c.id === 'patient' && (allergies.failed ? <> <AllergiesUnknownBadge /></>
                          : <> <ContrastAllergyBadge patient={allergies.of(patientOf(s)) ?? { contrastAllergy: false }} /></>)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
          <nav className="pager" aria-label={t('pager.label')}>
            <button type="button" disabled={offset === 0} onClick={() => void search(filters, order, Math.max(0, offset - PAGE_SIZE))}>{t('pager.previous')}</button>
            <span data-testid="page-range">{studies.length ? t('studies.range', { first: offset + 1, last: offset + studies.length }) : ''}</span>
            <button type="button" disabled={!page.more} onClick={() => void search(filters, order, offset + PAGE_SIZE)}>{t('pager.next')}</button>
          </nav>
        </>
      )}
    </div>
  );
}
