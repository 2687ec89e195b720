// A study's series list and series metadata, fetched once and shared: the worklist starts
// fetching when a study is chosen, while the viewer's code is still loading, and the viewer
// takes the answers that are already on their way.
import { type DicomJson, dicomJson } from './api';
import { Tag, number, text } from './dicom';

export const DICOMWEB_ROOT = '/dicom-web';

export interface SeriesInfo {
  uid: string;
  number: number;
  modality: string;
  description: string;
  count: number;
}

const pending = new Map<string, { at: number; answer: Promise<DicomJson[]> }>();
const FRESH_MS = 5_000; // long enough for a prefetch to be taken; a later opening asks again

function once(path: string): Promise<DicomJson[]> {
  const hit = pending.get(path);
  if (hit && Date.now() - hit.at < FRESH_MS) return hit.answer;
  const answer = dicomJson(path);
  pending.set(path, { at: Date.now(), answer });
  answer.catch(() => pending.delete(path)); // a failure (signed out) is not remembered
  return answer;
}

function seriesInfo(ds: DicomJson): SeriesInfo {
  return {
    uid: text(ds, Tag.SeriesInstanceUID),
    number: number(ds, Tag.SeriesNumber) ?? 0,
    modality: text(ds, Tag.Modality),
    description: text(ds, Tag.SeriesDescription),
    count: number(ds, Tag.NumberOfSeriesRelatedInstances) ?? 0,
  };
}

// What a series is: images go to a viewport; reports, documents, waveforms, segmentations,
// key-object selections, presentation states and radiotherapy objects are not images.
export type SeriesKind = 'images' | 'report' | 'document' | 'waveform' | 'segmentation' | 'keyimages' | 'presentation' | 'rt';

const KIND_OF_MODALITY: Record<string, SeriesKind> = {
  SR: 'report',
  DOC: 'document',
  ECG: 'waveform', HD: 'waveform', EPS: 'waveform', RESP: 'waveform', AU: 'waveform',
  SEG: 'segmentation',
  KO: 'keyimages',
  PR: 'presentation',
  RTSTRUCT: 'rt', RTPLAN: 'rt', RTRECORD: 'rt',
};

export function seriesKind(modality: string): SeriesKind {
  return KIND_OF_MODALITY[modality.toUpperCase()] ?? 'images';
}

export function isImageSeries(s: SeriesInfo): boolean {
  return seriesKind(s.modality) === 'images';
}

// The study's series in series-number order.
export async function seriesOf(study: string): Promise<SeriesInfo[]> {
  const list = await once(`${DICOMWEB_ROOT}/studies/${study}/series?includefield=0008103E&includefield=00201209`);
  return list.map(seriesInfo).sort((a, b) => a.number - b.number);
}

export function seriesMetadata(study: string, series: string): Promise<DicomJson[]> {
  return once(`${DICOMWEB_ROOT}/studies/${study}/series/${series}/metadata`);
}

// What the viewer asks for first: the series list, then the first series' metadata.
export function prefetchStudy(study: string): void {
  seriesOf(study).then((s) => s[0] && seriesMetadata(study, s[0].uid)).catch(() => undefined);
}

export function byNewest(a: DicomJson, b: DicomJson): number {
  const ka = text(a, Tag.StudyDate) + text(a, Tag.StudyTime);
  const kb = text(b, Tag.StudyDate) + text(b, Tag.StudyTime);
  return kb.localeCompare(ka);
}

// A patient is a Patient ID within its issuer (the archive keeps them apart the same way):
// two hospitals' number 12345 are two people, and one's studies are not the other's priors.
export interface PatientKey {
  id: string;
  issuer: string;
}

export function patientKey(ds: DicomJson): PatientKey {
  return { id: text(ds, Tag.PatientID), issuer: text(ds, Tag.IssuerOfPatientID) };
}

// The patient's other studies among a query's answer, newest first.
export function priorsAmong(list: DicomJson[], patient: PatientKey, study: string): DicomJson[] {
  return list.filter((s) => {
    const k = patientKey(s);
    return k.id === patient.id && k.issuer === patient.issuer && text(s, Tag.StudyInstanceUID) !== study;
  }).sort(byNewest);
}

// The patient's other studies, newest first (the priors to compare with).
export async function otherStudies(patient: PatientKey, study: string): Promise<DicomJson[]> {
  if (!patient.id) return [];
  const q = new URLSearchParams({ PatientID: patient.id, includefield: Tag.IssuerOfPatientID, limit: '50' });
  if (patient.issuer) q.set('IssuerOfPatientID', patient.issuer);
  return priorsAmong(await dicomJson(`${DICOMWEB_ROOT}/studies?${q}`), patient, study);
}
