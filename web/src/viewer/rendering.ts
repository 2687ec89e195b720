// How stack viewports draw. Where the browser's WebGL is a software rasterizer (SwiftShader,
// llvmpipe: a virtual machine, a remote desktop, a workstation without a graphics driver),
// on the CPU: Cornerstone's CPU path shows a slice in a fraction of the time software WebGL
// takes to size its canvas, compile its shaders and upload the texture (docs/PERFORMANCE.md).
// With a GPU, WebGL. A reader or support can set either for this browser (a graphics driver
// that draws wrongly, a comparison): localStorage "vireo.viewer.renderer" = "cpu" | "webgl".
export type StackRendering = 'cpu' | 'webgl';

export const RENDERER_SETTING = 'vireo.viewer.renderer';

export function stackRendering(asked: string | null, softwareRasterizer: boolean): StackRendering {
  if (asked === 'cpu' || asked === 'webgl') return asked;
  return softwareRasterizer ? 'cpu' : 'webgl';
}

export function askedRendering(): string | null {
  try {
    return localStorage.getItem(RENDERER_SETTING);
  } catch {
    return null; // storage refused (private window): the default
  }
}
