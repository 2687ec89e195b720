import { describe, expect, it } from 'vitest';
import { dicomLabToRgb, segFrames, segmentsOf } from './segments';

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
  const source = (sop: string) => ({ '00089124': sq({ '00082112': sq({ '00081155': { vr: 'UI', Value: [sop] } }) }) });
  const segment = (n: number) => ({ '0062000A': sq({ '0062000B': us(n) }) });
  const position = (z: number) => ({ '00209113': sq({ '00200032': { vr: 'DS', Value: [0, 0, z] } }) });
  const stack = [
    { sop: '1.1', frame: 1, position: [0, 0, 0] },
    { sop: '1.2', frame: 1, position: [0, 0, 5] },
    { sop: '1.3', frame: 1, position: [0, 0, 10] },
  ];

  it('unpacks 1-bit frames, least significant bit first, and places them by source image or position', () => {
    // Three 2×2 frames packed without padding between them: 12 bits.
    const meta = {
      '00280010': us(2), '00280011': us(2), '00280008': { vr: 'IS', Value: [3] }, '00280100': us(1),
      '52009230': sq({ ...segment(1), ...source('1.3') }, { ...segment(2), ...position(5) }, { ...segment(1), ...position(99) }),
    };
    // frame 0: 1,0,0,1  frame 1: 1,1,0,0  frame 2: 1,1,1,1
    const pixels = new Uint8Array([0b00111001, 0b00001111]);
    const { frames, unplaced } = segFrames(meta as never, pixels, stack);
    expect(unplaced).toBe(1);
    expect(frames.map((f) => [f.imageIndex, f.segment, [...f.mask]])).toEqual([
      [2, 1, [1, 0, 0, 1]],
      [1, 2, [1, 1, 0, 0]],
    ]);
  });

  it('draws a fractional segmentation where it reaches half its maximum, and refuses what it cannot read', () => {
    const meta = {
      '00280010': us(1), '00280011': us(3), '00280008': { vr: 'IS', Value: [1] }, '00280100': us(8),
      '00620001': { vr: 'CS', Value: ['FRACTIONAL'] }, '0062000E': us(200),
      '52009229': sq(segment(4)), '52009230': sq(source('1.1')),
    };
    const { frames } = segFrames(meta as never, new Uint8Array([0, 100, 101]), stack);
    expect(frames).toEqual([{ imageIndex: 0, segment: 4, mask: new Uint8Array([0, 0, 1]) }]);
    expect(() => segFrames(meta as never, new Uint8Array([1]), stack)).toThrow(/compressed/);
    expect(() => segFrames({ ...meta, '00280100': us(16) } as never, new Uint8Array(6), stack)).toThrow(/16 bits/);
  });
});
