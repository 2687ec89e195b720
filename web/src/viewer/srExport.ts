// Measurements exported into the study as a DICOM Structured Report, Imaging Measurement
// Report (TID 1500), through Cornerstone3D's SR adapters and STOW-RS: any PACS or viewer that
// reads TID 1500 (OHIF, dcm4chee, most AI platforms) gets the lengths, angles and regions
// with the images they were made on. Loaded only when a reader exports (dcmjs is large).
import type { DicomJson } from '../api';
import { storeInstances } from '../api';
import i18n from '../i18n';

type Annotation = { metadata: { toolName: string; referencedImageId?: string } } & Record<string, unknown>;

// The measurements as the adapter wants them: per image, per tool, a list.
export function toolStateOf(annotations: Annotation[]): Record<string, Record<string, { data: Annotation[] }>> {
  const state: Record<string, Record<string, { data: Annotation[] }>> = {};
  for (const a of annotations) {
    const imageId = a.metadata.referencedImageId;
    if (!imageId) continue;
    ((state[imageId] ??= {})[a.metadata.toolName] ??= { data: [] }).data.push(a);
  }
  return state;
}

export function frameOf(imageId: string): number {
  return Number(/\/frames\/(\d+)$/.exec(imageId)?.[1] ?? 1);
}

export const SR_SERIES_NUMBER = 9901;

export async function exportMeasurementsAsSr(
  study: string,
  annotations: Annotation[],
  instanceOf: (imageId: string) => DicomJson | undefined,
  observer: string, // the reader who made them (TID 1002 Person Observer Name)
): Promise<{ sopInstanceUid: string; measurements: number }> {
  const [{ adaptersSR }, dcmjs, { metaData }] = await Promise.all([
    import('@cornerstonejs/adapters'), import('dcmjs'), import('@cornerstonejs/core'),
  ]);
  const { MeasurementReport } = adaptersSR.Cornerstone3D;
  // The adapter asks for each image's whole instance (study and series attributes for the
  // report) besides the modules Cornerstone's loader already knows.
  const provider = {
    get(type: string, imageId: string) {
      if (type === 'instance') {
        const ds = instanceOf(imageId);
        return ds ? dcmjs.data.DicomMetaDictionary.naturalizeDataset(structuredClone(ds)) : undefined;
      }
      if (type === 'frameNumber') return frameOf(imageId);
      return metaData.get(type, imageId);
    },
  };
  const state = toolStateOf(annotations);
  const measurements = Object.values(state).reduce((n, tools) => n + Object.values(tools).reduce((m, t) => m + t.data.length, 0), 0);
  if (measurements === 0) throw new Error(i18n.t('viewer.sr.noMeasurements'));
  const report = MeasurementReport.generateReport(state, provider, {
    SeriesDescription: 'Measurements (Vireo viewer)',
    SeriesNumber: SR_SERIES_NUMBER,
    InstanceNumber: 1,
    PersonName: observer,
  });
  const dataset = report.dataset as Record<string, unknown>;
  dataset.SpecificCharacterSet = 'ISO_IR 192';
  dataset.Manufacturer = 'Vireo';
  const [sop] = await storeInstances(study, [dcmjs.data.datasetToDict(dataset).write()]);
  return { sopInstanceUid: sop ?? String(dataset.SOPInstanceUID), measurements };
}
