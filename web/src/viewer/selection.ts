// What the viewer has selected for a report: the measurements drawn on the images (as
// Cornerstone's annotation state keeps them, annotations.ts), each with its values and the
// image it is on, and the image a viewport shows (a key image). Plain data, read from
// Cornerstone by ViewerSelection.ts; the rules are tested in selection.test.ts.

// An image of the archive: a stack's image is one frame of an instance (1 for single-frame).
export interface ImageRef {
  study: string; // Study Instance UID
  series: string; // Series Instance UID
  sop: string; // SOP Instance UID
  frame: number; // frame number, from 1
}

// An image as a key image of a report: which, and the window it is shown in now (null: none
// known, the image's own is used).
export interface KeyImageRef extends ImageRef {
  window: { center: number; width: number } | null;
}

// One value of a measurement, in the unit the viewer shows it in: 'mm' ('px' without pixel
// spacing), 'mm²', '°', 'HU' (a region's or a probe's statistics in the modality's unit).
export interface MeasuredValue {
  name: 'length' | 'angle' | 'area' | 'mean' | 'stdDev' | 'min' | 'max' | 'value';
  value: number;
  unit: string;
}

export interface ViewerMeasurement {
  uid: string; // Cornerstone's annotation UID: stable while the measurement exists
  tool: string; // Cornerstone's tool: 'Length', 'Angle', 'CobbAngle', 'EllipticalROI', 'RectangleROI', 'Probe', 'ArrowAnnotate'
  label: string; // an arrow's text; '' for the others
  values: MeasuredValue[]; // empty for an arrow, or before its statistics are computed
  image: ImageRef;
  // Where its millimetres are: in the patient (Pixel Spacing), estimated there (ERMF), or at the
  // detector (Imager Pixel Spacing); null without spacing (calibration.ts).
  spacing: SpacingSource | null;
}

export type SpacingSource = 'PixelSpacing' | 'ERMF' | 'ImagerPixelSpacing';

// The ids the grid gives its stack viewports in Cornerstone's rendering engine.
export function stackViewportId(index: number): string {
  return `vp-${index}`;
}

// An image id of the viewer's own loader (series.ts, stackImages):
// wadors:{root}/studies/{study}/series/{series}/instances/{sop}/frames/{frame}.
const IMAGE_ID = /^wadors:.*\/studies\/([^/]+)\/series\/([^/]+)\/instances\/([^/]+)\/frames\/(\d+)$/;

export function imageRef(imageId: string | undefined): ImageRef | null {
  const m = imageId ? IMAGE_ID.exec(imageId) : null;
  if (!m) return null;
  const [study, series, sop] = [m[1], m[2], m[3]].map(decodeURIComponent);
  return { study, series, sop, frame: Number(m[4]) };
}

// An annotation as Cornerstone keeps it (the parts read here).
export interface AnnotationLike {
  annotationUID?: string;
  metadata?: { toolName?: string; referencedImageId?: string };
  data?: { text?: unknown; cachedStats?: Record<string, Record<string, unknown> | undefined> };
}

type Stats = Record<string, unknown>;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function valuesOf(tool: string, stats: Stats): MeasuredValue[] {
  const out: MeasuredValue[] = [];
  const add = (name: MeasuredValue['name'], value: unknown, unit: unknown) => {
    if (finite(value)) out.push({ name, value, unit: typeof unit === 'string' ? unit : '' });
  };
  switch (tool) {
    case 'Length':
      add('length', stats.length, stats.unit);
      break;
    case 'Angle':
    case 'CobbAngle':
      add('angle', stats.angle, '°');
      break;
    case 'EllipticalROI':
    case 'RectangleROI':
      add('area', stats.area, stats.areaUnit);
      for (const name of ['mean', 'stdDev', 'min', 'max'] as const) add(name, stats[name], stats.modalityUnit);
      break;
    case 'Probe':
      add('value', stats.value, stats.modalityUnit);
      break;
  }
  return out;
}

// The statistics of the image the annotation was drawn on (Cornerstone keys them by target:
// "imageId:<its image id>"), else the first it has.
function statsOf(a: AnnotationLike, imageId: string): Stats {
  const cached = a.data?.cachedStats ?? {};
  return cached[`imageId:${imageId}`] ?? Object.values(cached).find((s) => s) ?? {};
}

// The measurements among `annotations` that are on an image of the archive, in their order.
// `spacingOf` tells the calibration of an image, by its image id.
export function measurementsOf(annotations: readonly AnnotationLike[],
  spacingOf: (imageId: string) => SpacingSource | null = () => null): ViewerMeasurement[] {
  return annotations.flatMap((a) => {
    const tool = a.metadata?.toolName;
    const imageId = a.metadata?.referencedImageId;
    const image = imageRef(imageId);
    if (!tool || !imageId || !image) return [];
    const label = tool === 'ArrowAnnotate' && typeof a.data?.text === 'string' ? a.data.text : '';
    return [{ uid: a.annotationUID ?? '', tool, label, values: valuesOf(tool, statsOf(a, imageId)), image,
      spacing: spacingOf(imageId) }];
  });
}
