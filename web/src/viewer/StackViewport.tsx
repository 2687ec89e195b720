// One stack viewport: a series (or a multi-frame object) scrolled image by image, with its
// text overlays, a scrollbar, keyboard navigation, and the series loaded in the background
// from the image on screen outwards.
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Enums, type RenderingEngine, type Types, cache, eventTarget, imageLoader, utilities as csUtilities } from '@cornerstonejs/core';
import { utilities as toolUtilities } from '@cornerstonejs/tools';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import { Tag, number, numbers, text } from '../dicom';
import { type AiFinding, findingLabel, findingsOn, outline } from './ai';
import { screenAxes, stackToolGroup } from './cornerstone';
import { calibrationNote, imageCalibration } from './calibration';
import { streamSeries } from './frameLoader';
import { type OverlayMode, cornerTexts, scaleBar } from './overlays';
import { type Markers, type Vec3, imageMarkers, mammoLabel, patientFrame, toImageAxes } from './orientation';
import { presetFromRange } from './presets';
import { imageFailureText } from './messages';
import { cineRate } from './cine';
import { type Presentation, applyDisplayCommand, nextPresentation, present } from './displayCommands';
import { loadOrder, type StackImage, stackGeometry } from './series';
import type { SliceLink } from './sliceLink';
import type { DicomJson } from '../api';
import { segmentsOf } from './segments';
import { type LoadedSegmentation, loadSegmentation, paintSegmentation, segmentRgb } from './segmentation';

// A segmentation to draw over this stack (a DICOM SEG whose referenced series this is).
export interface SegOverlay {
  study: string;
  series: string;
  sop: string;
  meta: DicomJson;
}

export interface ViewportCommand {
  kind: 'preset' | 'invert' | 'rotate' | 'flipH' | 'flipV' | 'fit' | 'reset' | 'cine';
  value?: number;
  seq: number;
  viewport: number;
}

const PREFETCH_CONNECTIONS = 6; // what a browser opens to one origin over HTTP/1.1
const PROGRESS_STEP = 10;
const REST_WITHIN_MS = 2000; // the rest of the series loads by then even if nothing was drawn

interface Props {
  engine: RenderingEngine;
  viewportId: string;
  images: StackImage[];
  seriesUid: string;
  onProgress: (seriesUid: string, loaded: number) => void;
  onSettled: () => void; // the first image is on the canvas, or cannot be shown
  command: ViewportCommand | null;
  overlay: OverlayMode;
  findings: AiFinding[] | null; // the AI layer, when shown
  link: SliceLink; // scrolling together with the other viewports, when linked
  cineFps: number | null; // the reader's cine rate; null: the object's own
  mirrored?: boolean; // hung mirrored left-right (mammograms), also after a reset
  segmentation?: SegOverlay | null;
  onCloseSegmentation?: () => void;
}

const SCALE_BAR_MAX_PX = 120;

// Memoized: the page re-renders as series load; a viewport re-renders only for its own props.
export const StackViewport = memo(function StackViewport({ engine, viewportId, images, seriesUid, onProgress, onSettled, command, overlay, findings, link, cineFps, mirrored = false, segmentation = null, onCloseSegmentation }: Props) {
  const { t } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const viewport = useRef<Types.IStackViewport | null>(null);
  const [index, setIndex] = useState(0); // the position asked for (shown, or refused with a notice)
  const [rendered, setRendered] = useState(-1); // the position on the canvas
  const requested = useRef(0);
  const linkTarget = useRef<number | null>(null); // where the link sent this viewport
  const goRef = useRef<(i: number) => void>(() => undefined);
  const [window, setWindow] = useState<{ center: number; width: number } | null>(null);
  const [notice, setNotice] = useState('');
  const [playing, setPlaying] = useState<number | null>(null); // images a second while cine plays
  const [markers, setMarkers] = useState<Markers | null>(null);
  const [mmPerPixel, setMmPerPixel] = useState(0);
  const [view, setView] = useState(''); // the camera and canvas size, to redraw what follows the image
  const presentation = useRef<Presentation>({ rotation: 0, mirrored }); // rotation and flips
  const [stackReady, setStackReady] = useState(false);

  useEffect(() => {
    const el = element.current!;
    const imageIds = images.map((i) => i.imageId);
    const indexOf = new Map(imageIds.map((id, i) => [id, i]));
    for (const im of images) wadors.metaDataManager.add(im.imageId, im.metadata as never);
    engine.enableElement({
      viewportId,
      type: Enums.ViewportType.STACK,
      element: el,
      defaultOptions: { background: [0, 0, 0] as Types.Point3 },
    });
    const vp = engine.getViewport(viewportId) as Types.IStackViewport;
    viewport.current = vp;
    stackToolGroup().addViewport(viewportId, engine.id);

    const onNewImage = (e: Event) => {
      const i = (e as CustomEvent).detail.imageIdIndex;
      // The reader moved this viewport (not the link): the linked ones follow.
      if (linkTarget.current === i) linkTarget.current = null;
      else link.moved(viewportId, i);
      requested.current = i;
      setIndex(i);
      setRendered(i);
      setNotice('');
    };
    const onVoi = (e: Event) => {
      const range = (e as CustomEvent).detail.range;
      if (range) setWindow(presetFromRange(range.lower, range.upper));
    };
    // Orientation letters and the scale bar follow the camera (zoom, rotation, flips).
    // Called on every render (scrolling, cine, W/L); the page updates only when the camera
    // moved, the image changed or the viewport changed size.
    let lastView = '';
    const onCamera = () => {
      const data = vp.getImageData();
      if (!data) return;
      const camera = vp.getCamera();
      const axes = screenAxes(vp);
      // The image on the canvas, not the one asked for: Cornerstone moves its index before the
      // next image has loaded (or when it fails), while the old picture stays.
      const shownId = vp.getCornerstoneImage?.()?.imageId;
      const current = shownId ? indexOf.get(shownId) ?? -1 : -1;
      const key = JSON.stringify([camera.focalPoint, camera.parallelScale, axes, el.clientWidth, el.clientHeight, current]);
      if (key === lastView) return;
      lastView = key;
      setView(key);
      // The letters come from the image's own orientation (orientation.ts), never from the
      // default plane Cornerstone draws an image without one in: the screen's directions
      // are taken back to the image's rows and columns first.
      const d = data.direction;
      const row: Vec3 = [d[0], d[1], d[2]];
      const column: Vec3 = [d[3], d[4], d[5]];
      const image = current >= 0 ? images[current] : undefined;
      setMarkers(image ? imageMarkers(patientFrame(image.metadata, image.frame), {
        up: toImageAxes(axes.up as Vec3, row, column),
        right: toImageAxes(axes.right as Vec3, row, column),
      }) : null);
      setMmPerPixel(axes.mmPerPixel);
    };
    const onFailed = (e: Event) => {
      const { imageId, error } = (e as CustomEvent).detail ?? {};
      if (imageId && imageId === imageIds[requested.current]) setNotice(imageFailureText(error));
    };
    el.addEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
    el.addEventListener(Enums.Events.VOI_MODIFIED, onVoi);
    el.addEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
    el.addEventListener(Enums.Events.IMAGE_RENDERED, onCamera);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_FAILED, onFailed);

    // A layout change resizes the element: the canvas must follow, or the image is drawn
    // stretched (a wrong aspect ratio on a diagnostic image).
    let size = `${el.clientWidth}x${el.clientHeight}`; // the observer also reports the first size
    const resized = new ResizeObserver(() => {
      const now = `${el.clientWidth}x${el.clientHeight}`;
      if (now === size) return;
      size = now;
      engine.resize(true, false); // fitted again to the new size
      onCamera();
    });
    resized.observe(el);

    const unlink = link.register(viewportId, {
      count: images.length,
      geometry: stackGeometry(images),
      current: () => requested.current,
      go: (i) => {
        linkTarget.current = i;
        goRef.current(i);
      },
    });

    // The first image alone, then the rest of the series: on a machine with few cores the
    // others' downloads and decoding would delay the first one's drawing.
    let cancelled = false;
    let restStarted = false;
    let restAnyway: ReturnType<typeof setTimeout> | undefined;
    const rest = () => {
      if (cancelled || restStarted) return;
      restStarted = true;
      onSettled();
      void prefetch(imageIds, () => cancelled, (n) => onProgress(seriesUid, n));
    };
    vp.setStack(imageIds, 0).then(
      () => {
        if (cancelled) return;
        setStackReady(true);
        el.addEventListener(Enums.Events.IMAGE_RENDERED, rest, { once: true });
        restAnyway = setTimeout(rest, REST_WITHIN_MS); // a viewport that draws nothing (hidden) still loads
        if (mirrored) present(vp, presentation.current);
        vp.render();
        const range = vp.getProperties().voiRange;
        if (range) setWindow(presetFromRange(range.lower, range.upper));
      },
      (err) => {
        if (!cancelled) setNotice(imageFailureText(err));
        rest();
      },
    );
    return () => {
      cancelled = true;
      setStackReady(false);
      clearTimeout(restAnyway);
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, rest);
      resized.disconnect();
      unlink();
      toolUtilities.cine.stopClip(el);
      el.removeEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
      el.removeEventListener(Enums.Events.VOI_MODIFIED, onVoi);
      el.removeEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, onCamera);
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_FAILED, onFailed);
      stackToolGroup().removeViewports(engine.id, viewportId);
      engine.disableElement(viewportId);
      viewport.current = null;
    };
    // `mirrored` is read once, as the stack opens; a reset goes back to it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, viewportId, images, seriesUid, onProgress, onSettled, link]);

  useEffect(() => {
    const vp = viewport.current;
    if (!command || !vp) return;
    const meta = images[vp.getCurrentImageIdIndex()]?.metadata;
    switch (command.kind) {
      case 'rotate':
      case 'flipH':
      case 'flipV':
        presentation.current = nextPresentation(presentation.current, command.kind);
        present(vp, presentation.current);
        break;
      case 'cine': {
        const el = element.current!;
        const rate = cineRate(meta, cineFps);
        if (playing) toolUtilities.cine.stopClip(el);
        else toolUtilities.cine.playClip(el, { framesPerSecond: rate });
        setPlaying(playing ? null : rate);
        break;
      }
      default:
        applyDisplayCommand(vp, command, meta);
        if (command.kind === 'reset') {
          // Then the picture as it was hung, from a known state.
          presentation.current = { rotation: 0, mirrored };
          present(vp, presentation.current);
        }
    }
    vp.render();
    // Only a new command acts; `playing`, `images` and `cineFps` are read as they are at that moment.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [command]);

  // A new rate from the toolbar takes effect on a playing clip at once.
  useEffect(() => {
    const el = element.current;
    if (!el || playing === null) return;
    const rate = cineRate(images[viewport.current?.getCurrentImageIdIndex() ?? 0]?.metadata, cineFps);
    if (rate === playing) return;
    toolUtilities.cine.stopClip(el);
    toolUtilities.cine.playClip(el, { framesPerSecond: rate });
    setPlaying(rate);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cineFps]);

  const go = (i: number) => {
    const vp = viewport.current;
    if (!vp) return;
    const target = Math.min(Math.max(i, 0), images.length - 1);
    requested.current = target;
    setIndex(target);
    setNotice('');
    vp.setImageIdIndex(target).catch((err: unknown) => {
      if (requested.current === target) setNotice(imageFailureText(err));
    });
  };
  goRef.current = go;
  const onKey = (e: React.KeyboardEvent) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
    if (e.key in step) go(index + step[e.key]);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(images.length - 1);
    else return;
    e.preventDefault();
  };

  const meta = images[index]?.metadata ?? images[0]?.metadata ?? {};
  const calibration = imageCalibration(meta);
  const note = calibrationNote(calibration);
  const corners = cornerTexts(meta, overlay);
  const frame = images[index]?.frame && images.length > 1 && number(meta, Tag.NumberOfFrames)
    ? t('viewer.viewport.frame', { frame: images[index].frame }) : '';
  const bar = calibration && overlay !== 'off' ? scaleBar(mmPerPixel, SCALE_BAR_MAX_PX) : null;
  const mammo = mammoLabel(meta);
  return (
    <>
      <div ref={element} className="element" tabIndex={0} onKeyDown={onKey} onContextMenu={(e) => e.preventDefault()}
        data-series={seriesUid} data-rendered={rendered} />
      <div className="overlay tl" data-testid="patient-overlay">{corners.tl.join('\n')}</div>
      <div className="overlay tr">
        {mammo && overlay !== 'off' && <div className="mammo-view" data-testid="mammo-view">{mammo}</div>}
        <div data-testid="image-index">{[...corners.tr, `${t('viewer.viewport.index', { index: index + 1, total: images.length })}${frame}`,
          playing ? t('viewer.viewport.cine', { rate: Math.round(playing) }) : ''].filter(Boolean).join('\n')}</div>
      </div>
      <div className="overlay bl" data-testid="window">
        {[...corners.bl, window && overlay !== 'off' ? t('viewer.viewport.window', { width: Math.round(window.width), center: Math.round(window.center) })
          : ''].filter(Boolean).join('\n')}
      </div>
      {markers && overlay !== 'off' && (['top', 'bottom', 'left', 'right'] as const).map((edge) => (
        <div key={edge} className={`marker ${edge}`} data-testid={`orientation-${edge}`}>{markers[edge]}</div>
      ))}
      {findings && viewport.current && (
        <AiLayer findings={findingsOn(findings, text(meta, Tag.SOPInstanceUID), images[index]?.frame ?? 1)}
          viewport={viewport.current} imageId={images[index]?.imageId} view={view} />
      )}
      {segmentation && stackReady && viewport.current && (
        <SegmentationLayer key={segmentation.sop} viewport={viewport.current} images={images} seg={segmentation}
          rendered={rendered} view={view} onFirstImage={(i) => go(i)} onClose={onCloseSegmentation} />
      )}
      {bar && (
        <div className="scalebar" data-testid="scale-bar" data-mm-per-pixel={mmPerPixel}>
          <div style={{ width: `${bar.pixels}px` }} />
          <span>{bar.label}</span>
        </div>
      )}
      {note && <div className="calibration" role="note">{note}</div>}
      <div className="scrollbar">
        <input type="range" aria-label={t('viewer.viewport.image')} min={0} max={Math.max(0, images.length - 1)} value={index}
          onChange={(e) => go(Number(e.target.value))} />
      </div>
      {/* A refused image must not leave the previous one on screen, where it would pass for it. */}
      {notice && <div className="cover" />}
      {notice && <div className="notice" role="alert">{notice}</div>}
    </>
  );
});

// The rest of the series: in one stream when the archive offers it, then whatever it did not
// bring one request each, from the image on screen outwards.
async function prefetch(imageIds: string[], cancelled: () => boolean, progress: (loaded: number) => void) {
  let loaded = imageIds.filter((id) => cache.getImageLoadObject(id)).length;
  // The progress bar moves in steps: one page update per image would re-render the page
  // hundreds of times while the series loads.
  const count = () => {
    if (++loaded % PROGRESS_STEP === 0 || loaded === imageIds.length) progress(loaded);
  };
  const decoding: Promise<unknown>[] = [];
  const left = new Set(await streamSeries(imageIds, cancelled, (_, load) => {
    decoding.push(load.catch(() => undefined).then(count)); // a failure is shown when that image is on screen
  }));
  await Promise.all(decoding);
  const order = loadOrder(imageIds.length, 0).filter((i) => left.has(imageIds[i]));
  let next = 0;
  const worker = async () => {
    while (!cancelled() && next < order.length) {
      const id = imageIds[order[next++]];
      try {
        await imageLoader.loadAndCacheImage(id);
      } catch {
        // shown when that image is on screen
      }
      count();
    }
  };
  await Promise.all(Array.from({ length: PREFETCH_CONNECTIONS }, worker));
}

// The AI suggestions on the image on screen, outlined in image coordinates and placed through
// the camera, so that they follow zoom, pan, rotation and flips.
function AiLayer({ findings, viewport, imageId, view }: {
  findings: AiFinding[];
  viewport: Types.IStackViewport;
  imageId: string | undefined;
  view: string;
}) {
  const { t } = useTranslation();
  void view; // redrawn when the camera changes
  if (!imageId) return null;
  const toCanvas = (p: [number, number]) => viewport.worldToCanvas(csUtilities.imageToWorldCoords(imageId, p) as Types.Point3);
  return (
    <>
      <svg className="ai-layer" data-testid="ai-layer">
        {findings.map((f) => {
          const points = outline(f).map(toCanvas);
          const [x, y] = points.reduce((a, p) => [Math.min(a[0], p[0]), Math.min(a[1], p[1])], [Infinity, Infinity]);
          return (
            <g key={f.id} data-finding={f.id}>
              <title>{`${findingLabel(f)}${f.model ? ` (${f.model})` : ''}`}</title>
              {f.shape === 'point'
                ? <circle cx={points[0][0]} cy={points[0][1]} r={8} />
                : <polygon points={points.map((p) => p.join(',')).join(' ')} />}
              <text x={x} y={y - 6}>{findingLabel(f)}</text>
            </g>
          );
        })}
      </svg>
      <div className="ai-badge" data-testid="ai-badge">{t('viewer.ai.badge')}</div>
    </>
  );
}

type SegState =
  | { state: 'loading' }
  | { state: 'failed'; text: string }
  | { state: 'shown'; loaded: LoadedSegmentation; colours: Map<number, [number, number, number]>; notes: string[] };

// A segmentation over the stack, with a legend that shows or hides each segment. The stack moves
// to the first image the segmentation covers, where the reader sees it at once.
function SegmentationLayer({ viewport, images, seg, rendered, view, onFirstImage, onClose }: {
  viewport: Types.IStackViewport;
  images: StackImage[];
  seg: SegOverlay;
  rendered: number; // the stack position on the canvas
  view: string; // the camera and canvas size: repainted when they change
  onFirstImage: (index: number) => void;
  onClose?: () => void;
}) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<SegState>({ state: 'loading' });
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  const [overlap, setOverlap] = useState(false);
  const segments = useMemo(() => segmentsOf(seg.meta), [seg]);
  const grid = images[0]?.metadata ?? {};
  const [rows, columns] = [number(grid, Tag.Rows) ?? 0, number(grid, Tag.Columns) ?? 0];
  useEffect(() => {
    let gone = false;
    const slots = images.map((im) => stackSlot(im));
    loadSegmentation(seg.meta, slots, rows, columns).then((loaded) => {
      if (gone) return;
      const notes = loaded.unplaced ? [t('viewer.segmentation.unplaced', { count: loaded.unplaced })] : [];
      setState({ state: 'shown', loaded, notes, colours: new Map(segments.map((s, i) => [s.index, segmentRgb(s, i)])) });
      const firstCovered = Math.min(...loaded.byImage.keys());
      if (Number.isFinite(firstCovered)) onFirstImage(firstCovered);
    }, (e: unknown) => !gone && setState({ state: 'failed',
      text: t('viewer.segmentation.cannotShow', { error: (e as Error).message ?? e }) }));
    return () => {
      gone = true;
    };
    // Read once per segmentation and stack; onFirstImage is the viewport's own `go`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [images, seg]);

  const imageId = images[rendered]?.imageId;
  useEffect(() => {
    if (!canvas.current || state.state !== 'shown' || !imageId) return;
    if (paintSegmentation(canvas.current, viewport, imageId, state.loaded, rendered, state.colours, hidden)) setOverlap(true);
  }, [state, hidden, rendered, imageId, view, viewport]);

  const toggle = (index: number, visible: boolean) => setHidden((h) => {
    const next = new Set(h);
    if (visible) next.delete(index);
    else next.add(index);
    return next;
  });

  return (
    <>
      <canvas ref={canvas} className="seg-layer" data-testid="seg-layer" />
      <div className="seg-legend" data-testid="seg-legend" data-state={state.state}>
        <div className="seg-title">
          <strong>{t('viewer.segmentation.title')}</strong>
          {onClose && <button type="button" className="link" onClick={onClose}>{t('viewer.segmentation.hide')}</button>}
        </div>
        {state.state === 'loading' && <div>{t('app.loading')}</div>}
        {state.state === 'failed' && <div role="alert">{state.text}</div>}
        {state.state === 'shown' && (
          <>
            {segments.map((s) => (
              <label key={s.index} data-segment={s.index}>
                <input type="checkbox" checked={!hidden.has(s.index)} onChange={(e) => toggle(s.index, e.target.checked)} />
                <span className="swatch" style={{ background: `rgb(${state.colours.get(s.index)?.join(',')})` }} aria-hidden="true" />
                {s.label}
              </label>
            ))}
            {state.notes.map((n) => <div key={n} role="note">{n}</div>)}
            {overlap && <div role="note">{t('viewer.segmentation.overlap')}</div>}
          </>
        )}
      </div>
    </>
  );
}

// What a segmentation's frames are placed by: the image's identity, position, orientation and
// frame of reference.
function stackSlot(im: StackImage) {
  const position = numbers(im.metadata, Tag.ImagePositionPatient);
  const orientation = numbers(im.metadata, '00200037');
  return { sop: text(im.metadata, Tag.SOPInstanceUID), frame: im.frame, position: position.length === 3 ? position : null,
    orientation: orientation.length === 6 ? orientation : null, frameOfReference: text(im.metadata, '00200052') };
}
