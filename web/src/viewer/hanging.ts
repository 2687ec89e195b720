// Mammograms hung as readers expect them: the right and left breast of one view back to back
// (right breast in the left viewport), chest walls together in the middle, CC above MLO.
// An image sent the other way round (nipple towards the middle) is mirrored to hang; its
// letters follow, since they are read from the viewport's camera.
import type { LayoutName } from './layout';
import { laterality, mammoView, patientFrame } from './orientation';
import type { StackImage } from './series';
import { Tag, text } from '../dicom';

export interface HungImage {
  key: string; // the viewport's stack: one mammogram (all its frames)
  images: StackImage[];
  flipH: boolean;
}

export interface Hanging {
  layout: LayoutName;
  viewports: HungImage[];
}

// Views in the order they hang, top row first.
const VIEW_ORDER = ['CC', 'MLO', 'ML', 'LM', 'XCCL', 'XCCM', 'XCC', 'FB', 'SIO', 'ISO', 'LMO'];

const PRESENTATION_INTENT = '00080068';
const VIEW_MODIFIER_CODE_SEQUENCE = '00540222';

function hangingRank(image: StackImage): number {
  const forProcessing = text(image.metadata, PRESENTATION_INTENT).trim().toUpperCase() === 'FOR PROCESSING';
  const modified = (image.metadata[VIEW_MODIFIER_CODE_SEQUENCE]?.Value ?? []).length > 0;
  return (forProcessing ? 2 : 0) + (modified ? 1 : 0);
}

export function mammogramKey(sop: string): string {
  return `mg:${sop}`;
}

// Whether the image must be mirrored so that its chest wall (posterior) faces the other
// breast: the right breast's on the screen's right, the left breast's on the left. Only a
// mirror is ever applied; an image whose rows do not run front to back is hung as it is.
function mirrorToHang(image: StackImage, side: 'R' | 'L'): boolean {
  const frame = patientFrame(image.metadata, image.frame);
  if (!frame) return false;
  const posteriorToTheRight = frame.right[1];
  if (Math.abs(posteriorToTheRight) < 0.5) return false;
  return side === 'R' ? posteriorToTheRight < 0 : posteriorToTheRight > 0;
}

// The hanging for a study's images, or null when it has no right and left mammogram of one view.
export function mammoHanging(images: StackImage[]): Hanging | null {
  const byInstance = new Map<string, StackImage[]>();
  for (const im of images) {
    if (text(im.metadata, Tag.Modality).toUpperCase() !== 'MG') continue;
    const sop = text(im.metadata, Tag.SOPInstanceUID);
    byInstance.set(sop, [...(byInstance.get(sop) ?? []), im]);
  }
  const pairs: { view: string; right: [string, StackImage[]]; left: [string, StackImage[]] }[] = [];
  for (const view of VIEW_ORDER) {
    // The screening images: for presentation rather than for processing, and without a view
    // modifier (a spot compression or a magnification is compared on its own).
    const of = (side: 'R' | 'L') => [...byInstance]
      .filter(([, ims]) => laterality(ims[0].metadata) === side && mammoView(ims[0].metadata) === view)
      .sort(([, a], [, b]) => hangingRank(a[0]) - hangingRank(b[0]))[0];
    const right = of('R');
    const left = of('L');
    if (right && left) pairs.push({ view, right, left });
  }
  if (pairs.length === 0) return null;
  const viewports = pairs.slice(0, 2).flatMap(({ right, left }) => [
    { key: mammogramKey(right[0]), images: right[1], flipH: mirrorToHang(right[1][0], 'R') },
    { key: mammogramKey(left[0]), images: left[1], flipH: mirrorToHang(left[1][0], 'L') },
  ]);
  return { layout: viewports.length > 2 ? '2x2' : '1x2', viewports };
}
