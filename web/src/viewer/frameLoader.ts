// Frames from the archive's WADO-RS, handed to the DICOM image loader's decoding as they come.
// A series comes in one request, its Pixel Data resource (PS3.18 10.4.1.1.6), one part per
// frame: a browser on a small machine spends more on each of two hundred requests than on
// the bytes. A single frame (the first on screen, or one the stream did not bring) is one
// request as a single part (PS3.18 8.6). Cornerstone's own retrieval (an XMLHttpRequest
// pool, the body copied out of the response twice) cost the page's thread about a third of
// its time per slice.
import { cache, imageLoader, metaData, type Types } from '@cornerstonejs/core';
import { createImage } from '@cornerstonejs/dicom-image-loader';
import { FRAME_ACCEPT, FrameRequestError, decodedInto, frameOf, frameTransferSyntax, nextPixelArray, sharedTarget } from './frames';
import { MultipartStream, boundaryOf } from './multipartStream';

export { FrameRequestError };

interface Frame {
  bytes: Uint8Array;
  type: string | null;
}

// Every frame of the stream, as stored, uncompressed ones as they are.
const PIXEL_DATA_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';

// Frames on their way in a series' stream, by the path of their frame URL: a frame asked for
// meanwhile waits for the stream instead of being fetched a second time, unless the stream
// does not bring it soon (the reader jumped ahead of it: to the last slice, or to where a
// linked prior is). Null: the stream did not bring it.
const incoming = new Map<string, { frame: Promise<Frame | null>; arrive: (f: Frame | null) => void; arrived: boolean }>();
const STREAM_WAIT_MS = 150;

const pathOf = (url: string) => new URL(url, location.href).pathname;
const urlOf = (imageId: string) => imageId.slice(imageId.indexOf(':') + 1);

async function fetchFrame(url: string): Promise<Frame> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: FRAME_ACCEPT }, credentials: 'same-origin' });
  } catch {
    throw new FrameRequestError(0);
  }
  if (!res.ok) throw new FrameRequestError(res.status);
  return frameOf(new Uint8Array(await res.arrayBuffer()), res.headers.get('Content-Type'));
}

// Memory shared with the decode worker (the page is cross-origin isolated).
const shareable = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
const allocateShared = (n: number) => new Uint8Array(shareable ? new SharedArrayBuffer(n) : new ArrayBuffer(n));

function shared(bytes: Uint8Array): Uint8Array {
  if (!shareable || bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = allocateShared(bytes.length);
  out.set(bytes);
  return out;
}

// The array type each series' last image came out in: the next is decoded straight into
// shared memory of that type. On this class of machine writing fresh memory costs ≈2 ms per
// 512 KB, and every copy of a slice (to the worker, back, and the loader's own retyping) is one.
const seriesArray = new Map<string, string>();
const seriesOf = (imageId: string) => imageId.slice(0, imageId.indexOf('/instances/'));

async function decode(imageId: string, frame: Frame, options: Record<string, unknown>): Promise<Types.IImage> {
  const syntax = frameTransferSyntax(frame.type);
  const series = seriesOf(imageId);
  const input = shared(frame.bytes);
  const target = options.targetBuffer ? null
    : sharedTarget(input, syntax, seriesArray.get(series), metaData.get('imagePixelModule', imageId));
  const image = (await createImage(imageId, input, syntax, target ? { ...options, targetBuffer: target } : options)) as Types.IImage;
  seriesArray.set(series, nextPixelArray(seriesArray.get(series), image));
  if (!target || decodedInto(target.type, image)) return image;
  // The shared memory does not hold this image: decode it again, letting the loader allocate,
  // from the frame (untouched unless it was decoded where it lay, then from the archive).
  const again = target.arrayBuffer === input.buffer ? await fetchFrame(urlOf(imageId)) : frame;
  return (await createImage(imageId, again.bytes, frameTransferSyntax(again.type), options)) as Types.IImage;
}

function loadFrame(imageId: string, options: Record<string, unknown> = {}) {
  const url = urlOf(imageId);
  const promise = (async () => {
    const key = pathOf(url);
    const waiting = incoming.get(key);
    let streamed: Frame | null = null;
    if (waiting?.arrived) {
      streamed = await waiting.frame;
    } else if (waiting) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STREAM_WAIT_MS)));
      streamed = await Promise.race([waiting.frame, late]);
      clearTimeout(timer);
      // Fetched alone when late: its part, when it comes, finds the image already loading.
    }
    if (waiting) incoming.delete(key);
    return decode(imageId, streamed ?? (await fetchFrame(url)), options);
  })();
  return { promise: promise as never };
}

// Replaces the loader's own retrieval for wadors: image ids (the metadata, decoding and
// image objects stay the loader's).
export function useOwnFrameRetrieval(): void {
  imageLoader.registerImageLoader('wadors', loadFrame as never);
}

// Streams the pixel data of the series of `imageIds` (one series) and loads each image as its
// frame arrives (`loaded` is called with each). Images already in the cache are not waited
// for. Returns the images the stream did not bring (an archive without the resource, a cut
// connection, or `stop()` turning true), for the caller to fetch one by one.
export async function streamSeries(imageIds: string[], stop: () => boolean,
  loaded: (imageId: string, load: Promise<unknown>) => void): Promise<string[]> {
  const first = urlOf(imageIds[0] ?? '');
  const cut = first.indexOf('/instances/');
  if (cut < 0) return imageIds;
  const wanted = new Map<string, string>(); // path of the frame URL -> image id
  for (const id of imageIds) {
    const key = pathOf(urlOf(id));
    if (cache.getImageLoadObject(id) || incoming.has(key)) continue;
    wanted.set(key, id);
    let resolveFrame: (f: Frame | null) => void = () => undefined;
    const entry = {
      frame: new Promise<Frame | null>((resolve) => (resolveFrame = resolve)),
      arrived: false,
      arrive(f: Frame | null) {
        entry.arrived = true;
        resolveFrame(f);
      },
    };
    incoming.set(key, entry);
  }
  const pending = () => [...wanted.values()];
  const abort = new AbortController();
  try {
    const res = await fetch(`${first.slice(0, cut)}/pixeldata`, {
      headers: { Accept: PIXEL_DATA_ACCEPT }, credentials: 'same-origin', signal: abort.signal,
    });
    const boundary = boundaryOf(res.headers.get('Content-Type'));
    if (!res.ok || !boundary || !res.body) return pending();
    const parts = new MultipartStream(boundary, allocateShared);
    const reader = res.body.getReader();
    while (!stop()) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const part of parts.push(value)) {
        const location = part.headers['content-location'];
        const key = location ? pathOf(location) : '';
        const id = wanted.get(key);
        if (!id) continue;
        wanted.delete(key);
        incoming.get(key)?.arrive({ bytes: part.bytes, type: part.headers['content-type'] ?? null });
        loaded(id, imageLoader.loadAndCacheImage(id));
      }
    }
    if (stop()) abort.abort();
    return pending();
  } catch {
    return pending(); // a cut connection: what came stays, the rest is fetched alone
  } finally {
    for (const key of wanted.keys()) {
      incoming.get(key)?.arrive(null);
      incoming.delete(key);
    }
  }
}
