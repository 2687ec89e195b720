// PALETTE COLOR images (ultrasound, nuclear medicine, some secondary captures): the archive's
// metadata carries the lookup tables as InlineBinary (they are OW), and segmented tables as
// segments; Cornerstone's WADO-RS loader reads only a table's Value. Without this, such an
// image is refused with "does not have a complete color palette".
import type { DicomJson } from '../api';
import { numbers } from '../dicom';

const COLORS = [
  { descriptor: '00281101', data: '00281201', segmented: '00281221' },
  { descriptor: '00281102', data: '00281202', segmented: '00281222' },
  { descriptor: '00281103', data: '00281203', segmented: '00281223' },
];

function bytesOf(element: DicomJson[string] | undefined): Uint8Array | null {
  const b64 = element?.InlineBinary;
  if (typeof b64 !== 'string') return null;
  try {
    const raw = atob(b64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

// The words of an OW value: 16-bit little endian, or bytes when the table is one byte an entry
// (PS3.3 C.7.6.3.1.6: entries of 8 bits may be stored one a byte).
function words(bytes: Uint8Array, eightBit: boolean): number[] {
  if (eightBit) return Array.from(bytes);
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes[i] | (bytes[i + 1] << 8));
  return out;
}

// PS3.3 C.7.9.2: discrete (0), linear (1) and indirect (2) segments. Null when malformed.
export function expandSegmented(data: number[], limit = 65536): number[] | null {
  const out: number[] = [];
  const run = (start: number, end: number, depth: number): boolean => {
    let i = start;
    while (i < end) {
      const [opcode, length] = [data[i], data[i + 1]];
      if (length === undefined) return false;
      if (opcode === 0) {
        if (i + 2 + length > data.length) return false;
        out.push(...data.slice(i + 2, i + 2 + length));
        i += 2 + length;
      } else if (opcode === 1) {
        const from = out[out.length - 1];
        const to = data[i + 2];
        if (from === undefined || to === undefined) return false;
        for (let k = 1; k <= length; k++) out.push(Math.round(from + ((to - from) * k) / length));
        i += 3;
      } else if (opcode === 2) {
        // Replays `length` segments from a word offset (32 bits, low word first).
        const offset = (data[i + 2] ?? NaN) + (data[i + 3] ?? NaN) * 65536;
        if (depth > 0 || !Number.isFinite(offset) || offset >= i) return false;
        let j = offset;
        for (let s = 0; s < length; s++) {
          const segmentEnd = segmentLength(data, j);
          if (segmentEnd === null || !run(j, j + segmentEnd, depth + 1)) return false;
          j += segmentEnd;
        }
        i += 4;
      } else {
        return false;
      }
      if (out.length > limit) return false;
    }
    return true;
  };
  return run(0, data.length, 0) ? out : null;
}

function segmentLength(data: number[], at: number): number | null {
  const [opcode, length] = [data[at], data[at + 1]];
  if (opcode === 0 && length !== undefined) return 2 + length;
  if (opcode === 1) return 3;
  if (opcode === 2) return 4;
  return null;
}

// The instance's metadata with each palette table as a Value of numbers, as the loader reads
// it; unchanged when it has no palette in InlineBinary or a table cannot be read.
export function withPaletteValues(meta: DicomJson): DicomJson {
  if (!COLORS.some((c) => meta[c.data]?.InlineBinary || meta[c.segmented]?.InlineBinary)) return meta;
  const out: DicomJson = { ...meta };
  for (const c of COLORS) {
    if (out[c.data]?.Value?.length) continue;
    const descriptor = numbers(meta, c.descriptor);
    if (descriptor.length !== 3) return meta;
    const entries = descriptor[0] === 0 ? 65536 : descriptor[0];
    const plain = bytesOf(meta[c.data]);
    const segmented = bytesOf(meta[c.segmented]);
    let table: number[] | null = null;
    if (plain) table = words(plain, plain.length === entries);
    else if (segmented) table = expandSegmented(words(segmented, descriptor[2] === 8));
    if (!table || table.length < entries) return meta;
    out[c.data] = { vr: 'OW', Value: table.slice(0, entries) };
    // A table stored a byte an entry is one of 8 bits, whatever its descriptor says (as
    // Cornerstone's own file loader reads it).
    if (plain && plain.length === entries) out[c.descriptor] = { vr: meta[c.descriptor].vr, Value: [descriptor[0], descriptor[1], 8] };
  }
  return out;
}
