// The first image of the first study would otherwise pay for a few things done once per page:
// starting the decode worker and compiling its code, building the stack viewport's drawing
// path, the first VOI lookup table (≈200 ms together on these 2-core machines, measured in
// docs/PERFORMANCE.md). The worklist has the viewer do them while the reader looks at the
// list: a made-up CT slice goes through the same loader, worker and viewport, hidden.
import { Enums, type RenderingEngine, type Types, cache, imageLoader } from '@cornerstonejs/core';
import { createImage, wadors } from '@cornerstonejs/dicom-image-loader';
import type { DicomJson } from '../api';

const SCHEME = 'vireo-warm-up';
const IMAGE_ID = `${SCHEME}:/warm-up/frames/1`;
const VIEWPORT_ID = 'vireo-warm-up';
const SIZE = 512;
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const DRAWN_WITHIN_MS = 5000;

// What the loader reads of a CT slice: 512×512 signed 16-bit, rescaled to HU, a soft-tissue
// window, a plane in space.
export function warmUpSliceMetadata(): DicomJson {
  const v = (vr: string, ...values: unknown[]) => ({ vr, Value: values });
  return {
    '00080016': v('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00080018': v('UI', '2.25.1'),
    '00080060': v('CS', 'CT'),
    '00200032': v('DS', -180, -180, 0),
    '00200037': v('DS', 1, 0, 0, 0, 1, 0),
    '00280002': v('US', 1),
    '00280004': v('CS', 'MONOCHROME2'),
    '00280010': v('US', SIZE),
    '00280011': v('US', SIZE),
    '00280030': v('DS', 0.7, 0.7),
    '00280100': v('US', 16),
    '00280101': v('US', 16),
    '00280102': v('US', 15),
    '00280103': v('US', 1),
    '00281050': v('DS', 40),
    '00281051': v('DS', 400),
    '00281052': v('DS', -1024),
    '00281053': v('DS', 1),
  };
}

// A disc of soft tissue in air, as stored values (HU + 1024), little endian; in shared memory
// when the page can share it, as the viewer's frames are (frameLoader.ts).
function slicePixels(): Uint8Array {
  const shared = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
  const values = new Int16Array(shared ? new SharedArrayBuffer(SIZE * SIZE * 2) : new ArrayBuffer(SIZE * SIZE * 2));
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside = (x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2 < (SIZE / 3) ** 2;
      values[y * SIZE + x] = inside ? 1064 : 24;
    }
  }
  return new Uint8Array(values.buffer);
}

let done: Promise<void> | null = null;

// Once per page; a failure only means the first study opens a little slower.
export function warmUpPipeline(engine: RenderingEngine): Promise<void> {
  done ??= drawOnce(engine).catch(() => undefined);
  return done;
}

async function drawOnce(engine: RenderingEngine): Promise<void> {
  wadors.metaDataManager.add(IMAGE_ID, warmUpSliceMetadata() as never);
  imageLoader.registerImageLoader(SCHEME, (imageId: string) => ({
    promise: createImage(imageId, slicePixels(), EXPLICIT_VR_LITTLE_ENDIAN, {}) as Promise<Types.IImage>,
  }));
  const element = document.createElement('div');
  element.setAttribute('aria-hidden', 'true');
  element.style.cssText = `position:fixed;left:0;top:0;width:${SIZE}px;height:${SIZE}px;visibility:hidden;pointer-events:none`;
  document.body.appendChild(element);
  try {
    engine.enableElement({
      viewportId: VIEWPORT_ID,
      type: Enums.ViewportType.STACK,
      element,
      defaultOptions: { background: [0, 0, 0] as Types.Point3 },
    });
    const drawn = new Promise<void>((resolve) => {
      element.addEventListener(Enums.Events.IMAGE_RENDERED, () => resolve(), { once: true });
      setTimeout(resolve, DRAWN_WITHIN_MS);
    });
    const vp = engine.getViewport(VIEWPORT_ID) as Types.IStackViewport;
    await vp.setStack([IMAGE_ID], 0);
    vp.render();
    await drawn;
  } finally {
    if (engine.getViewport(VIEWPORT_ID)) engine.disableElement(VIEWPORT_ID);
    element.remove();
    cache.removeImageLoadObject(IMAGE_ID);
  }
}
