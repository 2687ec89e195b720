// The study list's query: filters, date presets, the order and the page, as QIDO-RS asks for
// them (the archive sorts and pages, so that the order holds across pages).
import { Tag } from './dicom';

export interface Filters {
  name: string;
  patientId: string;
  from: string; // yyyy-mm-dd, or ''
  to: string;
  modalities: string[];
}

export interface Order {
  key: string; // an attribute keyword the archive orders by
  descending: boolean;
}

export const PAGE_SIZE = 50;
export const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'XA', 'MG', 'NM', 'PT', 'OT', 'SR', 'DOC', 'ECG'];
export const EMPTY_FILTERS: Filters = { name: '', patientId: '', from: '', to: '', modalities: [] };
export const NEWEST_FIRST: Order = { key: 'StudyDate', descending: true };

// (Issuer of Patient ID: with the Patient ID, the RIS patient whose contrast allergy the row shows.)
const INCLUDE = ['00081030', '00080061', '00201206', '00201208', '00100030', '00100040', '00080090', '00100021'];

// `limit` one more than a page: whether there is a next page is known without counting.
export function studyQuery(f: Filters, order: Order, offset: number, limit = PAGE_SIZE + 1): string {
  const q = new URLSearchParams();
  if (f.name.trim()) {
    q.set('PatientName', `${f.name.trim()}*`);
    q.set('fuzzymatching', 'true');
  }
  if (f.patientId.trim()) q.set('PatientID', f.patientId.trim());
  const from = f.from.replaceAll('-', ''), to = f.to.replaceAll('-', '');
  if (from || to) q.set('StudyDate', `${from}-${to}`);
  if (f.modalities.length) q.set('ModalitiesInStudy', f.modalities.join('\\'));
  for (const t of INCLUDE) q.append('includefield', t);
  // Same-day studies by time; the archive's arrival order breaks any remaining tie.
  const sign = order.descending ? '-' : '';
  q.set('orderby', order.key === 'StudyDate' ? `${sign}StudyDate,${sign}StudyTime` : `${sign}${order.key}`);
  q.set('limit', String(limit));
  if (offset > 0) q.set('offset', String(offset));
  return `/dicom-web/studies?${q}`;
}

// yyyy-mm-dd of a day in the browser's time zone (the clinic's).
function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export type DatePreset = 'today' | 'yesterday' | 'week';
// In the order of their buttons; each button's words are the study list's (studies.presets).
export const DATE_PRESETS: readonly DatePreset[] = ['today', 'yesterday', 'week'];

export function presetRange(preset: DatePreset, now = new Date()): { from: string; to: string } {
  const day = (offset: number) => isoDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset));
  if (preset === 'today') return { from: day(0), to: day(0) };
  if (preset === 'yesterday') return { from: day(-1), to: day(-1) };
  return { from: day(-6), to: day(0) };
}

// The next order after a click on a column's heading: that column, newest or Z first for
// dates, A first otherwise; a second click turns it round.
export function nextOrder(current: Order, key: string): Order {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key === 'StudyDate' };
}

export const SORTABLE = {
  PatientName: Tag.PatientName,
  PatientID: Tag.PatientID,
  PatientSex: Tag.PatientSex,
  PatientBirthDate: Tag.PatientBirthDate,
  StudyDate: Tag.StudyDate,
  StudyDescription: Tag.StudyDescription,
  ReferringPhysicianName: '00080090',
  AccessionNumber: Tag.AccessionNumber,
  NumberOfStudyRelatedInstances: Tag.NumberOfStudyRelatedInstances,
} as const;
