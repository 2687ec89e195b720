// What a DICOM SEG holds, read from its metadata: each segment's number, label and
// recommended display colour (PS3.3 C.8.20.2, Segment Sequence), for the legend beside the
// overlay and for the overlay's colours.
import type { DicomJson } from '../api';
import { number, numbers, text, values } from '../dicom';
import i18n from '../i18n';

export interface Segment {
  index: number; // Segment Number: the labelmap's value
  label: string;
  color: [number, number, number] | null; // sRGB 0-255, or null: the viewer's own palette
}

const SEGMENT_SEQUENCE = '00620002';
const SEGMENT_NUMBER = '00620004';
const SEGMENT_LABEL = '00620005';
const RECOMMENDED_CIELAB = '0062000D';

export function segmentsOf(meta: DicomJson): Segment[] {
  return (values(meta, SEGMENT_SEQUENCE) as DicomJson[]).flatMap((item) => {
    const index = number(item, SEGMENT_NUMBER);
    if (index === undefined) return [];
    const lab = numbers(item, RECOMMENDED_CIELAB);
    return [{ index, label: text(item, SEGMENT_LABEL) || i18n.t('viewer.segmentation.segment', { number: index }), color: lab.length === 3 ? dicomLabToRgb(lab) : null }];
  });
}

// DICOM's scaled CIELab (PS3.3 C.10.7.1.1: L* 0-100 and a*, b* -128-127 mapped onto 0-65535,
// D65 white) to sRGB.
export function dicomLabToRgb([l16, a16, b16]: number[]): [number, number, number] {
  const L = (l16 * 100) / 65535;
  const a = (a16 * 255) / 65535 - 128;
  const b = (b16 * 255) / 65535 - 128;
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));
  const [X, Y, Z] = [0.95047 * inv(fx), 1.0 * inv(fy), 1.08883 * inv(fz)];
  const linear = [
    3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z,
    -0.969266 * X + 1.8760108 * Y + 0.041556 * Z,
    0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z,
  ];
  const gamma = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
  return linear.map((c) => Math.round(Math.min(1, Math.max(0, gamma(c))) * 255)) as [number, number, number];
}

// One frame of a SEG placed on the stack: which image it covers, which segment, and where its
// mask is in the Pixel Data (unpacked only when that image is drawn: a large segmentation
// unpacked at once would take eight times its packed size).
export interface SegFrame {
  imageIndex: number;
  segment: number;
  frame: number; // 0-based, in the SEG's Pixel Data
}

// An image of the stack a segmentation may be drawn on.
export interface StackSlot {
  sop: string;
  frame: number; // 1-based, in a multi-frame image
  position: number[] | null; // Image Position (Patient)
  orientation: number[] | null; // Image Orientation (Patient)
  frameOfReference: string;
}

const SHARED_GROUPS = '52009229';
const PER_FRAME_GROUPS = '52009230';
const SEGMENT_IDENTIFICATION = '0062000A';
const REFERENCED_SEGMENT_NUMBER = '0062000B';
const DERIVATION_IMAGE = '00089124';
const SOURCE_IMAGE = '00082112';
const REFERENCED_SOP_INSTANCE = '00081155';
const REFERENCED_FRAME_NUMBER = '00081160';
const PLANE_POSITION = '00209113';
const PLANE_ORIENTATION = '00209116';
const IMAGE_POSITION = '00200032';
const IMAGE_ORIENTATION = '00200037';
const FRAME_OF_REFERENCE = '00200052';
const POSITION_TOLERANCE_MM = 0.1;
const ORIENTATION_TOLERANCE = 1e-3;

const first = (ds: DicomJson | undefined, tag: string) => (ds ? (values(ds, tag)[0] as DicomJson | undefined) : undefined);

export interface SegGrid {
  rows: number;
  columns: number;
  bits: 1 | 8;
  threshold: number; // 8-bit: drawn above this value
}

// The SEG's pixel layout, or why it cannot be read.
export function segGrid(meta: DicomJson, pixels: Uint8Array): SegGrid {
  const rows = number(meta, '00280010') ?? 0;
  const columns = number(meta, '00280011') ?? 0;
  const count = number(meta, '00280008') ?? 1;
  const bits = number(meta, '00280100') ?? 1;
  const fractional = text(meta, '00620001') === 'FRACTIONAL';
  if (bits !== 1 && bits !== 8) throw new Error(i18n.t('viewer.segmentation.bits', { bits }));
  if (pixels.length < Math.ceil((count * rows * columns * bits) / 8)) {
    throw new Error(i18n.t('viewer.segmentation.short'));
  }
  return { rows, columns, bits, threshold: fractional ? (number(meta, '0062000E') ?? 255) / 2 : 0 };
}

// One frame's mask (1 where its segment is): 1-bit packed least significant bit first with no
// padding between frames, or 8-bit (a fractional segmentation is drawn where it reaches half
// its maximum).
export function frameMask(grid: SegGrid, pixels: Uint8Array, frame: number): Uint8Array {
  const size = grid.rows * grid.columns;
  const mask = new Uint8Array(size);
  const offset = frame * size;
  for (let j = 0; j < size; j++) {
    if (grid.bits === 1) mask[j] = (pixels[(offset + j) >> 3] >> ((offset + j) & 7)) & 1;
    else mask[j] = pixels[offset + j] > grid.threshold ? 1 : 0;
  }
  return mask;
}

// Where each frame of a SEG goes on the stack. A frame that names its source image goes on that
// image (on a multi-frame one, on the frame it names, or else the one at its plane position);
// a frame that names none goes on the one image at its position, in the same frame of reference
// and orientation. Anything else is counted, not drawn: a mask on the wrong image is worse
// than none.
export function segFrames(meta: DicomJson, stack: StackSlot[]): { frames: SegFrame[]; unplaced: number } {
  const count = number(meta, '00280008') ?? 1;
  const shared = first(meta, SHARED_GROUPS);
  const perFrame = values(meta, PER_FRAME_GROUPS) as DicomJson[];
  const frameOfReference = text(meta, FRAME_OF_REFERENCE);
  const frames: SegFrame[] = [];
  let unplaced = 0;
  for (let i = 0; i < count; i++) {
    const group = perFrame[i];
    const ident = first(group, SEGMENT_IDENTIFICATION) ?? first(shared, SEGMENT_IDENTIFICATION);
    const segment = ident ? number(ident, REFERENCED_SEGMENT_NUMBER) : undefined;
    const position = numbers(first(group, PLANE_POSITION) ?? first(shared, PLANE_POSITION) ?? {}, IMAGE_POSITION);
    const orientation = numbers(first(group, PLANE_ORIENTATION) ?? first(shared, PLANE_ORIENTATION) ?? {}, IMAGE_ORIENTATION);
    const imageIndex = placeFrame(group, stack, { position, orientation, frameOfReference });
    if (segment === undefined || imageIndex < 0) {
      unplaced++;
      continue;
    }
    frames.push({ imageIndex, segment, frame: i });
  }
  return { frames, unplaced };
}

interface Plane {
  position: number[];
  orientation: number[];
  frameOfReference: string;
}

function sources(group: DicomJson | undefined): { sop: string; frame: number | undefined }[] {
  return ((group ? values(group, DERIVATION_IMAGE) : []) as DicomJson[]).flatMap((derivation) =>
    (values(derivation, SOURCE_IMAGE) as DicomJson[]).map((source) =>
      ({ sop: text(source, REFERENCED_SOP_INSTANCE), frame: number(source, REFERENCED_FRAME_NUMBER) })));
}

function placeFrame(group: DicomJson | undefined, stack: StackSlot[], plane: Plane): number {
  const named = sources(group);
  if (named.length > 0) {
    for (const { sop, frame } of named) {
      const slots = stack.flatMap((s, i) => (s.sop === sop ? [i] : []));
      if (slots.length === 0) continue;
      if (frame !== undefined) return slots.find((i) => stack[i].frame === frame) ?? -1;
      if (slots.length === 1) return slots[0];
      // A multi-frame source named whole: the frame at the plane's position, if exactly one.
      return atPosition(slots, stack, plane);
    }
    return -1; // its source images are not this stack's
  }
  return atPosition(stack.map((_, i) => i), stack, plane);
}

function atPosition(candidates: number[], stack: StackSlot[], plane: Plane): number {
  if (plane.position.length !== 3) return -1;
  const matches = candidates.filter((i) => {
    const s = stack[i];
    if (!s.position || s.position.length !== 3) return false;
    if (plane.frameOfReference && s.frameOfReference && plane.frameOfReference !== s.frameOfReference) return false;
    if (plane.orientation.length === 6 && s.orientation?.length === 6 &&
      plane.orientation.some((v, k) => Math.abs(v - s.orientation![k]) > ORIENTATION_TOLERANCE)) return false;
    return Math.hypot(s.position[0] - plane.position[0], s.position[1] - plane.position[1], s.position[2] - plane.position[2])
      < POSITION_TOLERANCE_MM;
  });
  return matches.length === 1 ? matches[0] : -1;
}
