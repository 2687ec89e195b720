// Where the patient is on screen: the letters at the four edges of a viewport, and for
// mammography the laterality and view. A wrong letter is a wrong-side risk, so the rule is
// strict (PS3.3 C.7.6.1.1.1, C.7.6.2.1.1):
// - cross-sectional images (CT, MR, PT, NM…) from Image Orientation (Patient);
// - projection images (DX, CR, MG, XA, RF, IO, US…) from Patient Orientation, since their
//   pixels are not a plane in the patient's coordinate system;
// - when neither is known (or a value cannot be read), no letters at all: never a default.
// tests/fixtures/orientation.json holds the cases (real files, rotated and flipped) that
// Vitest and the end-to-end test in Chromium both check.
import type { DicomJson } from '../api';
import { Tag, numbers, text, values } from '../dicom';

export type Vec3 = [number, number, number];
export type Vec2 = [number, number];

export interface Markers {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

// The patient directions of the image's own axes: `right` is where the row runs (column
// index growing), `down` where the column runs (row index growing). LPS, unit length.
export interface PatientFrame {
  right: Vec3;
  down: Vec3;
  source: 'ImageOrientationPatient' | 'PatientOrientation';
}

export const PROJECTION_MODALITIES = new Set(['DX', 'CR', 'MG', 'XA', 'RF', 'IO', 'US', 'PX', 'OP', 'ES', 'XC']);

const LETTER_DIRECTIONS: Record<string, Vec3> = {
  L: [1, 0, 0], R: [-1, 0, 0], P: [0, 1, 0], A: [0, -1, 0], H: [0, 0, 1], F: [0, 0, -1],
};

const SHARED_FUNCTIONAL_GROUPS = '52009229';
const PER_FRAME_FUNCTIONAL_GROUPS = '52009230';
const PLANE_ORIENTATION_SEQUENCE = '00209116';
const PATIENT_ORIENTATION = '00200020';
const ANATOMICAL_ORIENTATION_TYPE = '00102210';

function unit(v: Vec3): Vec3 {
  const n = Math.hypot(...v);
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : v;
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

// "L", "LP", "AFL": each letter a direction, the value their sum. Anything else (empty, a
// quadruped term such as "CD", a typo) is unknown rather than guessed.
export function patientDirection(value: string): Vec3 | null {
  const v = value.trim().toUpperCase();
  if (v === '' || v.length > 3) return null;
  const sum: Vec3 = [0, 0, 0];
  for (const c of v) {
    const d = LETTER_DIRECTIONS[c];
    if (!d) return null;
    if (dot(sum, d) !== 0) return null; // a letter twice, or opposite letters
    for (let i = 0; i < 3; i++) sum[i] += d[i];
  }
  return unit(sum);
}

function fromPatientOrientation(meta: DicomJson): PatientFrame | null {
  const v = values(meta, PATIENT_ORIENTATION);
  if (v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
  const right = patientDirection(v[0]);
  const down = patientDirection(v[1]);
  if (!right || !down || Math.abs(dot(right, down)) > 0.5) return null;
  return { right, down, source: 'PatientOrientation' };
}

// Image Orientation (Patient): at the top level, or for enhanced multi-frame objects in the
// shared functional groups, or else the given frame's.
function imageOrientation(meta: DicomJson, frame: number): number[] {
  const top = numbers(meta, Tag.ImageOrientationPatient);
  if (top.length) return top;
  const inGroup = (group: unknown): number[] => {
    const plane = (group as DicomJson | undefined)?.[PLANE_ORIENTATION_SEQUENCE]?.Value?.[0] as DicomJson | undefined;
    return plane ? numbers(plane, Tag.ImageOrientationPatient) : [];
  };
  const shared = inGroup(values(meta, SHARED_FUNCTIONAL_GROUPS)[0]);
  return shared.length ? shared : inGroup(values(meta, PER_FRAME_FUNCTIONAL_GROUPS)[frame - 1]);
}

function fromImageOrientation(meta: DicomJson, frame: number): PatientFrame | null {
  const o = imageOrientation(meta, frame);
  if (o.length !== 6) return null;
  const right: Vec3 = [o[0], o[1], o[2]];
  const down: Vec3 = [o[3], o[4], o[5]];
  // Not unit vectors, or not perpendicular: a damaged value, not a geometry.
  if (Math.abs(Math.hypot(...right) - 1) > 0.05 || Math.abs(Math.hypot(...down) - 1) > 0.05) return null;
  if (Math.abs(dot(right, down)) > 0.05) return null;
  return { right: unit(right), down: unit(down), source: 'ImageOrientationPatient' };
}

// The image's patient frame, or null when its orientation is not known.
export function patientFrame(meta: DicomJson, frame = 1): PatientFrame | null {
  // Quadruped terms reuse the letters with other meanings (R rostral, L lateral, PL plantar…,
  // PS3.3 C.7.6.1.1.1): no human letters for them.
  if (text(meta, ANATOMICAL_ORIENTATION_TYPE).trim().toUpperCase() === 'QUADRUPED') return null;
  if (PROJECTION_MODALITIES.has(text(meta, Tag.Modality).toUpperCase())) {
    // A projection image with a true plane geometry (tomosynthesis, enhanced XA) may carry
    // Image Orientation (Patient) instead.
    return fromPatientOrientation(meta) ?? fromImageOrientation(meta, frame);
  }
  return fromImageOrientation(meta, frame) ?? fromPatientOrientation(meta);
}

// The patient direction (LPS letters) a direction points to: the main axis first, then any
// other axis it leans along by more than a quarter, as in "LA".
export function directionLetters(v: Vec3): string {
  const letters: [number, string][] = [
    [v[0], v[0] > 0 ? 'L' : 'R'],
    [v[1], v[1] > 0 ? 'P' : 'A'],
    [v[2], v[2] > 0 ? 'H' : 'F'],
  ];
  return letters
    .filter(([c]) => Math.abs(c) > 0.25)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .slice(0, 2)
    .map(([, l]) => l)
    .join('');
}

function negate(v: Vec3): Vec3 {
  return [-v[0], -v[1], -v[2]];
}

// Letters at the four edges from where the screen's upward and rightward directions point in
// the patient (any length), flips and rotations included.
export function orientationMarkers(up: Vec3, right: Vec3): Markers {
  const [u, r] = [unit(up), unit(right)];
  return {
    top: directionLetters(u),
    bottom: directionLetters(negate(u)),
    right: directionLetters(r),
    left: directionLetters(negate(r)),
  };
}

// The screen's upward and rightward directions in the image's own axes (x along the row,
// y down the column), as the viewport draws it.
export interface ScreenAxes {
  up: Vec2;
  right: Vec2;
}

export const UPRIGHT: ScreenAxes = { up: [0, -1], right: [1, 0] };

function inPatient(frame: PatientFrame, v: Vec2): Vec3 {
  return [0, 1, 2].map((i) => v[0] * frame.right[i] + v[1] * frame.down[i]) as Vec3;
}

// The letters for an image in a given screen placement; null when its orientation is unknown.
export function imageMarkers(frame: PatientFrame | null, screen: ScreenAxes): Markers | null {
  if (!frame) return null;
  return orientationMarkers(inPatient(frame, screen.up), inPatient(frame, screen.right));
}

// The toolbar's display changes, as the picture on screen moves: a quarter turn clockwise,
// a mirror left-right, a mirror top-bottom.
export type DisplayChange = 'rotate' | 'flipH' | 'flipV';

export function afterChange(s: ScreenAxes, change: DisplayChange): ScreenAxes {
  const neg = (v: Vec2): Vec2 => [-v[0], -v[1]];
  switch (change) {
    case 'rotate': // what was at the left edge comes to the top
      return { up: neg(s.right), right: s.up };
    case 'flipH':
      return { up: s.up, right: neg(s.right) };
    case 'flipV':
      return { up: neg(s.up), right: s.right };
  }
}

// A world direction (as the viewport reports it) in the image's own axes, given the image's
// row and column directions in the same world.
export function toImageAxes(world: Vec3, row: Vec3, column: Vec3): Vec2 {
  return [dot(world, row), dot(world, column)];
}

// Mammography: "R CC", "L MLO" (Image Laterality or Laterality, then the view from the View
// Code Sequence, CID 4014, or View Position).
const VIEW_ABBREVIATIONS: Record<string, string> = {
  'cranio-caudal': 'CC',
  'medio-lateral oblique': 'MLO',
  'medio-lateral': 'ML',
  'latero-medial': 'LM',
  'latero-medial oblique': 'LMO',
  'caudo-cranial (from below)': 'FB',
  'superolateral to inferomedial oblique': 'SIO',
  'inferomedial to superolateral oblique': 'ISO',
  'exaggerated cranio-caudal': 'XCC',
  'cranio-caudal exaggerated laterally': 'XCCL',
  'cranio-caudal exaggerated medially': 'XCCM',
  tangential: 'TAN',
};
const VIEW_CODES: Record<string, string> = {
  // SNOMED CT and the retired SNOMED RT codes of the common views.
  '399162004': 'CC', 'R-10242': 'CC',
  '399368009': 'MLO', 'R-10226': 'MLO',
  '399260004': 'ML', 'R-10224': 'ML',
  '399352003': 'LM', 'R-10228': 'LM',
};
const VIEW_POSITIONS = new Set(Object.values(VIEW_ABBREVIATIONS));
const IMAGE_LATERALITY = '00200062';
const LATERALITY = '00200060';
const VIEW_CODE_SEQUENCE = '00540220';
const VIEW_POSITION = '00185101';

export function mammoView(meta: DicomJson): string {
  const item = values(meta, VIEW_CODE_SEQUENCE)[0] as DicomJson | undefined;
  const code = item ? text(item, '00080100').trim() : '';
  const meaning = item ? text(item, '00080104').trim() : '';
  const position = text(meta, VIEW_POSITION).trim().toUpperCase();
  return VIEW_CODES[code] ?? VIEW_ABBREVIATIONS[meaning.toLowerCase()]
    ?? (VIEW_POSITIONS.has(position) ? position : meaning || position);
}

export function laterality(meta: DicomJson): 'R' | 'L' | 'B' | '' {
  const v = (text(meta, IMAGE_LATERALITY) || text(meta, LATERALITY)).trim().toUpperCase();
  return v === 'R' || v === 'L' || v === 'B' ? v : '';
}

export function mammoLabel(meta: DicomJson): string {
  if (text(meta, Tag.Modality).toUpperCase() !== 'MG') return '';
  return [laterality(meta), mammoView(meta)].filter(Boolean).join(' ');
}
