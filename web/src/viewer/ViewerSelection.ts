// What a report editor beside the viewer reads from it (ViewerPage's `aside`, or any component
// under ViewerPage):
//
//   const selection = useViewerSelection();
//   selection.measurements(); // ViewerMeasurement[]: every length, angle, region, probe and
//                             // arrow drawn now, with its values and units and the image it is
//                             // on (study, series, SOP Instance UID, frame); the study's and
//                             // those of a prior compared with it (filter on .image.study)
//   selection.currentImage(); // KeyImageRef | null: the image the active viewport shows, as a
//                             // key image, with the window it is shown in; null in MPR, on a
//                             // document, or while that viewport's image is still loading or
//                             // cannot be shown
//   const stop = selection.onMeasurementsChange(() => …); // drawn, changed or removed
//
// The functions read the viewer as it is when called, and keep their identity for the page's
// lifetime: calling them re-renders nothing (a live list subscribes with onMeasurementsChange).
// Outside a viewer, they answer nothing. Types and rules: selection.ts; the page's side:
// useViewerSelectionSource.ts. This module imports no Cornerstone, so that an editor imports
// it without pulling the viewer's code into its own chunk.
import { createContext, useContext } from 'react';
import type { KeyImageRef, ViewerMeasurement } from './selection';

export type { ImageRef, KeyImageRef, MeasuredValue, ViewerMeasurement } from './selection';

export interface ViewerSelection {
  measurements(): ViewerMeasurement[];
  currentImage(): KeyImageRef | null;
  onMeasurementsChange(listener: () => void): () => void;
  // Why nothing can be taken from the images now (an i18n key), where that is not simply that
  // nothing is drawn or shown: another window showing another exam. Absent or null: it can.
  unavailable?(): string | null;
}

// Outside a viewer.
export const NO_SELECTION: ViewerSelection = { measurements: () => [], currentImage: () => null,
  onMeasurementsChange: () => () => undefined };

export const ViewerSelectionContext = createContext<ViewerSelection>(NO_SELECTION);

export function useViewerSelection(): ViewerSelection {
  return useContext(ViewerSelectionContext);
}
