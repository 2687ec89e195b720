// The viewer's frame retrieval with Cornerstone replaced by recorders: which requests go out,
// what reaches the decoder, and into which memory.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({
  cache: { getImageLoadObject: vi.fn() },
  imageLoader: { registerImageLoader: vi.fn(), loadAndCacheImage: vi.fn() },
  metaData: { get: vi.fn() },
}));
const loader = vi.hoisted(() => ({ createImage: vi.fn() }));
vi.mock('@cornerstonejs/core', () => core);
vi.mock('@cornerstonejs/dicom-image-loader', () => loader);

// Each test its own series: the loader remembers each series' array type.
const ROOT = 'https://pacs.test/dicom-web/studies/1/series/2';
const id = (instance: number, series = ROOT) => `wadors:${series}/instances/${instance}/frames/1`;
const VOLUME = 'https://pacs.test/dicom-web/studies/1/series/7';
const UNCOMPRESSED = 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1';
const enc = new TextEncoder();

type Load = (imageId: string, options?: Record<string, unknown>) => { promise: Promise<unknown> };
let loadFrame: Load;
let streamSeries: typeof import('./frameLoader').streamSeries;
const fetchMock = vi.fn();

function seriesBody(series: string, instances: number[], boundary: string): Uint8Array {
  let text = '';
  for (const n of instances) {
    text += `--${boundary}\r\nContent-Type: ${UNCOMPRESSED}\r\nContent-Location: ${series}/instances/${n}/frames/1\r\n` +
      `Content-Length: 8\r\n\r\n${String(n).repeat(4)}\r\n`;
  }
  return enc.encode(`${text}--${boundary}--\r\n`);
}

// A body that arrives in small pieces, as from the network.
function streamed(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + 13));
      at += 13;
    },
  });
}

beforeAll(async () => {
  vi.stubGlobal('location', { href: 'https://pacs.test/viewer/1' });
  vi.stubGlobal('crossOriginIsolated', true);
  vi.stubGlobal('fetch', fetchMock);
  const mod = await import('./frameLoader');
  mod.useOwnFrameRetrieval();
  loadFrame = core.imageLoader.registerImageLoader.mock.calls[0][1];
  streamSeries = mod.streamSeries;
});

beforeEach(() => {
  fetchMock.mockReset();
  loader.createImage.mockReset();
  core.imageLoader.loadAndCacheImage.mockReset();
  core.metaData.get.mockReturnValue({ rows: 2, columns: 2, samplesPerPixel: 1 });
  fetchMock.mockImplementation(async () => new Response(new Uint8Array(8), { headers: { 'Content-Type': UNCOMPRESSED } }));
});

describe('frame retrieval', () => {
  it('decodes into shared memory once the series has shown its array type, and again its own way when the decoder chose another', async () => {
    const scaled = (min: number, max: number) => ({ minPixelValue: min, maxPixelValue: max, preScale: { scaled: true } });
    loader.createImage.mockResolvedValue(scaled(-1024, 3000)); // CT in HU: Int16Array
    await loadFrame(id(3)).promise;
    let [, input, syntax, options] = loader.createImage.mock.calls[0];
    expect(syntax).toBe('1.2.840.10008.1.2.1');
    expect(input.buffer).toBeInstanceOf(SharedArrayBuffer); // no copy on the way to the worker
    expect(options.targetBuffer).toBeUndefined(); // the first image: the loader chooses

    await loadFrame(id(4)).promise;
    [, input, , options] = loader.createImage.mock.calls[1];
    expect(options.targetBuffer).toMatchObject({ type: 'Int16Array', offset: 0, length: 4 });
    expect(options.targetBuffer.arrayBuffer).toBe(input.buffer); // 16-bit in, 16-bit out: where it lies

    // Rescaled values that call for another type: the worker did not use the memory given, so
    // the image is decoded again without a target, from the archive (the frame was decoded
    // where it lay).
    loader.createImage.mockResolvedValue(scaled(0, 100)); // Uint8Array
    fetchMock.mockClear();
    await loadFrame(id(5)).promise;
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(loader.createImage.mock.calls[3][3].targetBuffer).toBeUndefined();

    await loadFrame(id(6)).promise;
    options = loader.createImage.mock.calls[4][3];
    expect(options.targetBuffer).toMatchObject({ type: 'Uint8Array', length: 4 });
    expect(options.targetBuffer.arrayBuffer.byteLength).toBe(4); // 8 bytes in, 4 out: its own memory

    // A mismatch with separate memory: decoded again from the frame itself, no second request.
    loader.createImage.mockResolvedValue(scaled(-1024, 3000));
    fetchMock.mockClear();
    await loadFrame(id(7)).promise;
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [first, again] = loader.createImage.mock.calls.slice(5);
    expect(first[3].targetBuffer.type).toBe('Uint8Array');
    expect(again[3].targetBuffer).toBeUndefined();
    expect(Array.from(again[1])).toEqual(Array.from(first[1]));
  });

  it('keeps a series without rescaling in the type its values fit, and re-decodes only values that do not fit', async () => {
    const MR = 'https://pacs.test/dicom-web/studies/1/series/8';
    const raw = (min: number, max: number) => ({ minPixelValue: min, maxPixelValue: max }); // not rescaled
    loader.createImage.mockResolvedValue(raw(0, 1800)); // Uint16Array
    await loadFrame(id(1, MR)).promise;
    loader.createImage.mockResolvedValue(raw(0, 90)); // an edge slice: would be Uint8Array alone
    await loadFrame(id(2, MR)).promise;
    await loadFrame(id(3, MR)).promise;
    expect(loader.createImage.mock.calls.slice(1).map((c) => c[3].targetBuffer?.type)).toEqual(['Uint16Array', 'Uint16Array']);
    expect(fetchMock).toHaveBeenCalledTimes(3); // one request each, no second decode
    // Negative raw values do not fit Uint16: the worker would have wrapped them; decoded again.
    loader.createImage.mockResolvedValue(raw(-20, 900));
    await loadFrame(id(4, MR)).promise;
    expect(loader.createImage).toHaveBeenCalledTimes(5);
    expect(loader.createImage.mock.calls[4][3].targetBuffer).toBeUndefined();
  });

  it('leaves a volume\'s own target and color images to the loader', async () => {
    loader.createImage.mockResolvedValue({ minPixelValue: -1024, maxPixelValue: 3000 });
    await loadFrame(id(10, VOLUME)).promise;
    const volumeTarget = { type: 'Float32Array', arrayBuffer: new SharedArrayBuffer(16) };
    await loadFrame(id(11, VOLUME), { targetBuffer: volumeTarget }).promise;
    expect(loader.createImage.mock.calls[1][3].targetBuffer).toBe(volumeTarget);
    core.metaData.get.mockReturnValue({ rows: 2, columns: 2, samplesPerPixel: 3 });
    await loadFrame(id(12, VOLUME)).promise;
    expect(loader.createImage.mock.calls[2][3].targetBuffer).toBeUndefined();
  });

  it('takes a series in one stream, and leaves what it did not bring to single requests', async () => {
    const S = 'https://pacs.test/dicom-web/studies/1/series/3';
    loader.createImage.mockResolvedValue({ minPixelValue: -1024, maxPixelValue: 3000 });
    const boundary = 'vireo-test';
    fetchMock.mockImplementationOnce(async () => new Response(streamed(seriesBody(S, [21, 20], boundary)), {
      headers: { 'Content-Type': `multipart/related; type="application/octet-stream"; boundary=${boundary}` },
    }));
    const arrived: string[] = [];
    const left = await streamSeries([id(20, S), id(21, S), id(22, S)], () => false, (imageId) => arrived.push(imageId));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe(`${S}/pixeldata`);
    expect(init.headers.Accept).toBe('multipart/related; type="application/octet-stream"; transfer-syntax=*');
    expect(arrived).toEqual([id(21, S), id(20, S)]); // in the order the archive sent them
    expect(core.imageLoader.loadAndCacheImage.mock.calls.map((c) => c[0])).toEqual([id(21, S), id(20, S)]);
    expect(left).toEqual([id(22, S)]);

    // A streamed frame is decoded from what came, not fetched again; the missing one is fetched.
    await loadFrame(id(20, S)).promise;
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(Array.from(loader.createImage.mock.calls[0][1])).toEqual(Array.from(enc.encode('20202020')));
    await loadFrame(id(22, S)).promise;
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(fetchMock.mock.calls[1][0]).toBe(`${S}/instances/22/frames/1`);
  });

  it('falls back to single requests where the archive has no pixel data resource', async () => {
    const S = 'https://pacs.test/dicom-web/studies/1/series/4';
    loader.createImage.mockResolvedValue({ minPixelValue: -1024, maxPixelValue: 3000 });
    fetchMock.mockImplementationOnce(async () => new Response('{"title":"Not Found"}', { status: 404 }));
    const left = await streamSeries([id(30, S), id(31, S)], () => false, () => undefined);
    expect(left).toEqual([id(30, S), id(31, S)]);
    await loadFrame(id(31, S)).promise; // not left waiting for a stream that will not come
    expect(fetchMock.mock.calls[1][0]).toBe(`${S}/instances/31/frames/1`);
    // A malformed answer (a part longer than it said): what came whole stays, the rest alone.
    const bad = new TextEncoder().encode(`--b\r\nContent-Location: ${S}/instances/32/frames/1\r\nContent-Length: 2\r\n\r\n` +
      `ab\r\n--b\r\nContent-Location: ${S}/instances/33/frames/1\r\nContent-Length: 2\r\n\r\nabc\r\n--b--\r\n`);
    fetchMock.mockImplementationOnce(async () => new Response(streamed(bad), { headers: { 'Content-Type': 'multipart/related; boundary=b' } }));
    expect(await streamSeries([id(32, S), id(33, S)], () => false, () => undefined)).toEqual([id(33, S)]);
  });

  it('fetches alone a frame the stream does not bring soon (the reader jumped ahead)', async () => {
    const S = 'https://pacs.test/dicom-web/studies/1/series/6';
    loader.createImage.mockResolvedValue({ minPixelValue: -1024, maxPixelValue: 3000 });
    const boundary = 'vireo-test';
    const [head, tail] = [seriesBody(S, [50], boundary).slice(0, -(boundary.length + 6)), seriesBody(S, [51], boundary)];
    let release: () => void = () => undefined;
    const later = new Promise<void>((resolve) => (release = resolve));
    fetchMock.mockImplementationOnce(async () => new Response(new ReadableStream({
      async start(c) {
        c.enqueue(head); // slice 50 comes at once; slice 51 only when released
        await later;
        c.enqueue(tail);
        c.close();
      },
    }), { headers: { 'Content-Type': `multipart/related; boundary=${boundary}` } }));
    const streaming = streamSeries([id(50, S), id(51, S)], () => false, () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const asked = Date.now();
    await loadFrame(id(51, S)).promise; // the reader pressed End
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(fetchMock.mock.calls.map((c) => c[0])).toEqual([`${S}/pixeldata`, `${S}/instances/51/frames/1`]);
    release();
    expect(await streaming).toEqual([]);
    // 51 decoded once, from its own request; its part, when it came, went to Cornerstone's
    // cache-aware loading (which answers with the image already loading), not to a decode.
    expect(loader.createImage).toHaveBeenCalledTimes(1);
    expect(core.imageLoader.loadAndCacheImage.mock.calls.map((c) => c[0])).toEqual([id(50, S), id(51, S)]);
  });

  it('lets a frame asked for meanwhile wait for the stream, and stops when told', async () => {
    const S = 'https://pacs.test/dicom-web/studies/1/series/5';
    loader.createImage.mockResolvedValue({ minPixelValue: -1024, maxPixelValue: 3000 });
    const boundary = 'vireo-test';
    let stop = false;
    fetchMock.mockImplementationOnce(async () => new Response(streamed(seriesBody(S, [40, 41, 42], boundary)), {
      headers: { 'Content-Type': `multipart/related; boundary=${boundary}` },
    }));
    const streaming = streamSeries([id(40, S), id(41, S), id(42, S)], () => stop, (imageId) => {
      if (imageId === id(41, S)) stop = true; // the reader left the study
    });
    const waiting = loadFrame(id(40, S)).promise; // asked for before its part arrived
    const left = await streaming;
    await waiting;
    expect(left).toEqual([id(42, S)]);
    expect(fetchMock).toHaveBeenCalledTimes(1); // 40 came with the stream
  });
});
