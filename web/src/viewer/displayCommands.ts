// What the toolbar's display commands do to any viewport, a stack or an MPR plane: the image's
// window presets (as the Window… menu lists them), invert, fit, reset. Rotation, flips and cine
// are the stack's own (StackViewport.tsx), kept here as a presentation that is applied whole.
import { type Types, getShouldUseCPURendering } from '@cornerstonejs/core';
import type { DicomJson } from '../api';
import { presetsForImage, voiRange } from './presets';
import type { ViewportCommand } from './StackViewport';

// Whether the command was one of these (and was applied).
export function applyDisplayCommand(vp: Types.IStackViewport | Types.IVolumeViewport, command: ViewportCommand,
  meta: DicomJson | undefined): boolean {
  switch (command.kind) {
    case 'preset': {
      const preset = presetsForImage(meta ?? {})[command.value ?? 0];
      if (preset) vp.setProperties({ voiRange: voiRange(preset) });
      return true;
    }
    case 'invert':
      vp.setProperties({ invert: !vp.getProperties()?.invert });
      return true;
    case 'fit':
      vp.resetCamera();
      return true;
    case 'reset':
      vp.resetCamera();
      vp.resetProperties();
      return true;
    default:
      return false;
  }
}

// A stack's picture on screen: turned `rotation` degrees clockwise, then mirrored left-right
// when `mirrored`. Every sequence of the toolbar's Rotate, Flip H and Flip V comes to one of
// these eight, so the viewport is always set from a known state: Cornerstone's own flips
// and rotation do not compose as the screen does (a flip after a rotation, a reset after a
// flip, left the picture turned the wrong way).
export interface Presentation {
  rotation: number; // 0, 90, 180 or 270
  mirrored: boolean;
}

export function nextPresentation(p: Presentation, change: 'rotate' | 'flipH' | 'flipV'): Presentation {
  const turn = (deg: number) => (((p.rotation + deg) % 360) + 360) % 360;
  switch (change) {
    case 'rotate': // a quarter turn clockwise of a mirrored picture is a quarter turn back before the mirror
      return { rotation: turn(p.mirrored ? -90 : 90), mirrored: p.mirrored };
    case 'flipH':
      return { rotation: p.rotation, mirrored: !p.mirrored };
    case 'flipV': // top-bottom is a half turn and a left-right mirror
      return { rotation: turn(180), mirrored: !p.mirrored };
  }
}

export function present(vp: Types.IStackViewport, p: Presentation): void {
  if (vp.getCamera().flipHorizontal) vp.setCamera({ flipHorizontal: false });
  if (vp.getCamera().flipVertical) vp.setCamera({ flipVertical: false });
  // Cornerstone's CPU path keeps its rotation angle through a flip, measured on the mirrored
  // picture: on screen, the turn then goes the other way. WebGL turns, then mirrors the screen.
  const measuredOnMirror = p.mirrored && getShouldUseCPURendering();
  vp.setViewPresentation({ rotation: measuredOnMirror ? (360 - p.rotation) % 360 : p.rotation });
  if (p.mirrored) vp.setCamera({ flipHorizontal: true });
}
