// Whether distances on an image can be given in millimetres, and from which attribute.
import i18n from '../i18n';

export interface Calibration {
  rowSpacing: number; // mm between rows
  columnSpacing: number; // mm between columns
  source: 'PixelSpacing' | 'ImagerPixelSpacing';
}

// Pixel Spacing (patient plane) first; Imager Pixel Spacing (detector plane, projection
// radiography) otherwise, which over-states sizes by the geometric magnification.
export function calibrationOf(pixelSpacing: number[], imagerPixelSpacing: number[]): Calibration | null {
  for (const [values, source] of [
    [pixelSpacing, 'PixelSpacing'],
    [imagerPixelSpacing, 'ImagerPixelSpacing'],
  ] as const) {
    if (values.length >= 2 && values[0] > 0 && values[1] > 0) {
      return { rowSpacing: values[0], columnSpacing: values[1], source };
    }
  }
  return null;
}

export function calibrationNote(c: Calibration | null): string {
  if (!c) return i18n.t('viewer.viewport.noSpacing');
  if (c.source === 'ImagerPixelSpacing') return i18n.t('viewer.viewport.detector');
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
