import { describe, expect, it } from 'vitest';
import { imageRef, measurementsOf } from './selection';

const IMAGE = 'wadors:/dicom-web/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/frames/1';
const FRAME_7 = 'wadors:/dicom-web/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.6/frames/7';
const on = (imageId: string, toolName: string, data: object, uid = toolName) =>
  ({ annotationUID: uid, metadata: { toolName, referencedImageId: imageId }, data });

describe('the image a measurement or a viewport is on', () => {
  it('reads study, series, instance and frame from the viewer\'s image ids', () => {
    expect(imageRef(IMAGE)).toEqual({ study: '1.2.3', series: '1.2.3.4', sop: '1.2.3.4.5', frame: 1 });
    expect(imageRef(FRAME_7)?.frame).toBe(7);
  });

  it('is none for another loader\'s ids, volumes, or nothing', () => {
    for (const id of [undefined, '', 'volumeId:mpr-1', 'wadouri:http://x/y.dcm', 'wadors:/dicom-web/studies/1/series/2']) {
      expect(imageRef(id)).toBeNull();
    }
  });
});

describe('the viewer\'s measurements', () => {
  it('gives lengths, angles, regions and probes with their values and units, and arrows with their text', () => {
    const list = measurementsOf([
      on(IMAGE, 'Length', { cachedStats: { [`imageId:${IMAGE}`]: { length: 42.5, unit: 'mm' } } }),
      on(IMAGE, 'Angle', { cachedStats: { [`imageId:${IMAGE}`]: { angle: 30 } } }),
      on(FRAME_7, 'EllipticalROI', { cachedStats: { [`imageId:${FRAME_7}`]: {
        area: 120.3, areaUnit: 'mm²', mean: 301.2, stdDev: 11.8, min: 250, max: 350, modalityUnit: 'HU', statsArray: [] } } }),
      on(IMAGE, 'Probe', { cachedStats: { [`imageId:${IMAGE}`]: { value: -998, modalityUnit: 'HU', index: [1, 2, 0] } } }),
      on(IMAGE, 'ArrowAnnotate', { text: 'nodule' }),
    ]);
    expect(list.map((m) => [m.tool, m.label, m.values.map((v) => `${v.name} ${v.value} ${v.unit}`)])).toEqual([
      ['Length', '', ['length 42.5 mm']],
      ['Angle', '', ['angle 30 °']],
      ['EllipticalROI', '', ['area 120.3 mm²', 'mean 301.2 HU', 'stdDev 11.8 HU', 'min 250 HU', 'max 350 HU']],
      ['Probe', '', ['value -998 HU']],
      ['ArrowAnnotate', 'nodule', []],
    ]);
    expect(list[2]).toMatchObject({ uid: 'EllipticalROI', image: { sop: '1.2.3.4.6', frame: 7 } });
  });

  it('leaves out what is not yet computed, and annotations on no image of the archive', () => {
    const list = measurementsOf([
      on(IMAGE, 'Length', { cachedStats: { [`imageId:${IMAGE}`]: { length: null, unit: null } } }),
      on(IMAGE, 'Angle', { cachedStats: { [`imageId:${IMAGE}`]: { angle: 'Incomplete Angle' } } }),
      on(IMAGE, 'RectangleROI', {}),
      { annotationUID: 'x', metadata: { toolName: 'Crosshairs' }, data: {} }, // MPR's: on a volume
      on('volumeId:mpr-1', 'Length', { cachedStats: { 'volumeId:mpr-1': { length: 3, unit: 'mm' } } }),
    ]);
    expect(list.map((m) => [m.tool, m.values.length])).toEqual([['Length', 0], ['Angle', 0], ['RectangleROI', 0]]);
  });

  it('takes the statistics of its own image, else the first it has', () => {
    const [m] = measurementsOf([on(IMAGE, 'Length', { cachedStats: { 'imageId:other': { length: 1, unit: 'mm' } } })]);
    expect(m.values).toEqual([{ name: 'length', value: 1, unit: 'mm' }]);
  });

  it('says where the millimetres of each image are', () => {
    const list = measurementsOf([on(IMAGE, 'Length', {}), on(FRAME_7, 'Length', {})],
      (imageId) => (imageId === IMAGE ? 'ERMF' : null));
    expect(list.map((m) => m.spacing)).toEqual(['ERMF', null]);
  });
});
