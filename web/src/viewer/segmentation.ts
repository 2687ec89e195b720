// A DICOM SEG drawn over the stack it was made on: each frame's mask placed on the image it
// covers (segments.ts), painted in its segment's colour on a canvas above the image, through
// the viewport's camera (zoom, pan, rotation and flips move it with the image).
//
// Drawn here rather than as a Cornerstone3D labelmap: Cornerstone's CPU path, which stacks use
// where WebGL is a software rasterizer (rendering.ts), draws no labelmaps; and its DICOM SEG
// adapter builds code at run time (ndarray's `new Function`), which the application's Content
// Security Policy forbids, and should.
import { type Types, getShouldUseCPURendering, utilities } from '@cornerstonejs/core';
import type { DicomJson } from '../api';
import i18n from '../i18n';
import { encapsulatedBulk } from './documents';
import { type SegFrame, type SegGrid, type Segment, type StackSlot, frameMask, segFrames, segGrid } from './segments';

const PIXEL_DATA = '7FE00010';
const FILL_ALPHA = 110; // of 255: the image stays readable under the segment

// Distinct colours for segments that recommend none.
const PALETTE: [number, number, number][] = [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
  [145, 30, 180], [70, 240, 240], [240, 50, 230]];

export function segmentRgb(s: Segment, order: number): [number, number, number] {
  return s.color ?? PALETTE[order % PALETTE.length];
}

export interface LoadedSegmentation {
  grid: SegGrid;
  pixels: Uint8Array; // the Pixel Data as stored: masks are unpacked per image drawn
  byImage: Map<number, SegFrame[]>; // stack position -> its frames
  unplaced: number; // frames that fit no image of the stack
}

export async function loadSegmentation(seg: DicomJson, stack: StackSlot[], rows: number, columns: number): Promise<LoadedSegmentation> {
  if (Number(seg['00280010']?.Value?.[0]) !== rows || Number(seg['00280011']?.Value?.[0]) !== columns) {
    throw new Error(i18n.t('viewer.segmentation.grid'));
  }
  const uri = seg[PIXEL_DATA]?.BulkDataURI;
  const inline = seg[PIXEL_DATA]?.InlineBinary;
  if (!uri && !inline) throw new Error(i18n.t('viewer.segmentation.noPixels'));
  const { frames, unplaced } = segFrames(seg, stack);
  if (frames.length === 0) throw new Error(i18n.t('viewer.segmentation.noFrames'));
  const pixels = inline ? Uint8Array.from(atob(inline), (c) => c.charCodeAt(0)) : await encapsulatedBulk(uri!);
  const grid = segGrid(seg, pixels);
  const byImage = new Map<number, SegFrame[]>();
  for (const f of frames) byImage.set(f.imageIndex, [...(byImage.get(f.imageIndex) ?? []), f]);
  return { grid, pixels, byImage, unplaced };
}

// Paints the frames of the image on screen, but the hidden segments', onto `canvas` (which
// covers the viewport's element). Returns whether segments overlap on this image (the later
// one is drawn where they do).
export function paintSegmentation(canvas: HTMLCanvasElement, viewport: Types.IStackViewport, imageId: string, seg: LoadedSegmentation,
  imageIndex: number, colours: Map<number, [number, number, number]>, hidden: Set<number>): boolean {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * ratio);
  canvas.height = Math.round(canvas.clientHeight * ratio);
  const g = canvas.getContext('2d');
  if (!g) return false;
  g.clearRect(0, 0, canvas.width, canvas.height);
  const shown = (seg.byImage.get(imageIndex) ?? []).filter((f) => !hidden.has(f.segment));
  if (shown.length === 0) return false;
  const { rows, columns } = seg.grid;
  const picture = new ImageData(columns, rows);
  const owner = new Uint16Array(rows * columns); // the segment drawn at each pixel
  let overlapping = false;
  for (const f of shown) {
    const mask = frameMask(seg.grid, seg.pixels, f.frame);
    const [r, gr, b] = colours.get(f.segment) ?? PALETTE[0];
    for (let j = 0; j < mask.length; j++) {
      if (!mask[j]) continue;
      if (owner[j] && owner[j] !== f.segment) overlapping = true;
      owner[j] = f.segment;
      picture.data.set([r, gr, b, FILL_ALPHA], j * 4);
    }
  }
  const layer = document.createElement('canvas');
  layer.width = columns;
  layer.height = rows;
  layer.getContext('2d')!.putImageData(picture, 0, 0);
  // Image pixel corners to the canvas: an affine map, as the camera is. Cornerstone's CPU path
  // draws the image half a pixel right of and below where its worldToCanvas puts it (WebGL
  // does not): the mask follows the picture on screen.
  const shift = getShouldUseCPURendering() ? 0.5 : 0;
  const at = (x: number, y: number) =>
    viewport.worldToCanvas(utilities.imageToWorldCoords(imageId, [x + shift, y + shift]) as Types.Point3);
  const [o, ox, oy] = [at(0, 0), at(1, 0), at(0, 1)];
  g.setTransform(ratio * (ox[0] - o[0]), ratio * (ox[1] - o[1]), ratio * (oy[0] - o[0]), ratio * (oy[1] - o[1]), ratio * o[0], ratio * o[1]);
  g.imageSmoothingEnabled = false; // each pixel a square: the mask's edge is where it is
  g.drawImage(layer, 0, 0);
  return overlapping;
}
