// What a DICOM SEG holds, read from its metadata: each segment's number, label and
// recommended display colour (PS3.3 C.8.20.2, Segment Sequence), for the legend beside the
// overlay and for the overlay's colours.
import type { DicomJson } from '../api';
import { number, numbers, text, values } from '../dicom';

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
    return [{ index, label: text(item, SEGMENT_LABEL) || `Segment ${index}`, color: lab.length === 3 ? dicomLabToRgb(lab) : null }];
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

// One frame of a SEG placed on the stack: which image it covers, which segment, and its mask.
export interface SegFrame {
  imageIndex: number;
  segment: number;
  mask: Uint8Array; // rows × columns, 1 where the segment is
}

// An image of the stack a segmentation may be drawn on.
export interface StackSlot {
  sop: string;
  frame: number; // 1-based, in a multi-frame image
  position: number[] | null; // Image Position (Patient)
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
const IMAGE_POSITION = '00200032';
const POSITION_TOLERANCE_MM = 0.1;

const first = (ds: DicomJson | undefined, tag: string) => (ds ? (values(ds, tag)[0] as DicomJson | undefined) : undefined);

// Where each frame of a SEG goes on the stack (by the source image it names, else by its plane
// position), with its mask unpacked from the Pixel Data value (1-bit packed, or 8-bit: a
// fractional segmentation is drawn where it reaches half its maximum). Frames that fit no image
// of the stack are counted, not drawn.
export function segFrames(meta: DicomJson, pixels: Uint8Array, stack: StackSlot[]): { frames: SegFrame[]; unplaced: number } {
  const rows = number(meta, '00280010') ?? 0;
  const columns = number(meta, '00280011') ?? 0;
  const count = number(meta, '00280008') ?? 1;
  const bits = number(meta, '00280100') ?? 1;
  const fractional = text(meta, '00620001') === 'FRACTIONAL';
  const threshold = fractional ? (number(meta, '0062000E') ?? 255) / 2 : 0;
  const size = rows * columns;
  if (bits !== 1 && bits !== 8) throw new Error(`segmentations of ${bits} bits a pixel are not supported`);
  if (pixels.length < Math.ceil((count * size * bits) / 8)) {
    throw new Error('its pixel data is shorter than its frames (compressed segmentations are not supported)');
  }
  const shared = first(meta, SHARED_GROUPS);
  const perFrame = values(meta, PER_FRAME_GROUPS) as DicomJson[];
  const frames: SegFrame[] = [];
  let unplaced = 0;
  for (let i = 0; i < count; i++) {
    const group = perFrame[i];
    const ident = first(group, SEGMENT_IDENTIFICATION) ?? first(shared, SEGMENT_IDENTIFICATION);
    const segment = ident ? number(ident, REFERENCED_SEGMENT_NUMBER) : undefined;
    const imageIndex = placeFrame(group, shared, stack);
    if (segment === undefined || imageIndex < 0) {
      unplaced++;
      continue;
    }
    const mask = new Uint8Array(size);
    const offset = i * size;
    for (let j = 0; j < size; j++) {
      if (bits === 1) mask[j] = (pixels[(offset + j) >> 3] >> ((offset + j) & 7)) & 1;
      else mask[j] = pixels[offset + j] > threshold ? 1 : 0;
    }
    frames.push({ imageIndex, segment, mask });
  }
  return { frames, unplaced };
}

function placeFrame(group: DicomJson | undefined, shared: DicomJson | undefined, stack: StackSlot[]): number {
  for (const derivation of (group ? values(group, DERIVATION_IMAGE) : []) as DicomJson[]) {
    for (const source of values(derivation, SOURCE_IMAGE) as DicomJson[]) {
      const sop = text(source, REFERENCED_SOP_INSTANCE);
      const frame = number(source, REFERENCED_FRAME_NUMBER) ?? 1;
      const at = stack.findIndex((s) => s.sop === sop && s.frame === frame);
      if (at >= 0) return at;
    }
  }
  const position = numbers(first(group, PLANE_POSITION) ?? first(shared, PLANE_POSITION) ?? {}, IMAGE_POSITION);
  if (position.length !== 3) return -1;
  return stack.findIndex((s) => s.position !== null && s.position.length === 3 &&
    Math.hypot(s.position[0] - position[0], s.position[1] - position[1], s.position[2] - position[2]) < POSITION_TOLERANCE_MM);
}
