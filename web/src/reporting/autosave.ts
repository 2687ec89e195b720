// The autosave of the report being written: a second and a half after the last keystroke, the
// text goes to the server with the revision it was loaded at; the answer's revision is the next
// save's. A save refused as stale (the report changed in another window) stops the autosave and
// says so: typing on would overwrite that text. A lost connection is tried again every few
// seconds. flush() saves at once and tells when the server has the text (before handing it on
// or signing it). Leaving the page with text not yet saved asks the browser to warn.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem } from '../apiClient';
import { type DraftKind, useSaveDraft } from './reading';
import { needsSave } from './reportDraft';
import type { ExamReport, ReportContent } from './types';

const PAUSE_MS = 1500;
const RETRY_MS = 5000;

export type SaveState = 'saved' | 'pending' | 'saving' | 'failed' | 'stale';

export function useAutosave(orderId: number, kind: DraftKind, typed: ReportContent, loaded: ReportContent, revision: number) {
  const save = useSaveDraft(orderId);
  const saved = useRef(loaded);
  const rev = useRef(revision);
  const latest = useRef(typed);
  const inFlight = useRef<Promise<ExamReport | null> | null>(null);
  const [state, setState] = useState<SaveState>('saved');
  const [savedAt, setSavedAt] = useState('');
  latest.current = typed;

  const send = useCallback((): Promise<ExamReport | null> => {
    if (inFlight.current) return inFlight.current;
    if (!needsSave(latest.current, saved.current, false)) return Promise.resolve(null);
    const content = latest.current;
    setState('saving');
    const p = save.mutateAsync({ kind, revision: rev.current, content }).then(
      (answer) => {
        saved.current = content;
        rev.current = answer.report?.revision ?? rev.current;
        setSavedAt(answer.report?.savedAt ?? '');
        setState(needsSave(latest.current, content, false) ? 'pending' : 'saved');
        return answer;
      },
      (e: unknown) => {
        const stale = e instanceof ApiProblem && e.status === 409;
        setState(stale ? 'stale' : 'failed');
        throw e;
      },
    ).finally(() => (inFlight.current = null));
    inFlight.current = p;
    return p;
  }, [kind, save]);

  // A pause in typing saves; a failure is tried again; a stale report is not written over.
  useEffect(() => {
    if (state === 'stale' || state === 'saving') return;
    if (!needsSave(typed, saved.current, false)) return;
    if (state === 'saved') setState('pending');
    const timer = setTimeout(() => void send().catch(() => undefined), state === 'failed' ? RETRY_MS : PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed, state, send]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (needsSave(latest.current, saved.current, false)) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  // Before a step that needs the text on the server: saved now, and the revision to name.
  const flush = useCallback(async (): Promise<number> => {
    await inFlight.current?.catch(() => undefined);
    await send();
    return rev.current;
  }, [send]);

  return { state, savedAt, flush, revision: () => rev.current };
}
