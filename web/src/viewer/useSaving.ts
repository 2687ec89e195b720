// What goes back to the archive from the viewer: what the signed-in account may do beyond
// reading (a button it cannot use is not shown), the state of saving the measurements (the
// study's and each compared prior's, AnnotationSync.tsx), and the measurements exported into
// the study as a DICOM SR (srExport.ts).
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DicomJson, currentSession } from '../api';
import { studyAnnotations } from './annotations';
import { type SaveState, type StudySave, combinedSaveState } from './saveState';
import type { StackImage } from './series';

export interface Saving {
  canStore: boolean; // may save measurements into the study as SR
  canExport: boolean; // may take the study away (a patient their own)
  saveState: StudySave; // of the measurements, the study's and the compared priors'
  onSaveState: (study: string, state: SaveState, detail?: string) => void;
  sr: SrExport;
}

// `simple`: a patient, who may take their own study away and store nothing.
export function useSaving(study: string, settled: boolean, simple: boolean, stacks: Record<string, StackImage[]>): Saving {
  const { canStore, canExport } = usePermissions(settled, simple);
  const { saveState, onSaveState } = useSaveStates(study);
  const sr = useSrExport(study, stacks);
  return { canStore, canExport, saveState, onSaveState, sr };
}

function usePermissions(settled: boolean, simple: boolean): { canStore: boolean; canExport: boolean } {
  const [canStore, setCanStore] = useState(false);
  const [canExport, setCanExport] = useState(simple);
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
  return { canStore, canExport };
}

function useSaveStates(study: string): { saveState: StudySave; onSaveState: (study: string, state: SaveState, detail?: string) => void } {
  const [saveStates, setSaveStates] = useState<Record<string, StudySave>>({}); // by study: this one and priors
  useEffect(() => setSaveStates({}), [study]);
  const onSaveState = useCallback((uid: string, state: SaveState, detail?: string) =>
    setSaveStates((all) => ({ ...all, [uid]: { state, detail } })), []);
  return { saveState: combinedSaveState(saveStates), onSaveState };
}

export interface SrExport {
  state: 'idle' | 'busy' | 'done' | 'failed';
  text: string;
  run: () => Promise<void>;
}

// The user's measurements on this study into the archive as a DICOM SR (TID 1500).
function useSrExport(study: string, stacks: Record<string, StackImage[]>): SrExport {
  const { t } = useTranslation();
  const [exported, setExported] = useState<Omit<SrExport, 'run'>>({ state: 'idle', text: '' });
  const run = async () => {
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
  return { ...exported, run };
}
