// Measurements and annotations are kept on the server per user and study: loaded when the
// study opens, saved (debounced) whenever one is completed, changed or removed.
import { eventTarget } from '@cornerstonejs/core';
import { Enums as ToolEnums, annotation } from '@cornerstonejs/tools';
import { loadAnnotations, saveAnnotations } from '../api';
import type { SaveState } from './saveState';

type Saved = { metadata?: { toolName?: string; referencedImageId?: string; FrameOfReferenceUID?: string } } & Record<string, unknown>;

// The annotations that belong to this study's images.
export function ofStudy(all: Saved[], study: string): Saved[] {
  const prefix = `wadors:/dicom-web/studies/${study}/`;
  return all.filter((a) => a.metadata?.referencedImageId?.startsWith(prefix));
}

// What the user has drawn on the study now (for export).
export function studyAnnotations(study: string): Saved[] {
  return ofStudy(annotation.state.getAllAnnotations() as Saved[], study);
}


// Restores the saved annotations, then keeps the server up to date until the returned
// function is called (which saves what is pending and clears the study's annotations).
export async function syncAnnotations(study: string, onState: (s: SaveState, detail?: string) => void): Promise<() => void> {
  const saved = (await loadAnnotations(study)) as Saved[];
  for (const a of saved) {
    if (!a.metadata?.toolName) continue;
    a.invalidated = true; // statistics are computed again from the image
    annotation.state.addAnnotation(a as never, a.metadata.FrameOfReferenceUID ?? '');
  }
  let last = JSON.stringify(ofStudy(saved, study));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = async () => {
    timer = undefined;
    const now = ofStudy(annotation.state.getAllAnnotations() as Saved[], study);
    const text = JSON.stringify(now);
    if (text === last) return;
    onState('saving');
    try {
      await saveAnnotations(study, JSON.parse(text));
      last = text;
      onState('saved');
    } catch (e) {
      onState('failed', (e as Error).message);
    }
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  };
  const events = [ToolEnums.Events.ANNOTATION_COMPLETED, ToolEnums.Events.ANNOTATION_MODIFIED, ToolEnums.Events.ANNOTATION_REMOVED];
  for (const e of events) eventTarget.addEventListener(e, changed);
  // Drawn while the saved ones were on their way: saved like any change.
  if (JSON.stringify(ofStudy(annotation.state.getAllAnnotations() as Saved[], study)) !== last) changed();
  return () => {
    for (const e of events) eventTarget.removeEventListener(e, changed);
    if (timer) void save();
    for (const a of ofStudy(annotation.state.getAllAnnotations() as Saved[], study)) {
      if (a.annotationUID) annotation.state.removeAnnotation(a.annotationUID as string);
    }
  };
}
