// Cornerstone3D, set up once per page: the rendering core, the tools, and the DICOM image
// loader reading our WADO-RS with the session cookie. The image cache has the budget the
// server is configured with (viewer_image_cache_mb); Cornerstone evicts the least recently
// used images beyond it, so opening study after study never grows memory without bound.
import { RenderingEngine, type Types, cache, getRenderingCapabilities, init as initCore, setUseCPURendering } from '@cornerstonejs/core';
import type { Types as ToolTypes } from '@cornerstonejs/tools';
import {
  AngleTool,
  CrosshairsTool,
  ArrowAnnotateTool,
  CobbAngleTool,
  EllipticalROITool,
  LengthTool,
  PanTool,
  ProbeTool,
  RectangleROITool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
  ToolGroupManager,
  Enums as ToolEnums,
  addTool,
  init as initTools,
} from '@cornerstonejs/tools';
import { init as initLoader } from '@cornerstonejs/dicom-image-loader';
import { webSettings } from '../api';
import { askedRendering, stackRendering } from './rendering';
import { FrameRequestError, useOwnFrameRetrieval } from './frameLoader';
import { useProjectionSpacing } from './projectionSpacing';

// Until the server's setting arrives, and if it cannot be read.
export const DEFAULT_IMAGE_CACHE_BYTES = 1024 * 1024 * 1024;

export const MEASUREMENT_TOOLS = [
  LengthTool, AngleTool, CobbAngleTool, EllipticalROITool, RectangleROITool, ProbeTool, ArrowAnnotateTool,
] as const;

let ready: Promise<void> | null = null;


let stacksOnCpu = false; // see rendering.ts

// Volumes (MPR) have no CPU path: WebGL while they are shown, software or not. Returns the
// way back for the stacks.
export function renderVolumesWithWebGl(): () => void {
  setUseCPURendering(false, false);
  return () => setUseCPURendering(stacksOnCpu, false);
}

// Cornerstone's stack viewport leaves the promise of an image that failed to load or decode
// without a handler (it rejects with our request's error, or the decoder's). The viewport
// already tells the user which image cannot be shown and why; these must not surface as
// page errors.
function quietFailedImageLoads(e: PromiseRejectionEvent) {
  const reason: unknown = e.reason;
  if (reason instanceof FrameRequestError || (reason instanceof Error && /^No decoder for transfer syntax/.test(reason.message))) {
    e.preventDefault();
  }
}

export function setUpCornerstone(): Promise<void> {
  ready ??= (async () => {
    window.addEventListener('unhandledrejection', quietFailedImageLoads);
    await initCore();
    const rendering = stackRendering(askedRendering(), getRenderingCapabilities().softwareRasterizer);
    stacksOnCpu = rendering === 'cpu';
    setUseCPURendering(stacksOnCpu, false);
    (window as { vireoViewer?: object }).vireoViewer = { imageCacheUse, rendering };
    initTools();
    initLoader({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)) });
    useOwnFrameRetrieval();
    useProjectionSpacing();
    // The configured budget replaces the default when it arrives, off the first image's path.
    cache.setMaxCacheSize(DEFAULT_IMAGE_CACHE_BYTES);
    void imageCacheBudget().then((bytes) => cache.setMaxCacheSize(bytes));
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool, ...MEASUREMENT_TOOLS]) addTool(tool);
  })();
  return ready;
}

async function imageCacheBudget(): Promise<number> {
  try {
    const bytes = (await webSettings()).imageCacheBytes;
    return typeof bytes === 'number' && bytes > 0 ? bytes : DEFAULT_IMAGE_CACHE_BYTES;
  } catch {
    return DEFAULT_IMAGE_CACHE_BYTES;
  }
}

// For diagnostics (and the memory test): what the image cache holds against its budget.
export function imageCacheUse(): { bytes: number; budget: number } {
  return { bytes: cache.getCacheSize(), budget: cache.getMaxCacheSize() };
}

let engine: RenderingEngine | null = null;

// One rendering engine for the page's lifetime: creating it (a WebGL context, shaders) is the
// slow part of opening the viewer, so the worklist does it ahead (warm-up) and studies reuse it.
export async function renderingEngine(): Promise<RenderingEngine> {
  await setUpCornerstone();
  engine ??= new RenderingEngine('vireo-engine');
  return engine;
}

type ToolClass = { toolName: string };

// A tool group for the page's lifetime (like the engine), made on first use: `primary` on the
// left button, pan middle, zoom right, the wheel scrolling; `passive` tools drawn and editable.
function pageToolGroup(id: string, primary: ToolClass, passive: readonly ToolClass[]): ToolTypes.IToolGroup {
  const existing = ToolGroupManager.getToolGroup(id);
  if (existing) return existing;
  const group = ToolGroupManager.createToolGroup(id)!;
  for (const t of [primary, PanTool, ZoomTool, StackScrollTool, ...passive]) group.addTool(t.toolName);
  const { Primary, Auxiliary, Secondary, Wheel } = ToolEnums.MouseBindings;
  group.setToolActive(primary.toolName, { bindings: [{ mouseButton: Primary }] });
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: Auxiliary }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: Secondary }] });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: Wheel }] });
  for (const t of passive) group.setToolPassive(t.toolName);
  return group;
}

// The stack viewports' tools: a viewport that mounts before its page's effects have run must
// still find them, or it would get no tools and show no measurements. W/L on the left
// button; the measurement tools passive.
export function stackToolGroup(): ToolTypes.IToolGroup {
  return pageToolGroup('vireo-stack-tools', WindowLevelTool, MEASUREMENT_TOOLS);
}

// The MPR viewports' tools: crosshairs on the left button (each plane shows where the others
// cut it; dragging moves them); the wheel moves through the plane.
export function mprToolGroup(): ToolTypes.IToolGroup {
  return pageToolGroup('vireo-mpr-tools', CrosshairsTool, [WindowLevelTool]);
}

export type MprTool = 'Crosshairs' | 'WindowLevel';

// The left button in MPR: the crosshairs, or window/level with the crosshairs still drawn
// (shown, not moved, so that a drag across a line changes the window).
export function setMprTool(tool: MprTool): void {
  const group = mprToolGroup();
  const { Primary } = ToolEnums.MouseBindings;
  if (tool === 'WindowLevel') {
    group.setToolEnabled(CrosshairsTool.toolName);
    group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: Primary }] });
  } else {
    group.setToolPassive(WindowLevelTool.toolName);
    group.setToolActive(CrosshairsTool.toolName, { bindings: [{ mouseButton: Primary }] });
  }
}

// Where the screen's upward and rightward directions point in the patient, and how many
// millimetres a screen pixel spans, read through the viewport's own canvas-to-world mapping:
// the camera of the CPU path keeps flips apart from its view vectors, the WebGL one in them.
export function screenAxes(vp: Types.IViewport): { up: Types.Point3; right: Types.Point3; mmPerPixel: number } {
  const o = vp.canvasToWorld([0, 0]);
  const r = vp.canvasToWorld([100, 0]);
  const d = vp.canvasToWorld([0, 100]);
  const right: Types.Point3 = [r[0] - o[0], r[1] - o[1], r[2] - o[2]];
  return { up: [o[0] - d[0], o[1] - d[1], o[2] - d[2]], right, mmPerPixel: Math.hypot(...right) / 100 };
}
