/// <reference types="node" />
// Palette tables as the loader reads them, from the archive's InlineBinary: plain and
// segmented (the two ultrasound files of the corpus), and the segment kinds of PS3.3 C.7.9.2.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { data as dcmjsData } from 'dcmjs';
import type { DicomJson } from '../api';
import { expandSegmented, withPaletteValues } from './palette';

const here = dirname(fileURLToPath(import.meta.url));
const TESTDATA = process.env.VIREO_TESTDATA ?? join(here, '../../../../shared/testdata');

// The file's attributes as the archive's metadata has them: binary values as InlineBinary.
function asArchiveSends(file: string): DicomJson {
  const bytes = readFileSync(join(TESTDATA, file));
  const { dict } = dcmjsData.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    { untilTag: '7FE00010' });
  const out: DicomJson = {};
  for (const [tag, el] of Object.entries(dict)) {
    const first = el.Value?.[0];
    out[tag] = first instanceof ArrayBuffer ? { vr: 'OW', InlineBinary: Buffer.from(first).toString('base64') } : el;
  }
  return out;
}

describe('palette colour tables', () => {
  it('reads a plain 256-entry table of 16-bit words', () => {
    const meta = withPaletteValues(asArchiveSends('dicom/modality/US_PAL_8_10x_echo.dcm'));
    for (const tag of ['00281201', '00281202', '00281203']) expect(meta[tag].Value).toHaveLength(256);
    expect(meta['00281201'].Value!.slice(0, 3)).toEqual([0, 0x200, 0x400]);
  });
  it('expands a segmented table to its 65536 entries', () => {
    const meta = withPaletteValues(asArchiveSends('dicom/modality/US_ALOKA_palette16.dcm'));
    for (const tag of ['00281201', '00281202', '00281203']) {
      const lut = meta[tag].Value as number[];
      expect(lut).toHaveLength(65536);
      expect(lut.every((v) => Number.isInteger(v) && v >= 0 && v <= 65535)).toBe(true);
    }
  });
  it('leaves an image without a palette alone', () => {
    const meta = asArchiveSends('dicom/modality/CT_small.dcm');
    expect(withPaletteValues(meta)).toBe(meta);
  });
  it('expands discrete, linear and indirect segments', () => {
    // 10 20 30; then to 70 in four steps; then the first segment again.
    expect(expandSegmented([0, 3, 10, 20, 30, 1, 4, 70, 2, 1, 0, 0])).toEqual([10, 20, 30, 40, 50, 60, 70, 10, 20, 30]);
  });
  it('refuses malformed segments', () => {
    expect(expandSegmented([0, 5, 1, 2])).toBeNull(); // shorter than it says
    expect(expandSegmented([1, 4, 70])).toBeNull(); // linear with nothing before it
    expect(expandSegmented([7, 1, 0])).toBeNull(); // no such opcode
    expect(expandSegmented([0, 1, 5, 2, 1, 4, 0])).toBeNull(); // indirect pointing at itself
    expect(expandSegmented([0, 1, 5, 1, 65535, 9, 1, 10, 9])).toBeNull(); // past the 65536 entries a table can have
    expect(expandSegmented([0, 1, 5, 1, 65535, 9, 2, 65535, 0, 0])).toBeNull(); // replayed past them
  });
});
