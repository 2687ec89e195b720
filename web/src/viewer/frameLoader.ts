// Frames from the archive's WADO-RS, one request each as a single part (PS3.18 8.6), handed
// to the DICOM image loader's decoding as they come: Cornerstone's own retrieval (an
// XMLHttpRequest pool, the body copied out of the response twice) cost the page's thread
// about a third of its time per slice while a series streams in.
import { imageLoader } from '@cornerstonejs/core';
import { createImage } from '@cornerstonejs/dicom-image-loader';
import { FRAME_ACCEPT, FrameRequestError, frameOf, frameTransferSyntax } from './frames';

export { FrameRequestError };

function loadFrame(imageId: string, options: Record<string, unknown> = {}) {
  const url = imageId.slice(imageId.indexOf(':') + 1);
  const promise = (async () => {
    let res: Response;
    try {
      res = await fetch(url, { headers: { Accept: FRAME_ACCEPT }, credentials: 'same-origin' });
    } catch {
      throw new FrameRequestError(0);
    }
    if (!res.ok) throw new FrameRequestError(res.status);
    const { bytes, type } = frameOf(new Uint8Array(await res.arrayBuffer()), res.headers.get('Content-Type'));
    return createImage(imageId, bytes, frameTransferSyntax(type), options);
  })();
  return { promise: promise as never };
}

// Replaces the loader's own retrieval for wadors: image ids (the metadata, decoding and
// image objects stay the loader's).
export function useOwnFrameRetrieval(): void {
  imageLoader.registerImageLoader('wadors', loadFrame as never);
}
