// What a frame request asks for and what its answer says (kept apart from Cornerstone, so
// that it is tested on its own).
import { boundaryOf, findBytes } from './multipartStream';
import i18n from '../i18n';

// Each frame as a single part payload, as stored (PS3.18 8.6; the archive offers it for one
// frame): its body is the frame, with nothing to search or copy out.
export const FRAME_ACCEPT = 'application/octet-stream; transfer-syntax=*';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

// The transfer syntax a frame answer names ("...; transfer-syntax=1.2.840.10008.1.2.4.80").
export function frameTransferSyntax(contentType: string | null): string {
  const m = /transfer-syntax\s*=\s*"?([0-9.]+)"?/i.exec(contentType ?? '');
  return m ? m[1] : EXPLICIT_VR_LITTLE_ENDIAN;
}

// What a failed request means to the reader; the status is kept for support.
function requestFailure(status: number): string {
  if (status === 0) return i18n.t('viewer.image.unreachable');
  if (status === 401) return i18n.t('viewer.image.signedOut');
  if (status === 403) return i18n.t('viewer.image.forbidden');
  if (status === 404) return i18n.t('viewer.image.gone');
  return i18n.t('viewer.image.http', { status });
}

// A failed request, as the viewport reports it.
export class FrameRequestError extends Error {
  constructor(readonly status: number) {
    super(requestFailure(status));
  }
}


const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

const indexOf = (body: Uint8Array, token: string, from = 0) => findBytes(body, new TextEncoder().encode(token), from);

function lastIndexOf(body: Uint8Array, token: string): number {
  const t = Array.from(token, (c) => c.charCodeAt(0));
  outer: for (let i = body.length - t.length; i >= 0; i--) {
    for (let j = 0; j < t.length; j++) if (body[i + j] !== t[j]) continue outer;
    return i;
  }
  return -1;
}

// The one frame of an answer and its Content-Type: the body itself for a single part; for
// a multipart/related answer (an archive or proxy that sends only those), its one part,
// found from the start for the part's headers and from the end for the closing boundary,
// without reading or copying the frame in between.
export function frameOf(body: Uint8Array, contentType: string | null): { bytes: Uint8Array; type: string | null } {
  if (!/^multipart\//i.test(contentType ?? '')) return { bytes: body, type: contentType };
  const boundary = boundaryOf(contentType);
  const start = boundary ? indexOf(body, `--${boundary}`) : -1;
  const headersEnd = start < 0 ? -1 : indexOf(body, '\r\n\r\n', start);
  const end = boundary ? lastIndexOf(body, `\r\n--${boundary}`) : -1;
  if (headersEnd < 0 || end < headersEnd + 4) throw new Error(i18n.t('viewer.image.unreadableFrame'));
  const headers = ascii(body.subarray(start, headersEnd)).split('\r\n');
  const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '') ?? null;
  return { bytes: body.subarray(headersEnd + 4, end), type };
}

// The typed array the DICOM image loader puts pixel values from `min` to `max` in (its rule:
// the smallest that holds them exactly).
export function pixelArrayFor(min: number, max: number): string {
  if (Number.isInteger(min) && Number.isInteger(max)) {
    if (min >= 0) {
      if (max <= 0xff) return 'Uint8Array';
      if (max <= 0xffff) return 'Uint16Array';
      if (max <= 0xffffffff) return 'Uint32Array';
    } else {
      if (min >= -128 && max <= 127) return 'Int8Array';
      if (min >= -32768 && max <= 32767) return 'Int16Array';
    }
  }
  return 'Float32Array';
}

const BYTES: Record<string, number> = { Uint8Array: 1, Uint16Array: 2, Int16Array: 2, Float32Array: 4 };
const RANGE: Record<string, [number, number]> = {
  Uint8Array: [0, 0xff], Uint16Array: [0, 0xffff], Int16Array: [-32768, 32767], Float32Array: [-Infinity, Infinity],
};

// Whether the values from `min` to `max` are whole numbers that an array of `type` holds.
export function pixelsFit(type: string, min: number, max: number): boolean {
  const range = RANGE[type];
  if (!range) return false;
  if (type !== 'Float32Array' && !(Number.isInteger(min) && Number.isInteger(max))) return false;
  return min >= range[0] && max <= range[1];
}

// Whether a decoded image really is in the shared memory it was given as `type`. The image
// loader's worker uses that memory only if the rescaled values call for exactly that type
// (its own rule), but puts values that are not rescaled into it as they are, whether they fit
// or not; and the loader then reads the memory either way.
export function decodedInto(type: string, image: { minPixelValue: number; maxPixelValue: number; preScale?: { scaled?: boolean } }): boolean {
  return image.preScale?.scaled
    ? pixelArrayFor(image.minPixelValue, image.maxPixelValue) === type
    : pixelsFit(type, image.minPixelValue, image.maxPixelValue);
}

// The array type to give a series' next image, after one came out with these values: for
// rescaled images the type the loader chose; otherwise the one used so far while the values
// fit it (a slice of few values in a 16-bit series stays 16-bit), else the loader's.
export function nextPixelArray(current: string | undefined,
  image: { minPixelValue: number; maxPixelValue: number; preScale?: { scaled?: boolean } }): string {
  const made = pixelArrayFor(image.minPixelValue, image.maxPixelValue);
  if (image.preScale?.scaled || !current) return made;
  return pixelsFit(current, image.minPixelValue, image.maxPixelValue) ? current : made;
}
const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

// Where the decoder is to put a monochrome image's pixel values, when the array type it will
// choose is known (the series' images before it): shared memory, which neither the trip to
// the decode worker nor the one back copies. An uncompressed frame of the same size is
// decoded where it lies. Null: let the loader allocate (color, first image, unusual types).
export function sharedTarget(frame: Uint8Array, transferSyntax: string, type: string | undefined,
  image: { rows?: number; columns?: number; samplesPerPixel?: number } | undefined) {
  const bytes = type ? BYTES[type] : undefined;
  if (!bytes || !image?.rows || !image.columns || (image.samplesPerPixel ?? 1) !== 1) return null;
  if (!(frame.buffer instanceof SharedArrayBuffer)) return null;
  const length = image.rows * image.columns;
  const inPlace = UNCOMPRESSED.has(transferSyntax) && frame.byteOffset === 0 && frame.buffer.byteLength === length * bytes;
  return { arrayBuffer: inPlace ? frame.buffer : new SharedArrayBuffer(length * bytes), type: type!, offset: 0, length };
}
