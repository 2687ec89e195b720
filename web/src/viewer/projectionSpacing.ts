// Millimetres on projection images (mammography, DX, CR). The DICOM image loader's image plane
// takes its spacing from Pixel Spacing only, and treats an image without Image Orientation and
// Position (every projection image) as uncalibrated: a mammogram measured in pixels, and its
// scale bar drawn as if one pixel were one millimetre. This provider, ahead of the loader's,
// gives such an image the spacing calibration.ts chooses (Pixel Spacing; else Imager Pixel
// Spacing, corrected by the magnification factor when given), so that Cornerstone's tools, its
// world coordinates and our scale bar are in millimetres. Images the loader places (with their
// orientation, position and spacing) are left to it.
import { metaData } from '@cornerstonejs/core';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import type { DicomJson } from '../api';
import { Tag, text } from '../dicom';
import { imageCalibration } from './calibration';

const IMAGE_PLANE = 'imagePlaneModule';
const PROJECTION = new Set(['MG', 'DX', 'CR', 'IO', 'PX', 'RG']);
const FUNCTIONAL_GROUPS = ['52009229', '52009230']; // Shared and Per-frame Functional Groups Sequences

export function projectionImagePlane(type: string, imageId: string): object | undefined {
  if (type !== IMAGE_PLANE) return undefined;
  const ds = wadors.metaDataManager.get(imageId) as DicomJson | undefined;
  // Projection radiography only; an enhanced multi-frame image places its frames by its
  // functional groups, which the loader reads.
  if (!ds || !PROJECTION.has(text(ds, Tag.Modality)) || FUNCTIONAL_GROUPS.some((g) => g in ds)) return undefined;
  const base = wadors.metaData.metaDataProvider(IMAGE_PLANE, imageId) as Record<string, unknown> | undefined;
  if (!base?.usingDefaultValues) return undefined;
  const calibration = imageCalibration(ds);
  if (!calibration) return undefined;
  const { rowSpacing, columnSpacing } = calibration;
  // usingDefaultValues false: Cornerstone then counts the image as having pixel spacing (its
  // default orientation and position are what a projection image is drawn with anyway).
  return { ...base, pixelSpacing: [rowSpacing, columnSpacing], rowPixelSpacing: rowSpacing, columnPixelSpacing: columnSpacing,
    usingDefaultValues: false };
}

export function useProjectionSpacing(): void {
  metaData.addProvider(projectionImagePlane as never, 100);
}
