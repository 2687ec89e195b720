// Whether distances on an image can be given in millimetres, and from which attribute.
import i18n from '../i18n';
import type { DicomJson } from '../api';
import { Tag, number, numbers } from '../dicom';

export interface Calibration {
  rowSpacing: number; // mm between rows
  columnSpacing: number; // mm between columns
  // PixelSpacing: in the patient. ERMF: Imager Pixel Spacing divided by the Estimated
  // Radiographic Magnification Factor, an estimate at the patient (IHE Mammography Image).
  // ImagerPixelSpacing: at the detector, which over-states sizes by the geometric magnification.
  source: 'PixelSpacing' | 'ERMF' | 'ImagerPixelSpacing';
}

const valid = (v: number[]) => v.length >= 2 && v[0] > 0 && v[1] > 0;

// Pixel Spacing first; for projection radiography without it, Imager Pixel Spacing corrected
// by the magnification factor when the image gives one, else as it is (PS3.3 10.7.1.3).
export function calibrationOf(pixelSpacing: number[], imagerPixelSpacing: number[], magnification = 0): Calibration | null {
  if (valid(pixelSpacing)) return { rowSpacing: pixelSpacing[0], columnSpacing: pixelSpacing[1], source: 'PixelSpacing' };
  if (!valid(imagerPixelSpacing)) return null;
  if (magnification > 0) {
    return { rowSpacing: imagerPixelSpacing[0] / magnification, columnSpacing: imagerPixelSpacing[1] / magnification, source: 'ERMF' };
  }
  return { rowSpacing: imagerPixelSpacing[0], columnSpacing: imagerPixelSpacing[1], source: 'ImagerPixelSpacing' };
}

// An image's calibration, from its DICOM JSON.
export function imageCalibration(ds: DicomJson): Calibration | null {
  return calibrationOf(numbers(ds, Tag.PixelSpacing), numbers(ds, Tag.ImagerPixelSpacing),
    number(ds, Tag.EstimatedRadiographicMagnificationFactor) ?? 0);
}

export function calibrationNote(c: Calibration | null): string {
  if (!c) return i18n.t('viewer.viewport.noSpacing');
  if (c.source === 'ImagerPixelSpacing') return i18n.t('viewer.viewport.detector');
  if (c.source === 'ERMF') return i18n.t('viewer.viewport.magnification');
  return '';
}

// Length in mm of a segment given in pixel coordinates (column, row).
export function lengthMm(c: Calibration, a: [number, number], b: [number, number]): number {
  const dx = (b[0] - a[0]) * c.columnSpacing;
  const dy = (b[1] - a[1]) * c.rowSpacing;
  return Math.hypot(dx, dy);
}

export function formatLength(value: number, unit: 'mm' | 'px'): string {
  return unit === 'mm' ? `${value.toFixed(1)} mm` : `${value.toFixed(0)} px`;
}
