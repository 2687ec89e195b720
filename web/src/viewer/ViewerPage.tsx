// The diagnostic viewer: a study's series (thumbnails, modality, counts) beside a grid of
// stack viewports. The first image of the first series is asked for before anything else
// and drawn as soon as it arrives; the rest of each shown series loads in the background
// from the image on screen outwards, with its progress on the series card.
//
// This page only composes: what is on screen and its rules are screen.ts; loading, tools,
// commands, priors, AI findings and saving are hooks (use*.ts); the pieces that render are
// ViewerHeader, ViewerToolbar, SeriesPanel, ViewportGrid (or MprView, DocumentView) inside
// ViewerWorkspace, which can hold a pane beside the images (`aside`, e.g. a report editor;
// it reads the measurements and the key image through useViewerSelection, ViewerSelection.ts).
import { type ReactNode, useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { Tag, text } from '../dicom';
import type { Navigate } from '../session';
import { type SeriesInfo, isImageSeries, seriesKind } from '../studyData';
import { useMessage } from '../i18n/message';
import { AnnotationSync } from './AnnotationSync';
import { renderingEngine } from './cornerstone';
import { DocumentView } from './DocumentView';
import type { LayoutName } from './layout';
import { MprView } from './MprView';
import { comparison, initialScreen, screenReducer, seriesMarked, seriesOnScreen } from './screen';
import { SeriesPanel } from './SeriesPanel';
import { SliceLink } from './sliceLink';
import { useAiFindings } from './useAiFindings';
import { useDisplayCommands, useOverlayMode } from './useDisplay';
import { usePriors } from './usePriors';
import { useSaving } from './useSaving';
import { useSegmentationOpener } from './useSegmentation';
import { type Opening, useRenderingEngine, useSettled, useStacks, useStudySeries } from './useStudy';
import { FIRST_TOOL, useToolGroup } from './useTools';
import { ViewerHeader, StudyNotFound } from './ViewerHeader';
import { ViewerSelectionContext } from './ViewerSelection';
import { useViewerSelectionSource } from './useViewerSelectionSource';
import { SimpleToolbar, StaffToolbar } from './ViewerToolbar';
import { ViewerWorkspace } from './ViewerWorkspace';
import { ViewportGrid } from './ViewportGrid';
import { warmUpPipeline } from './warmUp';

// Called by the worklist while it is idle, so that opening a study finds Cornerstone ready
// and its drawing path run once.
export function warmUp(): void {
  void renderingEngine().then(warmUpPipeline);
}

export interface ViewerPageProps {
  study: string;
  navigate: Navigate;
  // The patient's viewer: scrolling, window presets, zoom, pan and full screen; none of the
  // staff's tools (measurements, MPR, saving into the study, AI, priors, layouts).
  simple?: boolean;
  aside?: ReactNode; // a pane right of the images, behind a divider the reader moves (ViewerWorkspace.tsx)
  back?: string; // where the way back leads: the list the study was opened from ('/' by default)
  asideLabel?: string; // what that pane is, for assistive technology
  // What runs with the viewer and draws nothing, under its ViewerSelectionContext (what tells the
  // report in another window what the viewer shows, reporting/useImagesWindow.ts).
  children?: ReactNode;
  // Shown in place of the images when the archive has none of the study (by default, that it was
  // not found): an exam being reported whose images have not arrived yet says so in its own words.
  missing?: ReactNode;
}

export default function ViewerPage({ study, navigate, simple = false, aside, asideLabel, back = '/', children,
  missing: missingText }: ViewerPageProps) {
  const [error, setError] = useMessage();
  const engine = useRenderingEngine(setError);
  const { settled, onSettled } = useSettled(study);
  const [screen, dispatch] = useReducer(screenReducer, initialScreen);
  const images = useStacks(study, screen.shown, onSettled, setError);
  const { hang } = images;
  const open = useCallback((view: Opening) => {
    if (view.kind === 'hung') hang(view.hanging);
    dispatch({ type: 'open', view });
    if (view.kind === 'document') onSettled();
  }, [hang, onSettled]);
  const { series, notFound } = useStudySeries(study, open, setError);
  const priors = usePriors(study, images.patient, settled, simple);
  const ai = useAiFindings(study, settled, simple);
  const { canStore, canExport, saveState, onSaveState, sr } = useSaving(study, settled, simple, images.stacks);
  const tools = useToolGroup(engine, simple ? FIRST_TOOL.patient : FIRST_TOOL.staff);
  const display = useDisplayCommands(screen.active, screen.mpr !== null);
  const [overlay, setOverlay] = useOverlayMode();
  const link = useMemo(() => new SliceLink(), []);
  useEffect(() => link.setEnabled(screen.linked), [link, screen.linked]);
  const openSegmentation = useSegmentationOpener(study, series, screen.active, dispatch, setError);
  const closeSegmentation = useCallback(() => dispatch({ type: 'closeSegmentation' }), []);
  const selection = useViewerSelectionSource(engine, screen.active);
  const grid = useRef<HTMLElement>(null);

  // A prior beside the current series, scrolling together (screen.ts, comparison).
  const compare = async (prior: string) => {
    try {
      const list = await priors.load(prior);
      images.fromStudy(prior, list.map((s) => s.uid));
      const action = comparison(screen, series, list);
      if (action) dispatch(action);
    } catch (e) {
      setError('viewer.failed.prior', { error: (e as Error).message });
    }
  };
  const openSeries = (s: SeriesInfo) => {
    if (seriesKind(s.modality) === 'segmentation') return void openSegmentation(s.uid);
    if (!isImageSeries(s)) return dispatch({ type: 'openDocument', series: s.uid });
    dispatch({ type: 'openSeries', viewport: screen.active, series: s.uid });
  };
  const changeLayout = (layout: LayoutName) =>
    dispatch({ type: 'layout', layout, series: (series ?? []).filter(isImageSeries).map((s) => s.uid) });

  // Without its images, a pane beside them (a report to write) still opens.
  if (notFound) {
    const missing = missingText ?? <StudyNotFound navigate={navigate} back={back} />;
    return (
      <>
        {children}
        {aside ? <div className="viewer no-images"><ViewerWorkspace aside={aside} asideLabel={asideLabel}>{missing}</ViewerWorkspace></div> : missing}
      </>
    );
  }
  const { stacks } = images;
  const onScreen = seriesOnScreen(screen.shown, (k) => text(stacks[k]?.[0]?.metadata ?? {}, Tag.SeriesInstanceUID));
  const documentShown = screen.document ? series?.find((s) => s.uid === screen.document) : undefined;
  const here = screen.shown[screen.active];
  return (
    <ViewerSelectionContext value={selection}>
      {children}
      <div className="viewer">
        {/* The user's measurements on the study and on each prior compared with it. */}
        {engine && settled && !simple && [study, ...Object.keys(priors.priorSeries)].map((uid) => (
          <AnnotationSync key={uid} engine={engine} study={uid} onState={onSaveState} />
        ))}
        <ViewerHeader study={study} navigate={navigate} back={back} simple={simple} patient={images.patient} overlay={overlay}
          canExport={canExport} saveState={saveState} exported={sr}>
          {/* A report or document has nothing for the image tools to act on. */}
          {!screen.document && (simple
            ? <SimpleToolbar images={here ? stacks[here] : undefined} tools={tools} send={display.send}
              onFullScreen={() => void grid.current?.requestFullscreen?.()} />
            : <StaffToolbar screen={screen} dispatch={dispatch} stacks={stacks} tools={tools} display={display} sr={sr}
              canStore={canStore} ai={ai} overlay={overlay} onOverlay={setOverlay} onLayout={changeLayout} />)}
        </ViewerHeader>
        <SeriesPanel study={study} series={series} stacks={stacks} progress={images.progress} thumbnails={settled}
          isActive={(uid) => seriesMarked(screen, onScreen, uid)} isPriorActive={(uid) => screen.shown.includes(uid)}
          onOpen={openSeries} priors={priors.priors} priorSeries={priors.priorSeries} onCompare={(uid) => void compare(uid)}
          onOpenPrior={(uid) => dispatch({ type: 'drop', viewport: screen.active, series: uid })} />
        <ViewerWorkspace aside={aside} asideLabel={asideLabel}>
          {documentShown ? (
            <DocumentView study={study} series={documentShown} onLoaded={(list) => list[0] && images.notePatient(list[0])} />
          ) : screen.mpr && engine && stacks[screen.mpr]?.length ? (
            <MprView engine={engine} images={stacks[screen.mpr]} seriesUid={screen.mpr} tool={screen.mprTool} command={display.command} />
          ) : (
            <ViewportGrid gridRef={grid} engine={engine} screen={screen} images={images} error={error} command={display.command}
              overlay={overlay} findings={ai.shown ? ai.findings : null} link={link} cineFps={display.cineFps}
              onSettled={onSettled} onActivate={(i) => dispatch({ type: 'activate', viewport: i })}
              onDrop={(i, uid) => dispatch({ type: 'drop', viewport: i, series: uid })} onCloseSegmentation={closeSegmentation} />
          )}
        </ViewerWorkspace>
      </div>
    </ViewerSelectionContext>
  );
}
