import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { CT_PRESETS, presetFromRange, presetsFor, storedPresets, voiRange } from './presets';
import { assignSeries, dropSeries, viewportCount } from './layout';
import { calibrationNote, calibrationOf, formatLength, lengthMm } from './calibration';
import { loadOrder, sortInstances, stackImages, volumeEligible } from './series';
import { cornerTexts, scaleBar } from './overlays';
import { directionLetters, orientationMarkers } from './orientation';
import { stackRendering } from './rendering';
import type { DicomJson } from '../api';
import readingOrder from '../../../tests/fixtures/reading_order.json';

describe('window presets', () => {
  it('puts the stored windows first, then the CT presets', () => {
    const p = presetsFor('CT', [40, 300], [400, 1500]);
    expect(p.slice(0, 2)).toEqual([
      { name: 'Stored 1', center: 40, width: 400 },
      { name: 'Stored 2', center: 300, width: 1500 },
    ]);
    expect(p.slice(2).map((x) => x.name)).toEqual([
      'Brain', 'Subdural', 'Stroke', 'Bone', 'Lung', 'Mediastinum', 'Abdomen', 'Liver',
    ]);
  });
  it('offers only stored windows for other modalities, and skips broken ones', () => {
    expect(presetsFor('MR', [600], [1200])).toEqual([{ name: 'Stored', center: 600, width: 1200 }]);
    expect(presetsFor('MR')).toEqual([]);
    expect(storedPresets([10, 20], [0, 50])).toEqual([{ name: 'Stored 2', center: 20, width: 50 }]);
  });
  it('turns a window into the value range it shows and back, as PS3.3 C.11.2.1.2.1 defines it', () => {
    const lung = CT_PRESETS.find((p) => p.name === 'Lung')!;
    expect(voiRange(lung)).toEqual({ lower: -1350, upper: 149 });
    expect(presetFromRange(-1350, 149)).toEqual({ center: -600, width: 1500 });
    // A stored 400/40 is shown as 400/40, not 399 (the range Cornerstone draws it with).
    expect(presetFromRange(39.5 - 199.5, 39.5 + 199.5)).toEqual({ center: 40, width: 400 });
    for (const p of CT_PRESETS) expect(presetFromRange(voiRange(p).lower, voiRange(p).upper)).toEqual({ center: p.center, width: p.width });
  });
});

describe('layouts', () => {
  it('keeps what viewports show and fills new ones with unseen series', () => {
    expect(viewportCount('2x2')).toBe(4);
    expect(assignSeries(['b'], '2x2', ['a', 'b', 'c'])).toEqual(['b', 'a', 'c', null]);
    expect(assignSeries(['b', 'a', 'c', null], '1x2', ['a', 'b', 'c'])).toEqual(['b', 'a']);
    expect(assignSeries([], '1x1', [])).toEqual([null]);
  });
  it('puts a dropped series where it was dropped', () => {
    expect(dropSeries(['a', 'b'], 1, 'c')).toEqual(['a', 'c']);
    expect(dropSeries(['a'], 3, 'c')).toEqual(['a']);
  });
});

describe('calibration', () => {
  it('prefers Pixel Spacing, falls back to Imager Pixel Spacing, says when there is none', () => {
    expect(calibrationOf([0.5, 0.25], [0.1, 0.1])).toEqual({ rowSpacing: 0.5, columnSpacing: 0.25, source: 'PixelSpacing' });
    const imager = calibrationOf([], [0.1, 0.1])!;
    expect(imager.source).toBe('ImagerPixelSpacing');
    expect(calibrationNote(imager)).toMatch(/magnification/);
    expect(calibrationOf([0, 0], [])).toBeNull();
    expect(calibrationNote(null)).toMatch(/pixels/);
    expect(calibrationNote(calibrationOf([1, 1], []))).toBe('');
  });
  it('corrects the detector spacing by the magnification factor, when the image gives one', () => {
    const c = calibrationOf([], [0.085, 0.085], 1.0433386837881)!; // testdata MG_OutOfBoundsOverlay.dcm
    expect(c.source).toBe('ERMF');
    expect(c.rowSpacing).toBeCloseTo(0.08147, 5);
    expect(calibrationNote(c)).toMatch(/estimated at the patient/);
    expect(calibrationOf([0.1, 0.1], [0.085, 0.085], 1.04)!.source).toBe('PixelSpacing');
  });
  it('measures in millimetres with anisotropic pixels', () => {
    const c = calibrationOf([0.5, 0.25], [])!;
    expect(lengthMm(c, [0, 0], [40, 0])).toBeCloseTo(10); // 40 columns × 0.25 mm
    expect(lengthMm(c, [0, 0], [0, 20])).toBeCloseTo(10); // 20 rows × 0.5 mm
    expect(formatLength(12.345, 'mm')).toBe('12.3 mm');
    expect(formatLength(12.6, 'px')).toBe('13 px');
  });
});

function instance(sop: string, n: number, z?: number, frames?: number): DicomJson {
  const ds: DicomJson = {
    '00080018': { vr: 'UI', Value: [sop] },
    '00200013': { vr: 'IS', Value: [n] },
  };
  if (z !== undefined) {
    ds['00200032'] = { vr: 'DS', Value: [0, 0, z] };
    ds['00200037'] = { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] };
  }
  if (frames) ds['00280008'] = { vr: 'IS', Value: [frames] };
  return ds;
}

describe('stacks', () => {
  it('sorts axial slices head first by position, whatever their instance numbers', () => {
    const sorted = sortInstances([instance('a', 1, -10), instance('b', 2, 30), instance('c', 3, 10)]);
    expect(sorted.map((d) => d['00080018'].Value![0])).toEqual(['b', 'c', 'a']);
  });
  // The cases the archive's pixel data answer is tested against too (tests/unit/reading_order_test.cpp).
  it.each(readingOrder.cases)('agrees with the archive: $name', ({ instances, order }) => {
    const list = instances as DicomJson[];
    expect(sortInstances(list).map((ds) => list.indexOf(ds))).toEqual(order);
  });
  it('falls back to instance numbers without geometry', () => {
    const sorted = sortInstances([instance('x', 3), instance('y', 1), instance('z', 2)]);
    expect(sorted.map((d) => d['00080018'].Value![0])).toEqual(['y', 'z', 'x']);
  });
  it('makes one image per frame with WADO-RS frame URLs', () => {
    const images = stackImages('/dicom-web', '1.2', '1.2.3', [instance('9.9', 1, undefined, 3)]);
    expect(images.map((i) => i.imageId)).toEqual([1, 2, 3].map(
      (f) => `wadors:/dicom-web/studies/1.2/series/1.2.3/instances/9.9/frames/${f}`,
    ));
  });
  it('loads from the image on screen outwards', () => {
    expect(loadOrder(5, 2)).toEqual([2, 3, 1, 4, 0]);
    expect(loadOrder(3, 0)).toEqual([0, 1, 2]);
    expect(loadOrder(0, 0)).toEqual([]);
  });
});

describe('overlays', () => {
  const meta: DicomJson = {
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
    '00100020': { vr: 'LO', Value: ['P42'] },
    '00100030': { vr: 'DA', Value: ['19700203'] },
    '00100040': { vr: 'CS', Value: ['F'] },
    '00080050': { vr: 'SH', Value: ['ACC9'] },
    '00080080': { vr: 'LO', Value: ['General Hospital'] },
    '00080020': { vr: 'DA', Value: ['20260102'] },
    '00080030': { vr: 'TM', Value: ['101500'] },
    '00081030': { vr: 'LO', Value: ['CT CHEST'] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00200011': { vr: 'IS', Value: [3] },
    '0008103E': { vr: 'LO', Value: ['AXIAL'] },
    '00180050': { vr: 'DS', Value: [1.25] },
    '00201041': { vr: 'DS', Value: [-120.5] },
  };
  it('writes the patient, study and series in the corners', () => {
    const c = cornerTexts(meta, 'full');
    expect(c.tl).toEqual(['DOE, JANE', 'P42', '1970-02-03 F', 'Acc: ACC9', 'General Hospital']);
    expect(c.tr).toEqual(['2026-01-02 10:15', 'CT CHEST', 'CT #3 AXIAL']);
    expect(c.bl).toEqual(['Loc: -120.5 mm  Thk: 1.25 mm']);
  });
  it('leaves out everything that identifies the patient when de-identified, and all when off', () => {
    const c = cornerTexts(meta, 'deidentified');
    const all = [...c.tl, ...c.tr, ...c.bl].join('\n');
    for (const phi of ['DOE', 'P42', '1970', '2026', 'ACC9', 'General Hospital']) expect(all).not.toContain(phi);
    expect(all).toContain('CT #3 AXIAL');
    expect(cornerTexts(meta, 'off')).toEqual({ tl: [], tr: [], bl: [] });
  });
  it('puts patient directions at the edges from the screen axes, through flips and rotations', () => {
    // An axial slice seen from the feet: up is anterior, the patient's left on the right.
    const axial = orientationMarkers([0, -1, 0], [0.5, 0, 0]);
    expect(axial).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    // Flipped left-right.
    expect(orientationMarkers([0, -1, 0], [-1, 0, 0])).toMatchObject({ left: 'L', right: 'R' });
    // Rotated a quarter turn clockwise: the patient's right at the top.
    expect(orientationMarkers([-2, 0, 0], [0, -2, 0])).toEqual({ top: 'R', bottom: 'L', left: 'P', right: 'A' });
    // A coronal slice: head up, patient's left on the right of the screen.
    expect(orientationMarkers([0, 0, 1], [1, 0, 0])).toEqual({ top: 'H', bottom: 'F', left: 'R', right: 'L' });
    expect(directionLetters([0.8, -0.5, 0.1])).toBe('LA');
  });
  it('chooses a round scale bar that fits', () => {
    expect(scaleBar(0.5, 100)).toEqual({ pixels: 100, label: '5 cm' });
    expect(scaleBar(0.3, 100)).toEqual({ pixels: 20 / 0.3, label: '2 cm' });
    expect(scaleBar(0.01, 150)).toEqual({ pixels: 100, label: '1 mm' });
    expect(scaleBar(0, 100)).toBeNull();
  });
});

describe('MPR eligibility', () => {
  const slice = (z: number, extra: DicomJson = {}): DicomJson => ({
    '00080018': { vr: 'UI', Value: [`1.2.${z}`] },
    '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
    '00200032': { vr: 'DS', Value: [0, 0, z] },
    ...extra,
  });
  const stack = (list: DicomJson[]) => stackImages('/r', 's', 'x', list);
  it('takes axial slices at distinct positions', () => {
    expect(volumeEligible(stack([slice(0), slice(1), slice(2)]))).toBe(true);
  });
  it('refuses too few slices, multi-frame objects, mixed orientations, repeated positions, no geometry', () => {
    expect(volumeEligible(stack([slice(0), slice(1)]))).toBe(false);
    expect(volumeEligible(stack([slice(0, { '00280008': { vr: 'IS', Value: [10] } })]))).toBe(false);
    expect(volumeEligible(stack([slice(0), slice(1), slice(2, { '00200037': { vr: 'DS', Value: [0, 1, 0, 0, 0, -1] } })]))).toBe(false);
    expect(volumeEligible(stack([slice(0), slice(1), slice(1)]))).toBe(false);
    expect(volumeEligible(stack([{}, {}, {}]))).toBe(false);
  });
});

describe('SR export input', () => {
  it('groups measurements per image and tool, and reads the frame from the image id', async () => {
    const { toolStateOf, frameOf } = await import('./srExport');
    const a = (tool: string, id?: string) => ({ metadata: { toolName: tool, referencedImageId: id } });
    const state = toolStateOf([a('Length', 'wadors:/x/frames/1'), a('Length', 'wadors:/x/frames/1'), a('Probe', 'wadors:/y/frames/3'), a('Length')]);
    expect(Object.keys(state)).toEqual(['wadors:/x/frames/1', 'wadors:/y/frames/3']);
    expect(state['wadors:/x/frames/1'].Length.data).toHaveLength(2);
    expect(frameOf('wadors:/y/frames/3')).toBe(3);
  });
});

describe('stack rendering', () => {
  it('draws on the CPU where WebGL is software, with WebGL on a GPU, as the reader asked', () => {
    expect(stackRendering(null, true)).toBe('cpu');
    expect(stackRendering(null, false)).toBe('webgl');
    expect(stackRendering('webgl', true)).toBe('webgl');
    expect(stackRendering('cpu', false)).toBe('cpu');
    expect(stackRendering('vulkan', true)).toBe('cpu');
  });
});
