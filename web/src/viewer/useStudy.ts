// Loading a study into the viewer: Cornerstone, the series list and what the study opens with,
// then the metadata of each series put on screen (it names every image of its stack). The
// first image comes before anything else: until it is drawn (or cannot be), `settled` is
// false and nothing else is asked for (thumbnails, saved measurements, AI findings, the
// patient's other studies would compete with it for the network, the server and the cores).
import { useCallback, useEffect, useState } from 'react';
import type { RenderingEngine } from '@cornerstonejs/core';
import { ApiError, type DicomJson } from '../api';
import { DICOMWEB_ROOT as ROOT, type SeriesInfo, isImageSeries, seriesMetadata, seriesOf } from '../studyData';
import { renderingEngine } from './cornerstone';
import { hasPixels, notAnImage } from './documents';
import { type Hanging, mammoHanging } from './hanging';
import { type FirstView, firstView, hasMammograms } from './screen';
import { type StackImage, stackImages } from './series';

export type Say = (key: string, values?: Record<string, unknown>) => void;

const SETTLE_WITHIN_MS = 3000; // secondary requests go out by then whatever the first image does

export function useRenderingEngine(say: Say): RenderingEngine | null {
  const [engine, setEngine] = useState<RenderingEngine | null>(null);
  useEffect(() => {
    let gone = false;
    renderingEngine().then((e) => !gone && setEngine(e), (e) => say('viewer.failed.start', { error: e.message ?? e }));
    return () => {
      gone = true;
    };
  }, [say]);
  return engine;
}

export function useSettled(study: string): { settled: boolean; onSettled: () => void } {
  const [settled, setSettled] = useState(false);
  const onSettled = useCallback(() => setSettled(true), []);
  useEffect(() => {
    setSettled(false);
    const fallback = setTimeout(() => setSettled(true), SETTLE_WITHIN_MS);
    return () => clearTimeout(fallback);
  }, [study]);
  return { settled, onSettled };
}

export type Opening = Exclude<FirstView, { kind: 'notFound' }>;

// The study's series, and what it opens with (`open`, once per study). The first series'
// metadata is asked for as soon as the list names it, so that its first frame is the first
// image request. `notFound`: no such study, or not one this user may see.
export function useStudySeries(study: string, open: (view: Opening) => void, say: Say): { series: SeriesInfo[] | null; notFound: boolean } {
  const [series, setSeries] = useState<SeriesInfo[] | null>(null);
  const [notFound, setNotFound] = useState(false);
  useEffect(() => {
    let gone = false;
    const opened = (view: FirstView) => (view.kind === 'notFound' ? setNotFound(true) : open(view));
    seriesOf(study)
      .then(async (all) => {
        if (gone) return;
        setSeries(all);
        const images = all.filter(isImageSeries);
        if (all.length === 0 || images.length === 0) return opened(firstView(all, images, null));
        // Mammograms open hung (hanging.ts); anything else with its first series.
        const hung = hasMammograms(images) ? await hangMammograms(study, images) : null;
        if (gone) return;
        opened(firstView(all, images, hung));
      })
      .catch((e) => (e instanceof ApiError && (e.status === 404 || e.status === 403)
        ? setNotFound(true) : say('viewer.failed.study', { error: e.message })));
    return () => {
      gone = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [study]);
  return { series, notFound };
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

export interface Stacks {
  stacks: Record<string, StackImage[]>; // by series (or hung mammogram); [] while its metadata loads
  progress: Record<string, number>; // images loaded, by series
  onProgress: (series: string, loaded: number) => void;
  notImages: Record<string, string>; // series whose objects have no pixels: what they are
  mirrored: Record<string, boolean>; // hung mirrored (mammograms)
  patient: DicomJson | null; // the study's first instance read: who the patient is
  notePatient: (meta: DicomJson) => void; // one read elsewhere (a document), if none yet
  hang: (hanging: Hanging) => void; // the hung mammograms' stacks, already read
  seriesStudy: Record<string, string>; // a prior's series -> its study (the others are the study's)
  fromStudy: (study: string, series: string[]) => void; // series of another study (a prior)
}

// The images of each series on screen: `shown`, its metadata read once (from the study it
// belongs to), what a series without pixels is, and the loading progress.
export function useStacks(study: string, shown: (string | null)[], onSettled: () => void, say: Say): Stacks {
  const [stacks, setStacks] = useState<Record<string, StackImage[]>>({});
  const [progress, setProgress] = useState<Record<string, number>>({});
  const [notImages, setNotImages] = useState<Record<string, string>>({});
  const [mirrored, setMirrored] = useState<Record<string, boolean>>({});
  const [patient, setPatient] = useState<DicomJson | null>(null);
  const [seriesStudy, setSeriesStudy] = useState<Record<string, string>>({}); // a prior's series -> its study

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
        .catch((e) => say('viewer.failed.series', { uid, error: e.message }));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shown, stacks, study, patient, seriesStudy, onSettled]);

  const onProgress = useCallback((uid: string, loaded: number) => setProgress((p) => ({ ...p, [uid]: loaded })), []);
  const notePatient = useCallback((meta: DicomJson) => setPatient((p) => p ?? meta), []);
  const hang = useCallback((hung: Hanging) => {
    setStacks((st) => ({ ...st, ...Object.fromEntries(hung.viewports.map((v) => [v.key, v.images])) }));
    setMirrored(Object.fromEntries(hung.viewports.map((v) => [v.key, v.flipH])));
    setPatient((p) => p ?? hung.viewports[0].images[0].metadata);
  }, []);
  const fromStudy = useCallback((of: string, series: string[]) =>
    setSeriesStudy((m) => ({ ...m, ...Object.fromEntries(series.map((uid) => [uid, of])) })), []);
  return { stacks, progress, onProgress, notImages, mirrored, patient, notePatient, hang, seriesStudy, fromStudy };
}
