import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { dicomLabToRgb, frameMask, segFrames, segGrid, segmentsOf } from './segments';

// DICOM scaled Lab of a colour given in L*, a*, b*.
const scaled = (L: number, a: number, b: number) => [Math.round((L * 65535) / 100), Math.round(((a + 128) * 65535) / 255),
  Math.round(((b + 128) * 65535) / 255)];

describe('segments of a DICOM SEG', () => {
  it('converts recommended display colours from scaled CIELab to sRGB', () => {
    expect(dicomLabToRgb(scaled(100, 0, 0))).toEqual([255, 255, 255]);
    expect(dicomLabToRgb(scaled(0, 0, 0))).toEqual([0, 0, 0]);
    const red = dicomLabToRgb(scaled(53.24, 80.09, 67.2)); // sRGB red
    expect(red[0]).toBeGreaterThan(250);
    expect(red[1]).toBeLessThan(10);
    expect(red[2]).toBeLessThan(10);
  });

  it('reads each segment number, label and colour, naming unlabelled ones', () => {
    const meta = {
      '00620002': { vr: 'SQ', Value: [
        { '00620004': { vr: 'US', Value: [1] }, '00620005': { vr: 'LO', Value: ['Liver'] }, '0062000D': { vr: 'US', Value: scaled(100, 0, 0) } },
        { '00620004': { vr: 'US', Value: [2] } },
        { '00620005': { vr: 'LO', Value: ['no number'] } },
      ] },
    };
    expect(segmentsOf(meta as never)).toEqual([
      { index: 1, label: 'Liver', color: [255, 255, 255] },
      { index: 2, label: 'Segment 2', color: null },
    ]);
  });
});

describe('frames of a DICOM SEG on a stack', () => {
  const sq = (...items: object[]) => ({ vr: 'SQ', Value: items });
  const us = (...v: number[]) => ({ vr: 'US', Value: v });
  const source = (sop: string, frame?: number) => ({ '00089124': sq({ '00082112': sq({ '00081155': { vr: 'UI', Value: [sop] },
    ...(frame ? { '00081160': { vr: 'IS', Value: [frame] } } : {}) }) }) });
  const segment = (n: number) => ({ '0062000A': sq({ '0062000B': us(n) }) });
  const position = (z: number) => ({ '00209113': sq({ '00200032': { vr: 'DS', Value: [0, 0, z] } }) });
  const slot = (sop: string, z: number, frame = 1, frameOfReference = '9.9') =>
    ({ sop, frame, position: [0, 0, z], orientation: [1, 0, 0, 0, 1, 0], frameOfReference });
  const stack = [slot('1.1', 0), slot('1.2', 5), slot('1.3', 10)];
  const seg = (frames: object[], extra: object = {}) => ({ '00280010': us(2), '00280011': us(2), '00280008': { vr: 'IS', Value: [frames.length] },
    '00280100': us(1), '00200052': { vr: 'UI', Value: ['9.9'] }, '52009230': sq(...frames), ...extra });

  it('places a frame on the source image it names, else on the one image at its position', () => {
    const meta = seg([{ ...segment(1), ...source('1.3') }, { ...segment(2), ...position(5) }, { ...segment(1), ...position(99) }]);
    const { frames, unplaced } = segFrames(meta as never, stack);
    expect(unplaced).toBe(1);
    expect(frames).toEqual([{ imageIndex: 2, segment: 1, frame: 0 }, { imageIndex: 1, segment: 2, frame: 1 }]);
  });

  it('never guesses: a source outside the stack, two images at one position, another frame of reference', () => {
    // Named source not in this stack, although an image sits at its position.
    expect(segFrames(seg([{ ...segment(1), ...source('7.7'), ...position(5) }]) as never, stack).unplaced).toBe(1);
    // Two images at the position (two phases): which one is unknown.
    expect(segFrames(seg([{ ...segment(1), ...position(5) }]) as never, [...stack, slot('1.4', 5)]).unplaced).toBe(1);
    // The same position in another patient frame of reference.
    expect(segFrames(seg([{ ...segment(1), ...position(5) }]) as never, [slot('1.1', 5, 1, '8.8')]).unplaced).toBe(1);
  });

  it('puts a frame naming a multi-frame image on the frame it names, or the frame at its position', () => {
    const multi = [slot('2.1', 0, 1), slot('2.1', 5, 2), slot('2.1', 10, 3)];
    const { frames } = segFrames(seg([{ ...segment(1), ...source('2.1', 3) }, { ...segment(1), ...source('2.1'), ...position(5) },
      { ...segment(1), ...source('2.1') }]) as never, multi);
    expect(frames.map((f) => f.imageIndex)).toEqual([2, 1]);
  });

  it('unpacks 1-bit frames least significant bit first, with no padding between frames', () => {
    // Three 2×2 frames in 12 bits: 1,0,0,1 | 1,1,0,0 | 1,1,1,1.
    const pixels = new Uint8Array([0b00111001, 0b00001111]);
    const grid = segGrid(seg([{}, {}, {}]) as never, pixels);
    expect([0, 1, 2].map((f) => [...frameMask(grid, pixels, f)])).toEqual([[1, 0, 0, 1], [1, 1, 0, 0], [1, 1, 1, 1]]);
  });

  it('draws a fractional segmentation where it reaches half its maximum, and refuses what it cannot read', () => {
    const meta = { '00280010': us(1), '00280011': us(3), '00280008': { vr: 'IS', Value: [1] }, '00280100': us(8),
      '00620001': { vr: 'CS', Value: ['FRACTIONAL'] }, '0062000E': us(200) };
    const pixels = new Uint8Array([0, 100, 101]);
    expect([...frameMask(segGrid(meta as never, pixels), pixels, 0)]).toEqual([0, 0, 1]);
    expect(() => segGrid(meta as never, new Uint8Array([1]))).toThrow(/compressed/);
    expect(() => segGrid({ ...meta, '00280100': us(16) } as never, new Uint8Array(6))).toThrow(/16 bits/);
  });
});
