import type { DicomJson } from '../api';
import { Tag, numbers, text } from '../dicom';
import i18n from '../i18n';

// Window/level presets: the windows stored in the images first (what the modality or the
// technologist chose), then the usual ones for the modality.

export interface Preset {
  name: string;
  center: number;
  width: number;
}

// Hounsfield windows as most CT reading rooms use them; `key` names each in the reader's
// language (viewer.presets), `name` is the English one.
export const CT_PRESETS = [
  { key: 'brain', name: 'Brain', center: 40, width: 80 },
  { key: 'subdural', name: 'Subdural', center: 75, width: 200 },
  { key: 'stroke', name: 'Stroke', center: 40, width: 40 },
  { key: 'bone', name: 'Bone', center: 400, width: 1800 },
  { key: 'lung', name: 'Lung', center: -600, width: 1500 },
  { key: 'mediastinum', name: 'Mediastinum', center: 50, width: 350 },
  { key: 'abdomen', name: 'Abdomen', center: 50, width: 400 },
  { key: 'liver', name: 'Liver', center: 30, width: 150 },
] as const satisfies readonly (Preset & { key: string })[];

// Stored windows come as parallel multi-valued Window Center / Window Width attributes.
export function storedPresets(centers: number[], widths: number[]): Preset[] {
  const out: Preset[] = [];
  const n = Math.min(centers.length, widths.length);
  for (let i = 0; i < n; i++) {
    if (!(widths[i] > 0)) continue;
    out.push({ name: n > 1 ? i18n.t('viewer.presets.storedN', { n: i + 1 }) : i18n.t('viewer.presets.stored'),
      center: centers[i], width: widths[i] });
  }
  return out;
}

// Named in the reader's language at the time of the call.
export function presetsFor(modality: string, centers: number[] = [], widths: number[] = []): Preset[] {
  const stored = storedPresets(centers, widths);
  if (modality !== 'CT') return stored;
  return [...stored, ...CT_PRESETS.map(({ key, center, width }) => ({ name: i18n.t(`viewer.presets.${key}`), center, width }))];
}

// The value range a window shows, as PS3.3 C.11.2.1.2.1 (the LINEAR function) defines it
// and Cornerstone applies a stored window: a width of 400 at 40 spans 399 values from 39.5.
export function voiRange(p: Preset): { lower: number; upper: number } {
  return { lower: p.center - 0.5 - (p.width - 1) / 2, upper: p.center - 0.5 + (p.width - 1) / 2 };
}

// Its inverse: the window as it is stored and as the overlay shows it (400/40, not 399/40).
export function presetFromRange(lower: number, upper: number): { center: number; width: number } {
  return { center: (lower + upper + 1) / 2, width: upper - lower + 1 };
}

// The presets for an image, from its own attributes (metadata in the DICOM JSON model).
export function presetsForImage(ds: DicomJson): Preset[] {
  return presetsFor(text(ds, Tag.Modality), numbers(ds, Tag.WindowCenter), numbers(ds, Tag.WindowWidth));
}
