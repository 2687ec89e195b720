// The key images of a report's working text, as plain functions (keyImages.test.ts): adding the
// image the viewer shows (once, in the window it is shown in), captions, removal, and the
// picture the editor shows of each (the archive's rendering, as the signed PDF will print it).
import type { KeyImageRef } from '../viewer/ViewerSelection';
import type { ReportContent } from './types';

export type KeyImage = NonNullable<ReportContent['keyImages']>[number];

// As the server allows (reports.hpp kMaxKeyImages): four rows of two in the PDF.
export const MAX_KEY_IMAGES = 8;

export type KeyImageAdded = 'added' | 'already' | 'full' | 'other_study' | 'none';

// The content with the image shown added at the end, or why it is not: no image shown, one of
// another study (a prior), already a key image, or as many as a report holds.
export function withKeyImage(content: ReportContent, shown: KeyImageRef | null, study: string):
  { content: ReportContent; outcome: KeyImageAdded } {
  const list = content.keyImages ?? [];
  if (!shown) return { content, outcome: 'none' };
  if (shown.study !== study) return { content, outcome: 'other_study' };
  if (list.some((k) => k.sopInstanceUid === shown.sop && k.frame === shown.frame)) return { content, outcome: 'already' };
  if (list.length >= MAX_KEY_IMAGES) return { content, outcome: 'full' };
  const image: KeyImage = { seriesInstanceUid: shown.series, sopInstanceUid: shown.sop, frame: shown.frame, caption: '' };
  if (shown.window && shown.window.width >= 1) {
    image.windowCenter = shown.window.center;
    image.windowWidth = shown.window.width;
  }
  return { content: { ...content, keyImages: [...list, image] }, outcome: 'added' };
}

export function withCaption(content: ReportContent, index: number, caption: string): ReportContent {
  return { ...content, keyImages: (content.keyImages ?? []).map((k, i) => (i === index ? { ...k, caption } : k)) };
}

export function withoutKeyImage(content: ReportContent, index: number): ReportContent {
  return { ...content, keyImages: (content.keyImages ?? []).filter((_, i) => i !== index) };
}

export function sameKeyImages(a: KeyImage[], b: KeyImage[]): boolean {
  const key = (k: KeyImage) => [k.seriesInstanceUid, k.sopInstanceUid, k.frame, k.windowCenter ?? null, k.windowWidth ?? null, k.caption];
  return JSON.stringify(a.map(key)) === JSON.stringify(b.map(key));
}

// The frame rendered by the archive (PS3.18 rendered resource) in the key image's window.
export function keyImageUrl(study: string, k: KeyImage, size = 192): string {
  const path = [study, 'series', k.seriesInstanceUid, 'instances', k.sopInstanceUid, 'frames', String(k.frame)]
    .map(encodeURIComponent).join('/');
  const window = k.windowCenter !== undefined && k.windowWidth !== undefined ? `&window=${k.windowCenter},${k.windowWidth},linear` : '';
  return `/dicom-web/studies/${path}/rendered?viewport=${size},${size}${window}`;
}
