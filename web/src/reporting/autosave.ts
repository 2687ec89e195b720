// The autosave of the report being written: a second and a half after the last keystroke, and
// at least every five seconds while typing goes on (dictation never pauses), the text goes to the
// server with the revision it was loaded at; the answer's revision is the next save's. A save
// the server refuses stops the autosave and says why: a conflict (the report changed in another
// window, another radiologist reads the exam now) for good, as typing on would overwrite that text;
// a text it found wrong (a section too long, a key image no longer there) until it is corrected. A lost connection is tried again every few seconds. flush() saves at once and
// tells when the server has the text (before handing it on, signing it, or leaving). Leaving
// the page, or going elsewhere in the application, with text not yet saved first saves it.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useBlocker } from 'react-router';
import { ApiProblem } from '../apiClient';
import { type DraftKind, useSaveDraft } from './reading';
import { needsSave, savesAgainAfter } from './reportDraft';
import type { ExamReport, ReportContent } from './types';

const PAUSE_MS = 1500;
const MAX_WAIT_MS = 5000;
const RETRY_MS = 5000;

export type SaveState = 'saved' | 'pending' | 'saving' | 'failed' | 'refused';

export function useAutosave(orderId: number, kind: DraftKind, typed: ReportContent, loaded: ReportContent, revision: number) {
  const save = useSaveDraft(orderId);
  const saved = useRef(loaded);
  const rev = useRef(revision);
  const latest = useRef(typed);
  const dirtySince = useRef(0);
  const inFlight = useRef<Promise<ExamReport | null> | null>(null);
  const [state, setState] = useState<SaveState>('saved');
  const [savedAt, setSavedAt] = useState('');
  const [refusal, setRefusal] = useState<unknown>(null);
  const refusedContent = useRef<{ status: number; content: ReportContent } | null>(null);
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
        dirtySince.current = needsSave(latest.current, content, false) ? Date.now() : 0;
        setSavedAt(answer.report?.savedAt ?? '');
        setState(dirtySince.current ? 'pending' : 'saved');
        return answer;
      },
      (e: unknown) => {
        // A refusal is an answer: saving the same again would be refused again.
        const refused = e instanceof ApiProblem && e.status >= 400 && e.status < 500;
        if (refused) {
          setRefusal(e);
          refusedContent.current = { status: e.status, content };
        }
        setState(refused ? 'refused' : 'failed');
        throw e;
      },
    ).finally(() => (inFlight.current = null));
    inFlight.current = p;
    return p;
  }, [kind, save]);

  useEffect(() => {
    if (state === 'refused') {
      const was = refusedContent.current;
      if (!was || !savesAgainAfter(was.status, was.content, typed)) return;
      refusedContent.current = null;
      setRefusal(null);
      setState('pending');
      return;
    }
    if (state === 'saving') return;
    if (!needsSave(typed, saved.current, false)) return;
    if (!dirtySince.current) dirtySince.current = Date.now();
    if (state === 'saved') setState('pending');
    const left = Math.max(0, dirtySince.current + MAX_WAIT_MS - Date.now());
    const wait = state === 'failed' ? RETRY_MS : Math.min(PAUSE_MS, left);
    const timer = setTimeout(() => void send().catch(() => undefined), wait);
    return () => clearTimeout(timer);
  }, [typed, state, send]);

  // Leaving: the browser warns about a page closed with text unsaved; going elsewhere in the
  // application waits for the save (and asks, when it fails).
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (needsSave(latest.current, saved.current, false)) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);
  const blocker = useBlocker(({ currentLocation, nextLocation }) =>
    currentLocation.pathname !== nextLocation.pathname && needsSave(latest.current, saved.current, false));
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    send().then(() => blocker.proceed(), () => blocker.reset());
  }, [blocker, send]);

  // Before a step that needs the text on the server: saved now, and the revision to name.
  const flush = useCallback(async (): Promise<number> => {
    await inFlight.current?.catch(() => undefined);
    await send();
    return rev.current;
  }, [send]);

  // Another change's answer (handed on as preliminary) carries the revision to name next.
  const adopt = useCallback((answer: ExamReport) => {
    if (answer.report) rev.current = answer.report.revision;
  }, []);

  return { state, savedAt, refusal, flush, adopt, revision: () => rev.current };
}
