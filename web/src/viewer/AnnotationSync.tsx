// A study's saved measurements come back when it is shown, and are saved as they change
// (annotations.ts). Renders nothing.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { RenderingEngine } from '@cornerstonejs/core';
import { syncAnnotations } from './annotations';
import type { SaveState } from './saveState';

export function AnnotationSync({ engine, study, onState }: {
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
