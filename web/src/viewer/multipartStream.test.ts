import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { MultipartStream, boundaryOf, findBytes } from './multipartStream';

const enc = new TextEncoder();
const B = 'vireo-abc123';

// A frame whose bytes hold what looks like the boundary, and a bare CR LF -- inside.
function frame(n: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + n) & 0xff;
  if (size < 20) return out;
  out.set(enc.encode(`\r\n--${B}`).subarray(0, 10), 5);
  out.set(enc.encode('\r\n--'), size - 4);
  return out;
}

function body(parts: Uint8Array[], withLength: boolean): Uint8Array {
  const chunks: Uint8Array[] = [enc.encode('preamble to ignore\r\n')];
  parts.forEach((p, i) => {
    const headers =
      `${i ? '\r\n' : ''}--${B}\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n` +
      `Content-Location: /dicom-web/studies/1/series/2/instances/${i}/frames/1\r\n` +
      (withLength ? `Content-Length: ${p.length}\r\n` : '') + '\r\n';
    chunks.push(enc.encode(headers), p);
  });
  chunks.push(enc.encode(`\r\n--${B}--\r\n`));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function readInPieces(data: Uint8Array, size: number) {
  const reader = new MultipartStream(B);
  const parts = [];
  for (let at = 0; at < data.length; at += size) parts.push(...reader.push(data.subarray(at, at + size)));
  return { parts, reader };
}

describe('multipart stream', () => {
  const frames = [frame(1, 300), frame(2, 1), frame(3, 0), frame(4, 517)];

  for (const withLength of [true, false]) {
    for (const size of [1, 3, 64, 100000]) {
      it(`gives each part whole, ${withLength ? 'with' : 'without'} Content-Length, in pieces of ${size}`, () => {
        const { parts, reader } = readInPieces(body(frames, withLength), size);
        expect(parts.map((p) => Array.from(p.bytes))).toEqual(frames.map((f) => Array.from(f)));
        expect(parts[3].headers['content-location']).toBe('/dicom-web/studies/1/series/2/instances/3/frames/1');
        expect(parts[0].headers['content-type']).toMatch(/transfer-syntax=1\.2\.840\.10008\.1\.2\.1$/);
        expect(reader.done).toBe(true);
      });
    }
  }

  it('tells a body cut inside a part from a whole one', () => {
    const data = body(frames, true);
    const { parts, reader } = readInPieces(data.subarray(0, data.length - 300), 64); // inside the last frame
    expect(parts.length).toBe(3);
    expect(reader.done).toBe(false); // the caller fetches what did not come whole
  });

  it('refuses a part longer than its Content-Length says, and does not give it out', () => {
    const data = enc.encode(`--${B}\r\nContent-Length: 2\r\n\r\nab\r\n--${B}\r\nContent-Length: 2\r\n\r\nabc\r\n--${B}--\r\n`);
    const reader = new MultipartStream(B);
    const parts: number[][] = [];
    expect(() => {
      for (let at = 0; at < data.length; at++) parts.push(...reader.push(data.subarray(at, at + 1)).map((p) => Array.from(p.bytes)));
    }).toThrow(/malformed/);
    expect(parts).toEqual([Array.from(enc.encode('ab'))]);
  });

  it('reads the boundary from the Content-Type', () => {
    expect(boundaryOf('multipart/related; type="application/octet-stream"; boundary=vireo-x1')).toBe('vireo-x1');
    expect(boundaryOf('multipart/related; boundary="quoted b"; type=x')).toBe('quoted b');
    expect(boundaryOf('application/octet-stream')).toBeNull();
    expect(boundaryOf('multipart/related; type=x')).toBeNull();
  });

  it('finds a byte string', () => {
    const d = enc.encode('aab--ab--abc');
    expect(findBytes(d, enc.encode('--abc'))).toBe(7);
    expect(findBytes(d, enc.encode('abc'), 10)).toBe(-1);
    expect(findBytes(d, enc.encode('aab'))).toBe(0);
  });
});
