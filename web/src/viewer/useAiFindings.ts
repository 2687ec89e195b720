// AI findings on the study, drawn only when the reader asks for them (off by default: a
// suggestion must not be the first thing the eye meets). Read once the first image is drawn.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { aiFindings } from '../api';
import { type AiFinding, type ParsedFindings, parseFindings } from './ai';

export interface AiLayer {
  findings: AiFinding[];
  rejected: number; // findings that could not be read
  error?: string; // why none could be read
  shown: boolean;
  toggle: () => void;
}

export function useAiFindings(study: string, settled: boolean, simple: boolean): AiLayer {
  const { t } = useTranslation();
  const [ai, setAi] = useState<ParsedFindings & { error?: string }>({ findings: [], rejected: 0 });
  const [shown, setShown] = useState(false);
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
  const toggle = useCallback(() => setShown((v) => !v), []);
  return { ...ai, shown, toggle };
}
