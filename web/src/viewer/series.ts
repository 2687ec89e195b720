// A series' instances as a stack of image ids for Cornerstone's WADO-RS loader: sorted in
// space (along the slice normal) when the geometry allows, by Instance Number otherwise;
// one image per frame of multi-frame objects.
import type { DicomJson } from '../api';
import { Tag, number, numbers, text } from '../dicom';
import { withPaletteValues } from './palette';

export interface StackImage {
  imageId: string;
  metadata: DicomJson;
  frame: number; // 1-based
}

export function sliceNormal(orientation: number[]): number[] | null {
  if (orientation.length !== 6) return null;
  const [a, b, c, d, e, f] = orientation;
  const n = [b * f - c * e, c * d - a * f, a * e - b * d];
  return Math.hypot(n[0], n[1], n[2]) > 0.5 ? n : null;
}

// Orders instances for scrolling; stable for equal keys. The archive sends a series' pixel
// data in this order (src/api/dicomweb/reading_order.cpp); tests/fixtures/reading_order.json
// holds the cases both are tested against.
export function sortInstances(instances: DicomJson[]): DicomJson[] {
  const normal = instances.length > 1 ? sliceNormal(numbers(instances[0], Tag.ImageOrientationPatient)) : null;
  const key = (ds: DicomJson): number | undefined => {
    if (normal) {
      const p = numbers(ds, Tag.ImagePositionPatient);
      if (p.length === 3) return p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
    }
    return undefined;
  };
  const spatial = normal !== null && instances.every((ds) => key(ds) !== undefined);
  // Radiologists scroll from the top of the stack, which for axial series is the head: the
  // highest position along the normal first. Images at one place keep the order they came in.
  const indexed = instances.map((ds, i) => ({
    ds,
    i,
    k: spatial ? -key(ds)! : (number(ds, Tag.InstanceNumber) ?? 0),
  }));
  indexed.sort((x, y) => x.k - y.k || x.i - y.i);
  return indexed.map((e) => e.ds);
}

export function stackImages(root: string, study: string, series: string, instances: DicomJson[]): StackImage[] {
  const out: StackImage[] = [];
  for (const instance of sortInstances(instances)) {
    const ds = withPaletteValues(instance);
    const sop = text(ds, Tag.SOPInstanceUID);
    const frames = Math.max(1, number(ds, Tag.NumberOfFrames) ?? 1);
    for (let f = 1; f <= frames; f++) {
      out.push({
        imageId: `wadors:${root}/studies/${study}/series/${series}/instances/${sop}/frames/${f}`,
        metadata: ds,
        frame: f,
      });
    }
  }
  return out;
}

// The order in which to fetch a stack: the image on screen first, then outwards from it,
// so that scrolling either way finds images already there.
export function loadOrder(count: number, first: number): number[] {
  const order: number[] = [];
  if (count <= 0) return order;
  const start = Math.min(Math.max(first, 0), count - 1);
  order.push(start);
  for (let d = 1; order.length < count; d++) {
    if (start + d < count) order.push(start + d);
    if (start - d >= 0) order.push(start - d);
  }
  return order;
}

// Where each image of a stack lies along its slice normal (mm), with the normal; null when the
// stack has no usable geometry (projection images, missing attributes).
export function stackGeometry(images: StackImage[]): { normal: number[]; positions: number[] } | null {
  const first = images[0]?.metadata;
  const normal = first ? sliceNormal(numbers(first, Tag.ImageOrientationPatient)) : null;
  if (!normal) return null;
  const length = Math.hypot(normal[0], normal[1], normal[2]);
  const unit = normal.map((c) => c / length);
  const positions: number[] = [];
  for (const im of images) {
    const p = numbers(im.metadata, Tag.ImagePositionPatient);
    if (p.length !== 3) return null;
    positions.push(p[0] * unit[0] + p[1] * unit[1] + p[2] * unit[2]);
  }
  return { normal: unit, positions };
}

// The index of the image nearest to `target` (mm along the normal).
export function nearestSlice(positions: number[], target: number): number {
  let best = 0;
  for (let i = 1; i < positions.length; i++) {
    if (Math.abs(positions[i] - target) < Math.abs(positions[best] - target)) best = i;
  }
  return best;
}

// Whether a stack can be rebuilt as a volume for MPR: single-frame slices, at least three,
// one orientation, positions along the normal all different.
export function volumeEligible(images: StackImage[]): boolean {
  if (images.length < 3 || images.some((im) => (number(im.metadata, Tag.NumberOfFrames) ?? 1) > 1)) return false;
  const orientation = numbers(images[0].metadata, Tag.ImageOrientationPatient);
  const same = images.every((im) => numbers(im.metadata, Tag.ImageOrientationPatient)
    .every((v, i) => Math.abs(v - orientation[i]) < 1e-3));
  const geometry = stackGeometry(images);
  if (!same || !geometry) return false;
  return new Set(geometry.positions.map((p) => p.toFixed(3))).size === images.length;
}
