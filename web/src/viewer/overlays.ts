// What the viewport writes over the image: the corner texts (full, de-identified for
// teaching and conferences, or off), the orientation letters at the edges, and a scale bar.
// Pure functions of the image's attributes and the camera, so that they are tested here and
// stay right under rotation, flips and zoom.
import type { DicomJson } from '../api';
import { Tag, formatDate, number, text } from '../dicom';

export type OverlayMode = 'full' | 'deidentified' | 'off';
export const OVERLAY_MODES: { mode: OverlayMode; label: string }[] = [
  { mode: 'full', label: 'Full overlay' },
  { mode: 'deidentified', label: 'De-identified' },
  { mode: 'off', label: 'No overlay' },
];

const STORAGE_KEY = 'vireo.viewer.overlay';

export function savedOverlayMode(): OverlayMode {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'deidentified' || v === 'off' ? v : 'full';
  } catch {
    return 'full';
  }
}

export function saveOverlayMode(mode: OverlayMode): void {
  try {
    localStorage.setItem(STORAGE_KEY, mode);
  } catch {
    // private windows may refuse storage; the choice then lasts for the page
  }
}

export interface CornerTexts {
  tl: string[];
  tr: string[];
  bl: string[];
}

// What identifies the patient (PS3.15 Annex E's basic profile, as far as the corners show
// anything) is never written in the de-identified mode: names, IDs, dates, accession,
// institution.
export function cornerTexts(meta: DicomJson, mode: OverlayMode): CornerTexts {
  if (mode === 'off') return { tl: [], tr: [], bl: [] };
  const series = [text(meta, Tag.Modality), `#${number(meta, Tag.SeriesNumber) ?? ''}`, text(meta, Tag.SeriesDescription)]
    .filter((s) => s && s !== '#').join(' ');
  const thickness = number(meta, Tag.SliceThickness);
  const location = number(meta, Tag.SliceLocation);
  const slice = [
    location !== undefined ? `Loc: ${+location.toFixed(2)} mm` : '',
    thickness !== undefined ? `Thk: ${+thickness.toFixed(2)} mm` : '',
  ].filter(Boolean).join('  ');
  if (mode === 'deidentified') {
    return { tl: [], tr: [text(meta, Tag.StudyDescription), series].filter(Boolean), bl: [slice].filter(Boolean) };
  }
  const sexAge = [formatDate(text(meta, Tag.PatientBirthDate)), text(meta, Tag.PatientSex)].filter(Boolean).join(' ');
  const when = [formatDate(text(meta, Tag.StudyDate)), formatTime(text(meta, Tag.StudyTime))].filter(Boolean).join(' ');
  return {
    tl: [text(meta, Tag.PatientName), text(meta, Tag.PatientID), sexAge,
      text(meta, Tag.AccessionNumber) && `Acc: ${text(meta, Tag.AccessionNumber)}`,
      text(meta, Tag.InstitutionName)].filter(Boolean),
    tr: [when, text(meta, Tag.StudyDescription), series].filter(Boolean),
    bl: [slice].filter(Boolean),
  };
}

function formatTime(tm: string): string {
  return /^\d{4}/.test(tm) ? `${tm.slice(0, 2)}:${tm.slice(2, 4)}` : '';
}

type Vec3 = [number, number, number];

// The patient direction (LPS letters, PS3.3 C.7.6.1.1.1) a screen direction points to: the
// main axis first, then any other axis it leans along by more than a quarter, as in "LA".
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

function unit(v: Vec3): Vec3 {
  const n = Math.hypot(...v);
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : v;
}

// Letters at the four edges of the viewport from where the screen's upward and rightward
// directions point in the patient (world coordinates, any length), as the viewport maps
// them: flips and rotations included, whichever way it draws.
export function orientationMarkers(up: Vec3, right: Vec3): { top: string; bottom: string; left: string; right: string } {
  const [u, r] = [unit(up), unit(right)];
  return {
    top: directionLetters(u),
    bottom: directionLetters(negate(u)),
    right: directionLetters(r),
    left: directionLetters(negate(r)),
  };
}

// A scale bar of a round length (1, 2 or 5 × 10ⁿ mm) no longer than `maxPixels` on screen.
export function scaleBar(mmPerPixel: number, maxPixels: number): { pixels: number; label: string } | null {
  if (!(mmPerPixel > 0) || !(maxPixels > 0)) return null;
  const most = mmPerPixel * maxPixels;
  const decade = 10 ** Math.floor(Math.log10(most));
  const mm = [5, 2, 1].map((m) => m * decade).find((x) => x <= most)!;
  const label = mm >= 10 ? `${+(mm / 10).toPrecision(3)} cm` : `${+mm.toPrecision(3)} mm`;
  return { pixels: mm / mmPerPixel, label };
}
