/// <reference types="node" />
// The orientation cases (tests/fixtures/orientation.json) on the real files they name, as the
// viewer reads them: the letters at each edge, through rotations and flips; the mammography
// label; the hanging. The end-to-end test checks the same cases in Chromium.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { data as dcmjsData } from 'dcmjs';
import type { DicomJson } from '../api';
import cases from '../../../tests/fixtures/orientation.json';
import {
  type DisplayChange, UPRIGHT, afterChange, directionLetters, imageMarkers, mammoLabel, orientationMarkers,
  patientDirection, patientFrame,
} from './orientation';
import { mammoHanging } from './hanging';
import { type Presentation, nextPresentation } from './displayCommands';
import type { StackImage } from './series';

const here = dirname(fileURLToPath(import.meta.url));
const TESTDATA = process.env.VIREO_TESTDATA ?? join(here, '../../../../shared/testdata');

function read(file: string, edit: Record<string, unknown> = {}): DicomJson {
  const bytes = readFileSync(join(TESTDATA, file));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { dict } = dcmjsData.DicomMessage.readFile(buffer, { untilTag: '7FE00010' });
  return { ...dict, ...(edit as DicomJson) };
}

function shownAfter(changes: string[]) {
  return changes.reduce((s, c) => afterChange(s, c as DisplayChange), UPRIGHT);
}

describe('orientation letters on the shared cases', () => {
  for (const c of cases.cases) {
    const meta = read(c.file, c.edit);
    for (const state of c.states) {
      it(`${c.name}: ${state.do.join(', ') || 'as opened'}`, () => {
        expect(imageMarkers(patientFrame(meta), shownAfter(state.do))).toEqual(state.markers);
      });
    }
    it(`${c.name}: mammography label`, () => {
      expect(mammoLabel(meta)).toBe(c.label ?? '');
    });
  }
});

describe('mammograms hang back to back', () => {
  for (const h of cases.hanging) {
    it(h.name, () => {
      const images: StackImage[] = h.images.map((im, i) => {
        const meta = read(im.file, im.edit);
        meta['00080018'] = { vr: 'UI', Value: [`2.25.${i + 1}`] }; // each its own instance, as stored
        return { imageId: `image-${i}`, metadata: meta, frame: 1 };
      });
      const hanging = mammoHanging(images)!;
      expect(hanging.layout).toBe(h.layout);
      expect(hanging.viewports.map((v) => v.images[0].imageId)).toEqual(h.viewports.map((v) => `image-${v.image}`));
      hanging.viewports.forEach((v, i) => {
        const expected = h.viewports[i];
        expect(v.flipH).toBe(expected.flipped);
        expect(mammoLabel(v.images[0].metadata)).toBe(expected.label);
        expect(imageMarkers(patientFrame(v.images[0].metadata), shownAfter(v.flipH ? ['flipH'] : []))).toEqual(expected.markers);
      });
    });
  }
  it('hangs nothing without both sides of one view', () => {
    const one = read('dicom/modality/MG_OutOfBoundsOverlay.dcm');
    expect(mammoHanging([{ imageId: 'a', metadata: one, frame: 1 }])).toBeNull();
    const ct = read('dicom/modality/CT_small.dcm');
    expect(mammoHanging([{ imageId: 'b', metadata: ct, frame: 1 }])).toBeNull();
  });
  it('puts CC above MLO in a 2x2', () => {
    const view = (side: string, code: string, meaning: string, sop: string): StackImage => ({
      imageId: sop,
      frame: 1,
      metadata: {
        '00080060': { vr: 'CS', Value: ['MG'] },
        '00080018': { vr: 'UI', Value: [sop] },
        '00200062': { vr: 'CS', Value: [side] },
        '00200020': { vr: 'CS', Value: side === 'R' ? ['P', 'L'] : ['A', 'R'] },
        '00540220': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: [code] }, '00080104': { vr: 'LO', Value: [meaning] } }] },
      },
    });
    const hanging = mammoHanging([
      view('L', '399368009', 'medio-lateral oblique', 'lmlo'), view('R', '399368009', 'medio-lateral oblique', 'rmlo'),
      view('L', '399162004', 'cranio-caudal', 'lcc'), view('R', '399162004', 'cranio-caudal', 'rcc'),
    ])!;
    expect(hanging.layout).toBe('2x2');
    expect(hanging.viewports.map((v) => v.images[0].imageId)).toEqual(['rcc', 'lcc', 'rmlo', 'lmlo']);
    expect(hanging.viewports.map((v) => v.flipH)).toEqual([false, false, false, false]);

    // A spot compression and a for-processing copy of the right CC do not take its place.
    const spot = view('R', '399162004', 'cranio-caudal', 'rcc-spot');
    spot.metadata['00540222'] = { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['399055006'] } }] };
    const raw = view('R', '399162004', 'cranio-caudal', 'rcc-raw');
    raw.metadata['00080068'] = { vr: 'CS', Value: ['FOR PROCESSING'] };
    const withExtras = mammoHanging([spot, raw, view('R', '399162004', 'cranio-caudal', 'rcc'), view('L', '399162004', 'cranio-caudal', 'lcc')])!;
    expect(withExtras.viewports.map((v) => v.images[0].imageId)).toEqual(['rcc', 'lcc']);
  });
});

describe('reading orientation values', () => {
  it('reads Patient Orientation letters and refuses what it cannot read', () => {
    expect(patientDirection('L')).toEqual([1, 0, 0]);
    expect(directionLetters(patientDirection('LP')!)).toBe('LP');
    for (const bad of ['', 'LL', 'LR', 'X', 'CD', 'LEFT']) expect(patientDirection(bad)).toBeNull();
  });
  it('gives no letters for a projection image with an unreadable or degenerate Patient Orientation', () => {
    const dx = (po: string[]): DicomJson => ({ '00080060': { vr: 'CS', Value: ['DX'] }, '00200020': { vr: 'CS', Value: po } });
    expect(patientFrame(dx(['L', 'F']))).not.toBeNull();
    expect(patientFrame(dx(['L', 'L']))).toBeNull();
    expect(patientFrame(dx(['L']))).toBeNull();
    expect(patientFrame(dx(['V', 'D']))).toBeNull(); // quadruped terms: not guessed
    const quadruped = { ...dx(['PR', 'PL']), '00102210': { vr: 'CS', Value: ['QUADRUPED'] } };
    expect(patientFrame(quadruped)).toBeNull(); // PR\PL would otherwise read as posterior-right
    expect(patientFrame({ ...dx(['L', 'F']), '00102210': { vr: 'CS', Value: ['QUADRUPED'] } })).toBeNull();
  });
  it('prefers Patient Orientation on a projection image and Image Orientation on a cross-section', () => {
    const both = (modality: string): DicomJson => ({
      '00080060': { vr: 'CS', Value: [modality] },
      '00200020': { vr: 'CS', Value: ['R', 'F'] },
      '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
    });
    expect(patientFrame(both('CR'))?.source).toBe('PatientOrientation');
    expect(patientFrame(both('CT'))?.source).toBe('ImageOrientationPatient');
  });
  it('reads Image Orientation (Patient) from the functional groups of an enhanced object', () => {
    const plane = { '00209116': { vr: 'SQ', Value: [{ '00200037': { vr: 'DS', Value: [0, 1, 0, 0, 0, -1] } }] } };
    const shared: DicomJson = { '00080060': { vr: 'CS', Value: ['MR'] }, '52009229': { vr: 'SQ', Value: [plane] } };
    expect(imageMarkers(patientFrame(shared), UPRIGHT)).toEqual({ top: 'H', bottom: 'F', left: 'A', right: 'P' });
    const perFrame: DicomJson = { '00080060': { vr: 'CS', Value: ['MR'] }, '52009230': { vr: 'SQ', Value: [{}, plane] } };
    expect(patientFrame(perFrame, 1)).toBeNull();
    expect(patientFrame(perFrame, 2)?.source).toBe('ImageOrientationPatient');
  });
  it('refuses a damaged Image Orientation (Patient)', () => {
    const ct = (v: number[]): DicomJson => ({ '00080060': { vr: 'CS', Value: ['CT'] }, '00200037': { vr: 'DS', Value: v } });
    expect(patientFrame(ct([1, 0, 0, 1, 0, 0]))).toBeNull();
    expect(patientFrame(ct([0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(patientFrame(ct([1, 0, 0]))).toBeNull();
  });
  it('puts patient directions at the edges from the screen axes, through flips and rotations', () => {
    expect(orientationMarkers([0, -1, 0], [0.5, 0, 0])).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    expect(orientationMarkers([0, 0, 1], [1, 0, 0])).toEqual({ top: 'H', bottom: 'F', left: 'R', right: 'L' });
    expect(directionLetters([0.8, -0.5, 0.1])).toBe('LA');
  });
});

describe('the toolbar presentation', () => {
  // A presentation drawn as the screen shows it: the quarter turns, then the mirror.
  const drawn = (p: Presentation) => {
    let s = UPRIGHT;
    for (let i = 0; i < p.rotation / 90; i++) s = afterChange(s, 'rotate');
    return p.mirrored ? afterChange(s, 'flipH') : s;
  };
  it('comes to the picture the changes make, for every sequence of up to four', () => {
    const changes: DisplayChange[] = ['rotate', 'flipH', 'flipV'];
    let sequences: DisplayChange[][] = [[]];
    for (let n = 0; n < 4; n++) sequences = [...sequences, ...sequences.filter((q) => q.length === n).flatMap((q) => changes.map((c) => [...q, c]))];
    for (const q of sequences) {
      const p = q.reduce(nextPresentation, { rotation: 0, mirrored: false });
      expect(drawn(p), q.join(',')).toEqual(q.reduce(afterChange, UPRIGHT));
    }
  });
});
