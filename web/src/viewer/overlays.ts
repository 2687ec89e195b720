// What the viewport writes over the image: the corner texts (full, de-identified for
// teaching and conferences, or off) and a scale bar (the orientation letters: orientation.ts).
// Pure functions of the image's attributes and the camera, so that they are tested here and
// stay right under rotation, flips and zoom.
import type { DicomJson } from '../api';
import { Tag, formatDate, number, text } from '../dicom';
import i18n from '../i18n';

export type OverlayMode = 'full' | 'deidentified' | 'off';
// In the order of the menu; each mode's words are the viewer's (viewer.overlay).
export const OVERLAY_MODES: readonly OverlayMode[] = ['full', 'deidentified', 'off'];

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
    location !== undefined ? i18n.t('viewer.viewport.location', { value: +location.toFixed(2) }) : '',
    thickness !== undefined ? i18n.t('viewer.viewport.thickness', { value: +thickness.toFixed(2) }) : '',
  ].filter(Boolean).join('  ');
  if (mode === 'deidentified') {
    return { tl: [], tr: [text(meta, Tag.StudyDescription), series].filter(Boolean), bl: [slice].filter(Boolean) };
  }
  const sexAge = [formatDate(text(meta, Tag.PatientBirthDate)), text(meta, Tag.PatientSex)].filter(Boolean).join(' ');
  const when = [formatDate(text(meta, Tag.StudyDate)), formatTime(text(meta, Tag.StudyTime))].filter(Boolean).join(' ');
  return {
    tl: [text(meta, Tag.PatientName), text(meta, Tag.PatientID), sexAge,
      text(meta, Tag.AccessionNumber) && i18n.t('viewer.viewport.accession', { accession: text(meta, Tag.AccessionNumber) }),
      text(meta, Tag.InstitutionName)].filter(Boolean),
    tr: [when, text(meta, Tag.StudyDescription), series].filter(Boolean),
    bl: [slice].filter(Boolean),
  };
}

function formatTime(tm: string): string {
  return /^\d{4}/.test(tm) ? `${tm.slice(0, 2)}:${tm.slice(2, 4)}` : '';
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
