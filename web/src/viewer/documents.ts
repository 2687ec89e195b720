// What a series is, for the series panel and for what opens it: images go to a viewport;
// reports, documents, waveforms and segmentations are read in their own pane.
import type { DicomJson } from '../api';
import { text, values } from '../dicom';
import { type SeriesKind, seriesKind } from '../studyData';
import { boundaryOf, MultipartStream } from './multipartStream';
import i18n from '../i18n';

export { type SeriesKind, seriesKind };

// What a kind of series is called ("Report", "Key images"), in the reader's language.
export function kindName(kind: SeriesKind): string {
  return i18n.t(`viewer.kinds.${kind}`);
}

// The series panel's line for a series: what it is, and how many images only for images.
export function seriesLabel(kind: SeriesKind, modality: string, number: number, count: number): string {
  if (kind === 'images') return i18n.t('viewer.seriesLabel.images', { modality, number, images: count });
  if (kind === 'waveform' && modality !== 'ECG') return i18n.t('viewer.seriesLabel.waveform', { modality, number });
  return count > 1 ? i18n.t('viewer.seriesLabel.several', { kind: kindName(kind), number, objects: count })
    : i18n.t('viewer.seriesLabel.other', { kind: kindName(kind), number });
}

const PIXEL_DATA = ['7FE00010', '7FE00008', '7FE00009'];

// Whether an instance has something for a viewport to draw.
export function hasPixels(meta: DicomJson): boolean {
  return PIXEL_DATA.some((t) => meta[t] !== undefined);
}

// What an object is, in words, when a viewport has nothing to draw for it.
export function notAnImage(meta: DicomJson): string {
  return i18n.t(`viewer.notAnImage.${seriesKind(text(meta, '00080060'))}`);
}

export const ENCAPSULATED_DOCUMENT = '00420011';
const MIME_TYPE = '00420012';

export function documentMimeType(meta: DicomJson): string {
  return text(meta, MIME_TYPE).trim().toLowerCase();
}

// The Encapsulated Document's bytes, through the BulkDataURI the metadata gives for it.
export async function encapsulatedDocument(meta: DicomJson): Promise<Uint8Array> {
  const uri = meta[ENCAPSULATED_DOCUMENT]?.BulkDataURI;
  const inline = meta[ENCAPSULATED_DOCUMENT]?.InlineBinary;
  if (inline) return Uint8Array.from(atob(inline), (c) => c.charCodeAt(0));
  if (!uri) throw new Error(i18n.t('viewer.document.noContent'));
  return encapsulatedBulk(uri);
}

// A bulk data value (PS3.18 10.4.1.1.5): the one part of its multipart answer.
export async function encapsulatedBulk(uri: string): Promise<Uint8Array> {
  const r = await fetch(uri, { headers: { Accept: 'multipart/related; type="application/octet-stream"' } });
  if (!r.ok) throw new Error(i18n.t('viewer.image.http', { status: r.status }));
  const boundary = boundaryOf(r.headers.get('Content-Type'));
  const body = new Uint8Array(await r.arrayBuffer());
  if (!boundary) return body;
  const [part] = new MultipartStream(boundary).push(body);
  if (!part) throw new Error(i18n.t('viewer.document.unreadableAnswer'));
  return part.bytes;
}

// The SOP Instance UIDs a segmentation or a key-object selection refers to (for naming them).
export function referencedSeries(meta: DicomJson): string[] {
  const out = new Set<string>();
  for (const ref of values(meta, '00081115') as DicomJson[]) out.add(text(ref, '0020000E'));
  return [...out].filter(Boolean);
}
