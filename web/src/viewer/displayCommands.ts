// What the toolbar's display commands do to any viewport, a stack or an MPR plane: the image's
// window presets (as the Window… menu lists them), invert, fit, reset. Rotation, flips and cine
// are the stack's own (StackViewport.tsx).
import type { Types } from '@cornerstonejs/core';
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
