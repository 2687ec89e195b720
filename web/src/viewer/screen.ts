// What the viewer shows, and the rules that change it: the layout and the series in each
// viewport, the active viewport, a document or MPR in place of the grid, a segmentation over
// one viewport, and whether the viewports scroll together. A reducer, so that every rule is
// here and tested (screen.test.ts); the page's components only send these actions.
import type { DicomJson } from '../api';
import { type SeriesInfo, isImageSeries } from '../studyData';
import type { MprTool } from './cornerstone';
import type { Hanging } from './hanging';
import { type LayoutName, assignSeries, dropSeries, viewportCount } from './layout';
import { referencedSeries } from './documents';
import type { SegOverlay } from './StackViewport';

// A segmentation drawn over the series it refers to, in one viewport.
export type ScreenSegmentation = SegOverlay & { viewport: number; imageSeries: string };

export interface Screen {
  layout: LayoutName;
  shown: (string | null)[]; // each viewport's series (or hung mammogram), null: empty
  active: number; // the viewport the toolbar and the keys act on
  document: string | null; // a report, document… in place of the grid
  mpr: string | null; // the series shown in MPR in place of the grid
  mprTool: MprTool;
  segmentation: ScreenSegmentation | null;
  linked: boolean; // the viewports scroll together
}

export const initialScreen: Screen = {
  layout: '1x1', shown: [null], active: 0, document: null, mpr: null, mprTool: 'Crosshairs', segmentation: null, linked: false,
};

// What a study opens with, once its series are listed (and its mammograms hung).
export type FirstView =
  | { kind: 'notFound' }
  | { kind: 'document'; series: string } // a study of reports or documents only: the first of them
  | { kind: 'hung'; hanging: Hanging } // mammograms, as readers hang them (hanging.ts)
  | { kind: 'series'; shown: (string | null)[] }; // anything else: its first image series

export type ScreenAction =
  | { type: 'open'; view: FirstView }
  | { type: 'layout'; layout: LayoutName; series: string[] } // series: the study's image series, in order
  | { type: 'activate'; viewport: number }
  | { type: 'drop'; viewport: number; series: string } // dragged onto a viewport, or a prior's card opened
  | { type: 'openSeries'; viewport: number; series: string } // one of the study's image series opened from its card
  | { type: 'openDocument'; series: string }
  | { type: 'compare'; left: string | null; right: string }
  | { type: 'toggleMpr' }
  | { type: 'mprTool'; tool: MprTool }
  | { type: 'toggleLink' }
  | { type: 'showSegmentation'; segmentation: ScreenSegmentation }
  | { type: 'segmentationAsDocument'; series: string } // none of the images it was drawn on is in the study
  | { type: 'closeSegmentation' };

export function hasMammograms(images: SeriesInfo[]): boolean {
  return images.some((s) => s.modality === 'MG');
}

// `all`: the study's series; `images`: those of them with images; `hung`: its mammograms' hanging.
export function firstView(all: SeriesInfo[], images: SeriesInfo[], hung: Hanging | null): FirstView {
  if (all.length === 0) return { kind: 'notFound' };
  if (images.length === 0) return { kind: 'document', series: all[0].uid };
  if (hung) return { kind: 'hung', hanging: hung };
  return { kind: 'series', shown: assignSeries([], '1x1', images.map((s) => s.uid)) };
}

// A prior beside the series of the active viewport (else the first shown, else the study's
// first): its series of the same modality, else its first. Null when the prior has none.
export function comparison(screen: Screen, series: SeriesInfo[] | null, prior: SeriesInfo[]):
  { type: 'compare'; left: string | null; right: string } | null {
  const left = screen.shown[screen.active] ?? screen.shown[0] ?? series?.[0]?.uid ?? null;
  const modality = series?.find((x) => x.uid === left)?.modality;
  const match = prior.find((x) => x.modality === modality) ?? prior[0];
  return match ? { type: 'compare', left, right: match.uid } : null;
}

// Where a segmentation series opens: its first instance drawn on an image series of this
// study, over that series; null when none is (it is then described as a document).
export function segmentationPlacement(instances: DicomJson[], series: SeriesInfo[] | null):
  { meta: DicomJson; imageSeries: string } | null {
  const imagesHere = (m: DicomJson) => referencedSeries(m).find((r) => series?.some((x) => x.uid === r && isImageSeries(x)));
  const meta = instances.find(imagesHere) ?? instances[0];
  const imageSeries = meta && imagesHere(meta);
  return meta && imageSeries ? { meta, imageSeries } : null;
}

export function screenReducer(s: Screen, a: ScreenAction): Screen {
  switch (a.type) {
    case 'open':
      switch (a.view.kind) {
        case 'document':
          return { ...s, document: a.view.series };
        case 'hung':
          return { ...s, layout: a.view.hanging.layout, shown: a.view.hanging.viewports.map((v) => v.key) };
        case 'series':
          return { ...s, shown: a.view.shown };
        default:
          return s;
      }
    case 'layout':
      // Viewports keep what they showed; new ones get the next series not on screen.
      return { ...s, layout: a.layout, shown: assignSeries(s.shown, a.layout, a.series),
        active: Math.min(s.active, viewportCount(a.layout) - 1) };
    case 'activate':
      return s.active === a.viewport ? s : { ...s, active: a.viewport };
    case 'drop':
      return { ...s, shown: dropSeries(s.shown, a.viewport, a.series) };
    case 'openSeries':
      return { ...s, document: null, shown: dropSeries(s.shown, a.viewport, a.series) };
    case 'openDocument':
      return { ...s, document: a.series };
    case 'compare':
      return { ...s, layout: '1x2', shown: [a.left, a.right], active: 0, linked: true };
    case 'toggleMpr':
      // In MPR the left button starts with the crosshairs.
      return { ...s, mprTool: 'Crosshairs', mpr: s.mpr === null ? s.shown[s.active] : null };
    case 'mprTool':
      return { ...s, mprTool: a.tool };
    case 'toggleLink':
      return { ...s, linked: !s.linked };
    case 'showSegmentation':
      // Over its images in the viewport it was opened from, on the stacks (not in MPR).
      return { ...s, document: null, mpr: null, shown: dropSeries(s.shown, a.segmentation.viewport, a.segmentation.imageSeries),
        segmentation: a.segmentation };
    case 'segmentationAsDocument':
      return { ...s, segmentation: null, document: a.series };
    case 'closeSegmentation':
      return { ...s, segmentation: null };
  }
}

// The series on screen, also where a viewport shows one image of it (a hung mammogram):
// `seriesOf` names the series of a viewport's stack.
export function seriesOnScreen(shown: (string | null)[], seriesOf: (key: string) => string): Set<string> {
  return new Set(shown.flatMap((k) => (k ? [k, seriesOf(k)] : [])));
}

// Whether one of the study's series is marked on screen in the series panel: the document
// shown, else a series in a viewport (`onScreen`) or the segmentation drawn over one.
export function seriesMarked(screen: Screen, onScreen: Set<string>, uid: string): boolean {
  return screen.document ? screen.document === uid : onScreen.has(uid) || screen.segmentation?.series === uid;
}
