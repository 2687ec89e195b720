// The page's side of ViewerSelection.ts: the selection read from Cornerstone's annotation
// state and from the stack viewport the reader works in.
import { useEffect, useMemo, useRef } from 'react';
import { type RenderingEngine, type Types, eventTarget } from '@cornerstonejs/core';
import { Enums as ToolEnums, annotation } from '@cornerstonejs/tools';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import type { DicomJson } from '../api';
import { imageCalibration } from './calibration';
import { presetFromRange } from './presets';
import { type AnnotationLike, type SpacingSource, imageRef, measurementsOf, stackViewportId } from './selection';
import type { ViewerSelection } from './ViewerSelection';

const CHANGES = [ToolEnums.Events.ANNOTATION_COMPLETED, ToolEnums.Events.ANNOTATION_MODIFIED, ToolEnums.Events.ANNOTATION_REMOVED];

function spacingOf(imageId: string): SpacingSource | null {
  const ds = wadors.metaDataManager.get(imageId) as DicomJson | undefined;
  return (ds && imageCalibration(ds)?.source) ?? null;
}

// The selection of `engine`'s stack viewports, `active` the one the reader works in.
export function useViewerSelectionSource(engine: RenderingEngine | null, active: number): ViewerSelection {
  const now = useRef({ engine, active });
  useEffect(() => {
    now.current = { engine, active };
  }, [engine, active]);
  return useMemo(() => ({
    measurements: () => measurementsOf(annotation.state.getAllAnnotations() as AnnotationLike[], spacingOf),
    currentImage: () => {
      const { engine: e, active: i } = now.current;
      const vp = e?.getViewport(stackViewportId(i)) as Types.IStackViewport | undefined;
      if (!vp || typeof vp.getCurrentImageId !== 'function') return null;
      // The image on the canvas, and only when it is the one asked for: a refused image is
      // covered, and one still loading is not yet drawn (StackViewport.tsx).
      const drawn = vp.getCornerstoneImage?.()?.imageId;
      const ref = drawn && drawn === vp.getCurrentImageId() ? imageRef(drawn) : null;
      if (!ref) return null;
      const range = vp.getProperties().voiRange;
      return { ...ref, window: range ? presetFromRange(range.lower, range.upper) : null };
    },
    onMeasurementsChange: (listener: () => void) => {
      for (const e of CHANGES) eventTarget.addEventListener(e, listener);
      return () => {
        for (const e of CHANGES) eventTarget.removeEventListener(e, listener);
      };
    },
  }), []);
}
