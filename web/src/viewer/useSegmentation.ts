// A segmentation opens over the images it was drawn on, in the active viewport; without them
// in this study, it is described instead (as a document). Only the last one asked for opens.
import { useCallback, useRef } from 'react';
import { Tag, text } from '../dicom';
import { type SeriesInfo, seriesMetadata } from '../studyData';
import { type ScreenAction, segmentationPlacement } from './screen';
import type { Say } from './useStudy';

export function useSegmentationOpener(study: string, series: SeriesInfo[] | null, viewport: number,
  dispatch: (a: ScreenAction) => void, say: Say): (uid: string) => Promise<void> {
  const asked = useRef(0);
  return useCallback(async (uid: string) => {
    const mine = ++asked.current;
    try {
      // (A series of several segmentations opens its first that refers to images here.)
      const instances = await seriesMetadata(study, uid);
      if (mine !== asked.current) return; // another was asked for since
      const placed = segmentationPlacement(instances, series);
      if (!placed) return dispatch({ type: 'segmentationAsDocument', series: uid });
      dispatch({ type: 'showSegmentation', segmentation: { study, series: uid, sop: text(placed.meta, Tag.SOPInstanceUID),
        meta: placed.meta, viewport, imageSeries: placed.imageSeries } });
    } catch (e) {
      say('viewer.failed.segmentation', { error: (e as Error).message });
    }
  }, [study, series, viewport, dispatch, say]);
}
