// How fast cine plays: the rate the reader chose, else the object's own (Recommended Display
// Frame Rate, Cine Rate, or the Frame Time between its frames), else 20 images a second.
import type { DicomJson } from '../api';
import { number } from '../dicom';

export const CINE_RATES = [1, 2, 5, 10, 15, 20, 25, 30, 40, 60] as const; // images a second
const DEFAULT_RATE = 20;
const MAX_RATE = 120;

const usable = (rate: number | undefined) => (rate !== undefined && rate > 0 && rate <= MAX_RATE ? rate : undefined);

export function ownCineRate(meta: DicomJson | undefined): number {
  if (!meta) return DEFAULT_RATE;
  const frameTime = number(meta, '00181063'); // ms
  return usable(number(meta, '00082144')) ?? usable(number(meta, '00180040')) ??
    usable(frameTime ? 1000 / frameTime : undefined) ?? DEFAULT_RATE;
}

export function cineRate(meta: DicomJson | undefined, chosen: number | null): number {
  return usable(chosen ?? undefined) ?? ownCineRate(meta);
}
