// The diagnostic viewer: a study's series (thumbnails, modality, counts) beside a grid of
// stack viewports. The first image of the first series is asked for before anything else
// and drawn as soon as it arrives; the rest of each shown series loads in the background
// from the image on screen outwards, with its progress on the series card.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RenderingEngine } from '@cornerstonejs/core';
import { WindowLevelTool, PanTool, ZoomTool, Enums as ToolEnums } from '@cornerstonejs/tools';
import { ApiError, type DicomJson, aiFindings, currentSession } from '../api';
import type { Navigate } from '../session';
import { Tag, formatDate, text, values } from '../dicom';
import { DICOMWEB_ROOT as ROOT, type SeriesInfo, isImageSeries, otherStudies, seriesKind, seriesMetadata, seriesOf } from '../studyData';
import { DocumentView } from './DocumentView';
import { DownloadLinks } from '../PatientHome';
import { hasPixels, kindName, notAnImage, referencedSeries, seriesLabel } from './documents';
import { type AiFinding, type ParsedFindings, parseFindings } from './ai';
import { studyAnnotations, syncAnnotations } from './annotations';
import { type SaveState, type StudySave, combinedSaveState } from './saveState';
import { MEASUREMENT_TOOLS, type MprTool, renderingEngine, stackToolGroup } from './cornerstone';
import { type LayoutName, LAYOUTS, assignSeries, dropSeries } from './layout';
import { type Hanging, mammoHanging } from './hanging';
import { type OverlayMode, OVERLAY_MODES, saveOverlayMode, savedOverlayMode } from './overlays';
import { presetsForImage } from './presets';
import { type StackImage, stackImages, volumeEligible } from './series';
import { MprView } from './MprView';
import { SliceLink } from './sliceLink';
import { type SegOverlay, StackViewport, type ViewportCommand } from './StackViewport';
import { isEditing, shortcutFor } from './shortcuts';
import { CINE_RATES } from './cine';
import { warmUpPipeline } from './warmUp';
import { useAllergies } from '../ris/allergies';
import { AllergiesUnknownBadge, ContrastAllergyBadge } from '../ris/PatientBadges';
import type { en } from '../i18n/en';
import { useMessage } from '../i18n/message';

const SETTLE_WITHIN_MS = 3000; // secondary requests go out by then whatever the first image does

type ToolWord = keyof typeof en.viewer.tools;

// Each tool's words in the toolbar (viewer.tools); a tool without them shows its Cornerstone name.
const TOOL_WORDS: Record<string, ToolWord> = {
  [WindowLevelTool.toolName]: 'windowLevel', [PanTool.toolName]: 'pan', [ZoomTool.toolName]: 'zoom',
  Length: 'length', Angle: 'angle', CobbAngle: 'cobb', EllipticalROI: 'ellipse', RectangleROI: 'rectangle',
  Probe: 'probe', ArrowAnnotate: 'arrow',
};

const PRIMARY_TOOLS = [WindowLevelTool.toolName, PanTool.toolName, ZoomTool.toolName, ...MEASUREMENT_TOOLS.map((t) => t.toolName)]
  .map((name) => ({ name, label: TOOL_WORDS[name] as ToolWord | undefined }));

// Called by the worklist while it is idle, so that opening a study finds Cornerstone ready
// and its drawing path run once.
export function warmUp(): void {
  void renderingEngine().then(warmUpPipeline);
}

function useToolGroup(engine: RenderingEngine | null, first: string) {
  const [active, setActive] = useState<string>(first);
  const choose = useCallback((name: string) => {
    const group = stackToolGroup();
    const { Primary, Auxiliary, Secondary } = ToolEnums.MouseBindings;
    // The left button does the chosen tool; the others keep pan (middle) and zoom (right).
    for (const tool of PRIMARY_TOOLS) {
      if (tool.name === name) continue;
      if (tool.name === PanTool.toolName) group.setToolActive(tool.name, { bindings: [{ mouseButton: Auxiliary }] });
      else if (tool.name === ZoomTool.toolName) group.setToolActive(tool.name, { bindings: [{ mouseButton: Secondary }] });
      else group.setToolPassive(tool.name);
    }
    group.setToolActive(name, { bindings: [{ mouseButton: Primary }] });
    setActive(name);
  }, []);
  // A study opens with its first tool (window/level; pan for a patient) on the left button,
  // whatever the last one was left with.
  useEffect(() => {
    if (engine) choose(first);
  }, [engine, choose, first]);
  return { active, choose };
}

// `simple`: the patient's viewer: scrolling, window presets, zoom, pan and full screen; none
// of the staff's tools (measurements, MPR, saving into the study, AI, priors, layouts).
export default function ViewerPage({ study, navigate, simple = false }: { study: string; navigate: Navigate; simple?: boolean }) {
  const { t } = useTranslation();
  const [engine, setEngine] = useState<RenderingEngine | null>(null);
  const [series, setSeries] = useState<SeriesInfo[] | null>(null);
  const [stacks, setStacks] = useState<Record<string, StackImage[]>>({});
  const [progress, setProgress] = useState<Record<string, number>>({});
  const [layout, setLayout] = useState<LayoutName>('1x1');
  const [shown, setShown] = useState<(string | null)[]>([null]);
  const [mirrored, setMirrored] = useState<Record<string, boolean>>({}); // hung mirrored (mammograms)
  const [documentSeries, setDocumentSeries] = useState<string | null>(null); // a report, document… instead of the grid
  const [notImages, setNotImages] = useState<Record<string, string>>({}); // series whose objects have no pixels
  const [activeViewport, setActiveViewport] = useState(0);
  // A segmentation drawn over the series it refers to, in one viewport.
  const [segOverlay, setSegOverlay] = useState<(SegOverlay & { viewport: number; imageSeries: string }) | null>(null);
  const [command, setCommand] = useState<ViewportCommand | null>(null);
  const [error, setError] = useMessage();
  const [notFound, setNotFound] = useState(false); // no such study, or not one this user may see
  const [patient, setPatient] = useState<DicomJson | null>(null);
  const [overlay, setOverlay] = useState<OverlayMode>(savedOverlayMode);
  const [ai, setAi] = useState<ParsedFindings & { error?: string }>({ findings: [], rejected: 0 });
  const [showAi, setShowAi] = useState(false);
  const [priors, setPriors] = useState<DicomJson[]>([]);
  const [priorSeries, setPriorSeries] = useState<Record<string, SeriesInfo[]>>({});
  const [seriesStudy, setSeriesStudy] = useState<Record<string, string>>({}); // a prior's series -> its study
  const link = useMemo(() => new SliceLink(), []);
  const [linked, setLinked] = useState(false);
  const [mpr, setMpr] = useState<string | null>(null); // the series shown in MPR instead of the grid
  const [mprTool, setMprTool] = useState<MprTool>('Crosshairs');
  const [cineFps, setCineFps] = useState<number | null>(null); // null: each object's own rate
  const [canStore, setCanStore] = useState(false); // may save measurements into the study as SR
  const [canExport, setCanExport] = useState(simple); // may take the study away (a patient their own)
  const [exported, setExported] = useState<{ state: 'idle' | 'busy' | 'done' | 'failed'; text: string }>({ state: 'idle', text: '' });
  const [saveStates, setSaveStates] = useState<Record<string, StudySave>>({}); // by study: this one and priors
  const saveState = combinedSaveState(saveStates);
  useEffect(() => setSaveStates({}), [study]);
  // Until the first image is drawn (or cannot be), nothing else is asked for: thumbnails,
  // saved measurements, AI findings, the patient's other studies would compete with it for
  // the network, the server and the cores.
  const [settled, setSettled] = useState(false);
  const onSettled = useCallback(() => setSettled(true), []);
  useEffect(() => {
    setSettled(false);
    const fallback = setTimeout(() => setSettled(true), SETTLE_WITHIN_MS);
    return () => clearTimeout(fallback);
  }, [study]);
  const commandSeq = useRef(0);
  const { active, choose } = useToolGroup(engine, simple ? PanTool.toolName : WindowLevelTool.toolName);
  const grid = useRef<HTMLElement>(null);

  // Cornerstone and the series list in parallel; the first series' metadata as soon as the
  // list names it, so that its first frame is the first image request.
  useEffect(() => {
    let gone = false;
    renderingEngine().then((e) => !gone && setEngine(e), (e) => setError('viewer.failed.start', { error: e.message ?? e }));
    seriesOf(study)
      .then(async (all) => {
        if (gone) return;
        setSeries(all);
        const infos = all.filter(isImageSeries);
        if (all.length === 0) return setNotFound(true);
        // A study of reports or documents only opens the first of them.
        if (infos.length === 0 && all.length > 0) {
          setDocumentSeries(all[0].uid);
          onSettled();
          return;
        }
        // Mammograms open hung (hanging.ts); anything else with its first series.
        const hung = infos.some((s) => s.modality === 'MG') ? await hangMammograms(study, infos) : null;
        if (gone) return;
        if (hung) {
          setStacks((st) => ({ ...st, ...Object.fromEntries(hung.viewports.map((v) => [v.key, v.images])) }));
          setMirrored(Object.fromEntries(hung.viewports.map((v) => [v.key, v.flipH])));
          setPatient((p) => p ?? hung.viewports[0].images[0].metadata);
          setLayout(hung.layout);
          setShown(hung.viewports.map((v) => v.key));
        } else {
          setShown(assignSeries([], '1x1', infos.map((s) => s.uid)));
        }
      })
      .catch((e) => (e instanceof ApiError && (e.status === 404 || e.status === 403)
        ? setNotFound(true) : setError('viewer.failed.study', { error: e.message })));
    return () => {
      gone = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [study]);

  // AI findings, drawn only when the reader asks for them (off by default: a suggestion must
  // not be the first thing the eye meets).
  useEffect(() => {
    if (!settled || simple) return;
    let gone = false;
    aiFindings(study).then(
      (body) => !gone && setAi(parseFindings(body)),
      (e) => !gone && setAi({ findings: [], rejected: 0, error: t('viewer.ai.unreadable', { error: e.message }) }),
    );
    return () => {
      gone = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [study, settled, simple]);
  const shownFindings: AiFinding[] | null = showAi ? ai.findings : null;

  // Metadata of each shown series, once; it names every image of the stack.
  useEffect(() => {
    for (const uid of shown) {
      if (!uid || stacks[uid]) continue;
      const of = seriesStudy[uid] ?? study;
      setStacks((s) => ({ ...s, [uid]: [] }));
      seriesMetadata(of, uid)
        .then((instances) => {
          if (!patient && of === study && instances[0]) setPatient(instances[0]);
          const images = instances.filter(hasPixels);
          if (images.length === 0 && instances[0]) {
            setNotImages((n) => ({ ...n, [uid]: notAnImage(instances[0]) }));
            onSettled();
          }
          setStacks((s) => ({ ...s, [uid]: stackImages(ROOT, of, uid, images) }));
        })
        .catch((e) => setError('viewer.failed.series', { uid, error: e.message }));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shown, stacks, study, patient, seriesStudy, onSettled]);

  // What the signed-in account may do beyond reading: a button it cannot use is not shown.
  useEffect(() => {
    if (!settled || simple) return;
    let gone = false;
    currentSession().then((s) => {
      if (gone) return;
      setCanStore(s?.permissions.includes('archive.store') ?? false);
      setCanExport(s?.permissions.includes('archive.export') ?? false);
    }, () => undefined);
    return () => {
      gone = true;
    };
  }, [settled, simple]);

  // The patient's other studies, to compare with.
  const patientId = patient ? text(patient, Tag.PatientID) : '';
  const patientIssuer = patient ? text(patient, Tag.IssuerOfPatientID) : '';
  useEffect(() => {
    if (!settled || simple) return;
    let gone = false;
    otherStudies({ id: patientId, issuer: patientIssuer }, study).then((list) => !gone && setPriors(list), () => undefined);
    return () => {
      gone = true;
    };
  }, [patientId, patientIssuer, study, settled, simple]);

  useEffect(() => link.setEnabled(linked), [link, linked]);

  // A prior beside the current series, scrolling together: its series of the same modality
  // (or its first) in a second viewport, linked at the slices on screen.
  const compare = async (prior: string) => {
    try {
      const list = priorSeries[prior] ?? (await seriesOf(prior)).filter(isImageSeries);
      setPriorSeries((p) => ({ ...p, [prior]: list }));
      setSeriesStudy((m) => ({ ...m, ...Object.fromEntries(list.map((x) => [x.uid, prior])) }));
      const left = shown[activeViewport] ?? shown[0] ?? series?.[0]?.uid ?? null;
      const modality = series?.find((x) => x.uid === left)?.modality;
      const match = list.find((x) => x.modality === modality) ?? list[0];
      if (!match) return;
      setLayout('1x2');
      setShown([left, match.uid]);
      setActiveViewport(0);
      setLinked(true);
    } catch (e) {
      setError('viewer.failed.prior', { error: (e as Error).message });
    }
  };

  // The user's measurements on this study into the archive as a DICOM SR (TID 1500).
  const exportSr = async () => {
    setExported({ state: 'busy', text: t('viewer.exporting') });
    const byImage = new Map<string, DicomJson>();
    for (const stack of Object.values(stacks)) for (const im of stack) byImage.set(im.imageId, im.metadata);
    try {
      const [{ exportMeasurementsAsSr }, session] = await Promise.all([import('./srExport'), currentSession()]);
      const { measurements } = await exportMeasurementsAsSr(study, studyAnnotations(study) as never, (id) => byImage.get(id),
        session?.username ?? 'unknown');
      setExported({ state: 'done', text: t('viewer.exported', { count: measurements }) });
    } catch (e) {
      setExported({ state: 'failed', text: t('viewer.exportFailed', { error: (e as Error).message }) });
    }
  };

  const closeSegmentation = useCallback(() => setSegOverlay(null), []);
  // A segmentation opens over the images it was drawn on, in the active viewport; without them
  // in this study, it is described instead.
  const segmentationAsked = useRef(0);
  const openSegmentation = async (uid: string) => {
    const asked = ++segmentationAsked.current;
    try {
      // (A series of several segmentations opens its first that refers to images here.)
      const instances = await seriesMetadata(study, uid);
      if (asked !== segmentationAsked.current) return; // another was asked for since
      const imagesHere = (m: DicomJson) => referencedSeries(m).find((r) => series?.some((x) => x.uid === r && isImageSeries(x)));
      const meta = instances.find(imagesHere) ?? instances[0];
      const target = meta && imagesHere(meta);
      if (!meta || !target) {
        setSegOverlay(null);
        return setDocumentSeries(uid);
      }
      setDocumentSeries(null);
      setMpr(null);
      setShown((cur) => dropSeries(cur, activeViewport, target));
      setSegOverlay({ study, series: uid, sop: text(meta, Tag.SOPInstanceUID), meta, viewport: activeViewport, imageSeries: target });
    } catch (e) {
      setError('viewer.failed.segmentation', { error: (e as Error).message });
    }
  };

  const changeLayout = (l: LayoutName) => {
    setLayout(l);
    setShown((cur) => assignSeries(cur, l, (series ?? []).filter(isImageSeries).map((s) => s.uid)));
    setActiveViewport((v) => Math.min(v, LAYOUTS[l].rows * LAYOUTS[l].columns - 1));
  };
  const send = useCallback((kind: ViewportCommand['kind'], value?: number) =>
    setCommand({ kind, value, seq: ++commandSeq.current, viewport: activeViewport }), [activeViewport]);
  // Keys anywhere on the page but in a field or a menu (shortcuts.ts).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutFor({ key: e.key, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey,
        editing: isEditing(e.target) }, mpr !== null);
      if (!shortcut) return;
      e.preventDefault();
      send(shortcut.kind, shortcut.value);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [send, mpr]);
  const onProgress = useCallback((uid: string, loaded: number) => setProgress((p) => ({ ...p, [uid]: loaded })), []);
  const onSaveState = useCallback((uid: string, state: SaveState, detail?: string) =>
    setSaveStates((all) => ({ ...all, [uid]: { state, detail } })), []);

  const { rows, columns } = LAYOUTS[layout];
  // One page whether the study does not exist or the user may not see it: the answer must not
  // tell which.
  if (notFound) return <StudyNotFound navigate={navigate} />;
  // The series on screen, also where a viewport shows one image of it (a hung mammogram).
  const onScreen = new Set(shown.flatMap((k) => (k ? [k, text(stacks[k]?.[0]?.metadata ?? {}, Tag.SeriesInstanceUID)] : [])));

  return (
    <div className="viewer">
      {/* The user's measurements on the study and on each prior compared with it. */}
      {engine && settled && !simple && [study, ...Object.keys(priorSeries)].map((uid) => (
        <AnnotationSync key={uid} engine={engine} study={uid} onState={onSaveState} />
      ))}
      <header className="topbar">
        <button type="button" onClick={() => navigate('/')}>{simple ? t('viewer.back.patient') : t('viewer.back.staff')}</button>
        <span data-testid="patient-banner">{patient && overlay === 'full' ? `${text(patient, Tag.PatientName)} · ${text(patient, Tag.PatientID)}` : ''}</span>
        {/* Whatever the overlay shows: a contrast allergy is never hidden. */}
        {!simple && patientId && <PatientAllergy mrn={patientId} issuer={patientIssuer} />}
        <span className="spacer" />
        {canExport && <DownloadLinks study={study} />}
        <span className={saveState.state === 'failed' ? 'error' : 'hint'} data-testid="save-state" title={saveState.detail}>
          {saveState.state === 'idle' ? '' : t(`viewer.saveState.${saveState.state}`)}
        </span>
        <span className={exported.state === 'failed' ? 'error' : 'hint'} data-testid="sr-state">{exported.text}</span>
        {/* A report or document has nothing for the image tools to act on. */}
        {!documentSeries && simple && (
          <div className="toolbar" role="toolbar" aria-label={t('viewer.tools.label')}>
            {([{ name: PanTool.toolName, label: 'move' }, { name: ZoomTool.toolName, label: 'zoom' }] as const).map((tool) => (
              <button key={tool.name} type="button" aria-pressed={active === tool.name} onClick={() => choose(tool.name)}>
                {t(`viewer.tools.${tool.label}`)}</button>
            ))}
            <PresetMenu onChoose={(i) => send('preset', i)} viewport={activeViewport} stacks={stacks} shown={shown} />
            <button type="button" onClick={() => send('reset')}>{t('viewer.resetView')}</button>
            <button type="button" data-testid="full-screen" onClick={() => void grid.current?.requestFullscreen?.()}>{t('viewer.fullScreen')}</button>
          </div>
        )}
        {!documentSeries && !simple && <div className="toolbar" role="toolbar" aria-label={t('viewer.tools.label')}>
          {mpr ? (
            // In MPR the left button moves the crosshairs or sets the window; measurements are
            // made on the stacks.
            <>
              <button type="button" aria-pressed={mprTool === 'Crosshairs'} onClick={() => setMprTool('Crosshairs')}>
                {t('viewer.tools.crosshairs')}</button>
              <button type="button" aria-pressed={mprTool === 'WindowLevel'} onClick={() => setMprTool('WindowLevel')}>
                {t('viewer.tools.windowLevel')}</button>
            </>
          ) : PRIMARY_TOOLS.map((tool) => (
            <button key={tool.name} type="button" aria-pressed={active === tool.name} onClick={() => choose(tool.name)}>
              {tool.label ? t(`viewer.tools.${tool.label}`) : tool.name}</button>
          ))}
          <PresetMenu onChoose={(i) => send('preset', i)} viewport={activeViewport} stacks={stacks}
            shown={mpr ? shown.map((_, i) => (i === activeViewport ? mpr : null)) : shown} />
          <button type="button" title={t('viewer.invertHint')} onClick={() => send('invert')}>{t('viewer.invert')}</button>
          <button type="button" disabled={mpr !== null} onClick={() => send('rotate')}>{t('viewer.rotate')}</button>
          <button type="button" disabled={mpr !== null} onClick={() => send('flipH')}>{t('viewer.flipH')}</button>
          <button type="button" disabled={mpr !== null} onClick={() => send('flipV')}>{t('viewer.flipV')}</button>
          <button type="button" title={t('viewer.fitHint')} onClick={() => send('fit')}>{t('viewer.fit')}</button>
          <button type="button" title={t('viewer.resetHint')} onClick={() => send('reset')}>{t('viewer.reset')}</button>
          <button type="button" title={t('viewer.cineHint')} disabled={mpr !== null} onClick={() => send('cine')}>{t('viewer.cine')}</button>
          <select aria-label={t('viewer.cineRate')} title={t('viewer.cineRateHint')} disabled={mpr !== null} value={cineFps ?? ''}
            onChange={(e) => setCineFps(e.target.value === '' ? null : Number(e.target.value))}>
            <option value="">{t('viewer.cineOwnRate')}</option>
            {CINE_RATES.map((r) => <option key={r} value={r}>{t('viewer.cineAt', { rate: r })}</option>)}
          </select>
          {canStore && <button type="button" disabled={exported.state === 'busy'} data-testid="export-sr"
            title={t('viewer.exportSrHint')}
            onClick={() => void exportSr()}>{t('viewer.exportSr')}</button>}
          <button type="button" aria-pressed={mpr !== null} data-testid="mpr-toggle"
            disabled={mpr === null && !(shown[activeViewport] && volumeEligible(stacks[shown[activeViewport]!] ?? []))}
            title={t('viewer.mprHint')}
            onClick={() => {
              setMprTool('Crosshairs');
              setMpr(mpr === null ? shown[activeViewport] : null);
            }}>{t('viewer.mpr')}</button>
          <button type="button" aria-pressed={linked} data-testid="link-toggle" title={t('viewer.linkHint')}
            onClick={() => setLinked((v) => !v)}>{t('viewer.link')}</button>
          <button type="button" aria-pressed={showAi} disabled={ai.findings.length === 0} data-testid="ai-toggle"
            title={ai.error ?? (ai.findings.length === 0 ? t('viewer.ai.none')
              : `${t('viewer.ai.suggestions', { n: ai.findings.length })}${ai.rejected ? t('viewer.ai.unread', { n: ai.rejected }) : ''}`)}
            onClick={() => setShowAi((v) => !v)}>{t('viewer.ai.button', { n: ai.findings.length })}</button>
          <select aria-label={t('viewer.overlay.label')} value={overlay} onChange={(e) => {
            const mode = e.target.value as OverlayMode;
            setOverlay(mode);
            saveOverlayMode(mode);
          }}>
            {OVERLAY_MODES.map((mode) => <option key={mode} value={mode}>{t(`viewer.overlay.${mode}`)}</option>)}
          </select>
          {(['1x1', '1x2', '2x2'] as LayoutName[]).map((l) => (
            <button key={l} type="button" aria-pressed={layout === l} onClick={() => changeLayout(l)}>{l}</button>
          ))}
        </div>}
      </header>
      <aside className="series-panel" aria-label={t('viewer.series')}>
        {series?.map((s) => (
          <SeriesCard key={s.uid} study={study} info={s}
            active={documentSeries ? documentSeries === s.uid : onScreen.has(s.uid) || segOverlay?.series === s.uid}
            stack={stacks[s.uid]} loaded={progress[s.uid] ?? 0} thumbnail={settled}
            onOpen={() => {
              if (seriesKind(s.modality) === 'segmentation') return void openSegmentation(s.uid);
              if (!isImageSeries(s)) return setDocumentSeries(s.uid);
              setDocumentSeries(null);
              setShown((cur) => dropSeries(cur, activeViewport, s.uid));
            }} />
        ))}
        {priors.length > 0 && <h3 className="priors-title">{t('viewer.priors')}</h3>}
        {priors.map((p) => {
          const uid = text(p, Tag.StudyInstanceUID);
          return (
            <div key={uid} className="prior" data-prior={uid}>
              <div>{formatDate(text(p, Tag.StudyDate))} · {values(p, Tag.ModalitiesInStudy).join(', ')}</div>
              <div className="hint">{text(p, Tag.StudyDescription)}</div>
              <button type="button" onClick={() => void compare(uid)}>{t('viewer.compare')}</button>
              {priorSeries[uid]?.map((s) => (
                <SeriesCard key={s.uid} study={uid} info={s} active={shown.includes(s.uid)} stack={stacks[s.uid]}
                  loaded={progress[s.uid] ?? 0} thumbnail onOpen={() => setShown((cur) => dropSeries(cur, activeViewport, s.uid))} />
              ))}
            </div>
          );
        })}
      </aside>
      {documentSeries && series?.some((s) => s.uid === documentSeries) ? (
        <DocumentView study={study} series={series.find((s) => s.uid === documentSeries)!}
          onLoaded={(list) => list[0] && setPatient((p) => p ?? list[0])} />
      ) : mpr && engine && stacks[mpr]?.length ? (
        <MprView engine={engine} images={stacks[mpr]} seriesUid={mpr} tool={mprTool} command={command} />
      ) : (
      <main className="grid" ref={grid} style={{ gridTemplateRows: `repeat(${rows}, 1fr)`, gridTemplateColumns: `repeat(${columns}, 1fr)` }}>
        {error && <div className="page-message error" role="alert">{error}</div>}
        {engine && shown.map((uid, i) => (
          <div key={i} className={`viewport${i === activeViewport ? ' active' : ''}`} data-viewport-index={i}
            onMouseDown={() => setActiveViewport(i)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              const dropped = e.dataTransfer.getData('application/x-vireo-series');
              if (dropped) setShown((cur) => dropSeries(cur, i, dropped));
            }}>
            {uid && stacks[uid]?.length ? (
              <StackViewport key={uid} engine={engine} viewportId={`vp-${i}`}
                images={stacks[uid]} seriesUid={uid} onProgress={onProgress} onSettled={onSettled}
                command={command && command.viewport === i ? command : null} overlay={overlay}
                findings={seriesStudy[uid] ? null : shownFindings} link={link} cineFps={cineFps}
                mirrored={mirrored[uid] ?? false}
                segmentation={segOverlay && segOverlay.viewport === i && segOverlay.imageSeries === uid ? segOverlay : null}
                onCloseSegmentation={closeSegmentation} />
            ) : (
              <div className="notice" role={uid && notImages[uid] ? 'note' : undefined}>
                {uid ? notImages[uid] ?? t('app.loading') : t('viewer.dropHere')}
              </div>
            )}
          </div>
        ))}
      </main>
      )}
    </div>
  );
}

function StudyNotFound({ navigate }: { navigate: Navigate }) {
  const { t } = useTranslation();
  return (
    <main className="not-found" data-testid="study-not-found">
      <h1>{t('viewer.notFound.title')}</h1>
      <p>{t('viewer.notFound.body')}</p>
      <button type="button" onClick={() => navigate('/')}>{t('notFound.back')}</button>
    </main>
  );
}

// A mammography study's hanging, once its MG series' metadata is read; null when it has none
// (or it cannot be read: the study then opens as any other).
async function hangMammograms(study: string, infos: SeriesInfo[]): Promise<Hanging | null> {
  try {
    const mg = infos.filter((s) => s.modality === 'MG');
    const stacks = await Promise.all(mg.map(async (s) => stackImages(ROOT, study, s.uid, await seriesMetadata(study, s.uid))));
    return mammoHanging(stacks.flat());
  } catch {
    return null;
  }
}

function PresetMenu({ onChoose, viewport, stacks, shown }: {
  onChoose: (index: number) => void;
  viewport: number;
  stacks: Record<string, StackImage[]>;
  shown: (string | null)[];
}) {
  const { t, i18n: { language } } = useTranslation();
  const uid = shown[viewport];
  const first = uid ? stacks[uid]?.[0]?.metadata : undefined;
  // The presets' names are in the reader's language (presets.ts): again when it changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const presets = useMemo(() => presetsForImage(first ?? {}), [first, language]);
  return (
    <select aria-label={t('viewer.presets.label')} title={t('viewer.presets.hint')} value=""
      onChange={(e) => e.target.value !== '' && onChoose(Number(e.target.value))}>
      <option value="">{t('viewer.presets.choose')}</option>
      {presets.map((p, i) => <option key={p.name} value={i}>{p.name} ({p.width}/{p.center})</option>)}
    </select>
  );
}

function SeriesCard({ study, info, active, stack, loaded, thumbnail, onOpen }: {
  study: string;
  info: SeriesInfo;
  active: boolean;
  stack: StackImage[] | undefined;
  loaded: number;
  thumbnail: boolean; // asked for only once the first image is drawn
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  const kind = seriesKind(info.modality);
  const images = kind === 'images';
  return (
    <div className={`series-card${active ? ' active' : ''}`} draggable={images} data-series={info.uid} data-kind={kind}
      onDragStart={(e) => e.dataTransfer.setData('application/x-vireo-series', info.uid)}
      onDoubleClick={onOpen} onClick={images ? undefined : onOpen}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onOpen())}
      tabIndex={0} role="button">
      {/* Named by its visible lines (kind, number, description); the placeholder repeats the kind. */}
      {!images ? <div className="thumbnail-placeholder kind" aria-hidden="true">{kindName(kind)}</div> : thumbnail ? (
        <img alt="" loading="lazy" onError={(e) => { e.currentTarget.style.visibility = 'hidden'; }}
          src={`${ROOT}/studies/${study}/series/${info.uid}/thumbnail?viewport=128,128`} />
      ) : <div className="thumbnail-placeholder" />}
      <div>{seriesLabel(kind, info.modality, info.number, info.count)}</div>
      <div className="hint">{info.description}</div>
      {stack?.length ? (
        <div className="progress" title={t('viewer.loaded')} data-loaded={loaded} data-total={stack.length}>
          <div style={{ width: `${Math.round((100 * loaded) / stack.length)}%` }} />
        </div>
      ) : null}
    </div>
  );
}

// A study's saved measurements come back when it is shown, and are saved as they change.
function AnnotationSync({ engine, study, onState }: {
  engine: RenderingEngine;
  study: string;
  onState: (study: string, state: SaveState, detail?: string) => void;
}) {
  const { t } = useTranslation();
  useEffect(() => {
    let stop: (() => void) | null = null;
    let gone = false;
    syncAnnotations(study, (state, detail) => onState(study, state, detail)).then(
      (s) => {
        if (gone) s();
        else {
          stop = s;
          engine.render();
        }
      },
      (e) => onState(study, 'failed', t('viewer.failed.annotations', { error: e.message })),
    );
    return () => {
      gone = true;
      stop?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, study, onState]);
  return null;
}

// The RIS's contrast allergy of the patient the study names (by Patient ID and issuer), with the
// allergies written out for screen readers and as the badge's tooltip.
function PatientAllergy({ mrn, issuer }: { mrn: string; issuer: string }) {
  const allergies = useAllergies([{ mrn, issuer }]);
  const found = allergies.of({ mrn, issuer });
  if (allergies.failed) return <AllergiesUnknownBadge />;
  if (!found?.contrastAllergy) return null;
  return (
    <span title={found.allergies}>
      <ContrastAllergyBadge patient={found} />
      {found.allergies && <span className="sr-only">: {found.allergies}</span>}
    </span>
  );
}
