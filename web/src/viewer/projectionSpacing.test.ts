// The image plane given to Cornerstone for projection images: millimetres from the spacing
// calibration.ts chooses, and images the loader already places left to it.
import { describe, expect, it } from 'vitest';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import { projectionImagePlane } from './projectionSpacing';

const ds = (extra: Record<string, unknown[]>, modality = 'MG') => ({
  '00080060': { vr: 'CS', Value: [modality] },
  '00280010': { vr: 'US', Value: [100] },
  '00280011': { vr: 'US', Value: [80] },
  ...Object.fromEntries(Object.entries(extra).map(([tag, Value]) => [tag, { vr: 'DS', Value }])),
});
const add = (name: string, metadata: object) => {
  const imageId = `wadors:https://pacs.test/dicom-web/studies/1/series/2/instances/${name}/frames/1`;
  wadors.metaDataManager.add(imageId, metadata as never);
  return imageId;
};

describe('the image plane of projection images', () => {
  it('gives a mammogram its detector spacing corrected by the magnification factor', () => {
    const id = add('mg', ds({ '00181164': [0.085, 0.085], '00181114': [1.0433386837881] }));
    const plane = projectionImagePlane('imagePlaneModule', id) as Record<string, unknown>;
    expect(plane.rowPixelSpacing).toBeCloseTo(0.08147, 5);
    expect(plane.columnPixelSpacing).toBeCloseTo(0.08147, 5);
    expect(plane.usingDefaultValues).toBe(false);
    expect(plane.rows).toBe(100);
  });

  it('gives a radiograph with Pixel Spacing and no orientation that spacing', () => {
    const id = add('cr', ds({ '00280030': [0.2, 0.15], '00181164': [0.25, 0.25] }, 'CR'));
    expect(projectionImagePlane('imagePlaneModule', id)).toMatchObject({ rowPixelSpacing: 0.2, columnPixelSpacing: 0.15 });
  });

  it('leaves to the loader images it places, images without spacing, and other modules', () => {
    const ct = add('ct', ds({ '00280030': [0.7, 0.7], '00200037': [1, 0, 0, 0, 1, 0], '00200032': [0, 0, 0] }, 'CT'));
    expect(projectionImagePlane('imagePlaneModule', ct)).toBeUndefined();
    const sc = add('sc', ds({}, 'OT'));
    expect(projectionImagePlane('imagePlaneModule', sc)).toBeUndefined();
    // A breast tomosynthesis (enhanced, multi-frame): its frames are placed by its functional
    // groups; nor an enhanced MR, nor an angiogram (not a projection radiograph measured here).
    const tomo = { ...ds({ '00181164': [0.1, 0.1] }), '52009229': { vr: 'SQ', Value: [{}] } };
    expect(projectionImagePlane('imagePlaneModule', add('tomo', tomo))).toBeUndefined();
    const enhanced = { ...ds({ '00181164': [0.5, 0.5] }, 'MR'), '52009229': { vr: 'SQ', Value: [{}] } };
    expect(projectionImagePlane('imagePlaneModule', add('mr-enhanced', enhanced))).toBeUndefined();
    expect(projectionImagePlane('imagePlaneModule', add('xa', ds({ '00181164': [0.2, 0.2] }, 'XA')))).toBeUndefined();
    const mg = add('mg2', ds({ '00181164': [0.085, 0.085] }));
    expect(projectionImagePlane('imagePixelModule', mg)).toBeUndefined();
    expect(projectionImagePlane('imagePlaneModule', 'wadors:https://pacs.test/unknown/frames/1')).toBeUndefined();
  });
});
