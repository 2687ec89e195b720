// A DICOM Structured Report as a readable document: its content tree (PS3.3 C.17.3), read from
// the instance's metadata in the DICOM JSON model, as headed sections of named values with
// measurements in their units and references to the images they were made on.
import type { DicomJson } from '../api';
import { formatDate, personName, text, values } from '../dicom';
import i18n from '../i18n';

export interface SrNode {
  relationship: string; // CONTAINS, HAS OBS CONTEXT, INFERRED FROM… (PS3.3 C.17.3.2.4)
  valueType: string; // CONTAINER, TEXT, CODE, NUM, IMAGE…
  concept: string; // what the value is ("Finding", "Length")
  value: string; // as read: text, a code's meaning, a number with its unit, a reference
  reference?: { sopInstanceUid: string; frames: number[] };
  children: SrNode[];
}

export interface SrDocument {
  title: string;
  completed: boolean;
  verified: boolean;
  verifier: string;
  observer: string; // the author (Author Observer Sequence, or the observer context in the tree)
  date: string; // content date and time
  content: SrNode[];
  truncated: boolean; // deeper than MAX_DEPTH: the rest is not shown
}

// Deeper trees exist only as traps (the corpus has one 400 levels deep); a report a person
// reads has a handful of levels.
export const MAX_DEPTH = 32;

const T = {
  ContentSequence: '0040A730',
  ReferencedContentItemIdentifier: '0040DB73',
  ValueType: '0040A040',
  RelationshipType: '0040A010',
  ConceptNameCodeSequence: '0040A043',
  ConceptCodeSequence: '0040A168',
  TextValue: '0040A160',
  MeasuredValueSequence: '0040A300',
  NumericValue: '0040A30A',
  MeasurementUnitsCodeSequence: '004008EA',
  NumericValueQualifierCodeSequence: '0040A301',
  DateTime: '0040A120',
  Date: '0040A121',
  Time: '0040A122',
  PersonName: '0040A123',
  UID: '0040A124',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPInstanceUID: '00081155',
  ReferencedFrameNumber: '00081160',
  GraphicType: '00700023',
  GraphicData: '00700022',
  CompletionFlag: '0040A491',
  VerificationFlag: '0040A493',
  VerifyingObserverSequence: '0040A073',
  VerifyingObserverName: '0040A075',
  AuthorObserverSequence: '0040A078',
  ContentDate: '00080023',
  ContentTime: '00080033',
  CodeValue: '00080100',
  CodingSchemeDesignator: '00080102',
  CodeMeaning: '00080104',
} as const;

function items(ds: DicomJson, tag: string): DicomJson[] {
  return values(ds, tag).filter((v): v is DicomJson => typeof v === 'object' && v !== null);
}

function codeMeaning(ds: DicomJson, tag: string): string {
  const code = items(ds, tag)[0];
  return code ? text(code, T.CodeMeaning) || text(code, T.CodeValue) : '';
}

// A unit as written under a number: UCUM's code ("mm", "cm2"), else the meaning.
function unit(ds: DicomJson): string {
  const code = items(ds, T.MeasurementUnitsCodeSequence)[0];
  if (!code) return '';
  const value = text(code, T.CodeValue);
  if (text(code, T.CodingSchemeDesignator) === 'UCUM') return value === '1' || value === '{ratio}' ? '' : value.replace(/^\[hnsf'U\]$/, 'HU');
  return text(code, T.CodeMeaning) || value;
}

function formatTime(tm: string): string {
  return /^\d{4}/.test(tm) ? `${tm.slice(0, 2)}:${tm.slice(2, 4)}` : tm;
}

function formatDateTime(dt: string): string {
  return [formatDate(dt.slice(0, 8)), formatTime(dt.slice(8))].filter(Boolean).join(' ');
}

function valueOf(ds: DicomJson, valueType: string): Pick<SrNode, 'value' | 'reference'> {
  switch (valueType) {
    case 'TEXT':
      return { value: text(ds, T.TextValue) };
    case 'CODE':
      return { value: codeMeaning(ds, T.ConceptCodeSequence) };
    case 'NUM': {
      const measured = items(ds, T.MeasuredValueSequence)[0];
      if (!measured) return { value: codeMeaning(ds, T.NumericValueQualifierCodeSequence) || i18n.t('viewer.sr.noValue') };
      return { value: [text(measured, T.NumericValue), unit(measured)].filter(Boolean).join(' ') };
    }
    case 'DATETIME':
      return { value: formatDateTime(text(ds, T.DateTime)) };
    case 'DATE':
      return { value: formatDate(text(ds, T.Date)) };
    case 'TIME':
      return { value: formatTime(text(ds, T.Time)) };
    case 'PNAME':
      return { value: personName(values(ds, T.PersonName)[0] as never) };
    case 'UIDREF':
      return { value: text(ds, T.UID) };
    case 'IMAGE':
    case 'COMPOSITE':
    case 'WAVEFORM': {
      const ref = items(ds, T.ReferencedSOPSequence)[0];
      if (!ref) return { value: '' };
      const frames = values(ref, T.ReferencedFrameNumber).map(Number).filter(Number.isFinite);
      const what = i18n.t(valueType === 'IMAGE' ? 'viewer.sr.image' : valueType === 'WAVEFORM' ? 'viewer.sr.waveform' : 'viewer.sr.object');
      return {
        value: frames.length ? i18n.t('viewer.sr.frames', { what, frames: frames.join(', ') }) : what,
        reference: { sopInstanceUid: text(ref, T.ReferencedSOPInstanceUID), frames },
      };
    }
    case 'SCOORD':
    case 'SCOORD3D': {
      const n = values(ds, T.GraphicData).length / (valueType === 'SCOORD' ? 2 : 3);
      return { value: i18n.t('viewer.sr.points', { shape: text(ds, T.GraphicType).toLowerCase(), count: n }) };
    }
    case 'TCOORD':
      return { value: i18n.t('viewer.sr.inTime', { what: text(ds, '0040A130').toLowerCase() }) };
    default:
      return { value: '' };
  }
}

function nodes(ds: DicomJson, depth: number, cut: { truncated: boolean }): SrNode[] {
  const children = items(ds, T.ContentSequence);
  if (children.length && depth >= MAX_DEPTH) {
    cut.truncated = true;
    return [];
  }
  return children.map((item) => {
    const referenced = values(item, T.ReferencedContentItemIdentifier);
    if (referenced.length) {
      // By reference (PS3.3 C.17.3.2.5): a pointer to another item of the tree.
      return { relationship: text(item, T.RelationshipType), valueType: 'REFERENCE', concept: '',
        value: i18n.t('viewer.sr.seeItem', { item: referenced.join('.') }), children: [] };
    }
    const valueType = text(item, T.ValueType);
    return {
      relationship: text(item, T.RelationshipType),
      valueType,
      concept: codeMeaning(item, T.ConceptNameCodeSequence),
      ...valueOf(item, valueType),
      children: nodes(item, depth + 1, cut),
    };
  });
}

// The author: the Author Observer Sequence, else the observer named in the tree's context.
function observerOf(meta: DicomJson, content: SrNode[]): string {
  const author = items(meta, T.AuthorObserverSequence)[0];
  if (author) return personName(values(author, T.PersonName)[0] as never);
  const named = content.find((n) => n.relationship === 'HAS OBS CONTEXT'
    && (n.valueType === 'PNAME' || n.concept === 'Person Observer Name'));
  return named?.value ?? '';
}

export function srDocument(meta: DicomJson): SrDocument {
  const cut = { truncated: false };
  const content = nodes(meta, 0, cut);
  const verifier = items(meta, T.VerifyingObserverSequence)[0];
  return {
    title: codeMeaning(meta, T.ConceptNameCodeSequence) || i18n.t('viewer.sr.title'),
    completed: text(meta, T.CompletionFlag) === 'COMPLETE',
    verified: text(meta, T.VerificationFlag) === 'VERIFIED',
    verifier: verifier ? personName(values(verifier, T.VerifyingObserverName)[0] as never) : '',
    observer: observerOf(meta, content),
    date: [formatDate(text(meta, T.ContentDate)), formatTime(text(meta, T.ContentTime))].filter(Boolean).join(' '),
    content,
    truncated: cut.truncated,
  };
}
