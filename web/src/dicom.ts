// Reading attributes from the DICOM JSON model (PS3.18 F.2) as QIDO-RS and WADO-RS answer.
import type { DicomJson } from './api';

export const Tag = {
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  InstitutionName: '00080080',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  IssuerOfPatientID: '00100021',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  SliceLocation: '00201041',
  SliceThickness: '00180050',
  ImageOrientationPatient: '00200037',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  PixelSpacing: '00280030',
  ImagerPixelSpacing: '00181164',
  EstimatedRadiographicMagnificationFactor: '00181114',
  WindowCenter: '00281050',
  WindowWidth: '00281051',
  SOPInstanceUID: '00080018',
  SOPClassUID: '00080016',
  TransferSyntaxUID: '00020010',
  AvailableTransferSyntaxUID: '00083002',
} as const;

export function values(ds: DicomJson, tag: string): unknown[] {
  return ds[tag]?.Value ?? [];
}

export function text(ds: DicomJson, tag: string): string {
  const v = values(ds, tag)[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return personName(v as PersonName);
  return String(v);
}

// A value as a number: a number, or a string that is wholly one (some writers send DS and IS
// as strings); NaN otherwise (null, an empty string). The archive reads values the same way
// (src/api/dicomweb/reading_order.cpp).
function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

export function number(ds: DicomJson, tag: string): number | undefined {
  const n = numberOf(values(ds, tag)[0]);
  return Number.isFinite(n) ? n : undefined;
}

export function numbers(ds: DicomJson, tag: string): number[] {
  return values(ds, tag).map(numberOf).filter((n) => Number.isFinite(n));
}

interface PersonName {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

// "DOE^JOHN^^DR" -> "DOE, JOHN": family name first, as worklists show it.
export function personName(pn: PersonName | undefined): string {
  const raw = pn?.Alphabetic || pn?.Ideographic || pn?.Phonetic || '';
  const [family = '', given = '', middle = ''] = raw.split('^');
  const rest = [given, middle].filter(Boolean).join(' ');
  return rest ? `${family}, ${rest}` : family;
}

// "20240102" -> "2024-01-02"; anything else unchanged.
export function formatDate(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : da;
}
