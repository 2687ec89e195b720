// Every open RIS screen hears of changes as they happen, on whichever node they were made: the
// server's event stream (/api/ris/events) says what changed, and the lists that may show it are
// read again. After a lost connection everything is read again, as changes may have passed
// meanwhile; a stream the server ended (a restart, a proxy's error) is opened again, waiting a
// little longer each time.
//
// One stream serves all of a browser's tabs: the tab holding a Web Lock opens it and passes
// what it hears to the others over a BroadcastChannel (a browser keeps six connections per
// server, and a stream holds one for as long as it is open); when that tab closes, another
// takes the lock and the stream.
import { useEffect, useState } from 'react';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';

export type LiveState = 'connecting' | 'live' | 'lost';

// What one tab tells the others: the stream's state, or a change (null topic: read everything);
// a tab that begins to follow asks for the state.
type Message = { state: LiveState } | { topic: string | null } | { ask: true };

// The lists a change of each kind may show in (query keys' first two parts).
const SHOWN_IN: [prefix: string, keys: string[][]][] = [
  // A merge moves orders, requests and appointments: everything the RIS shows may change.
  ['ris.patient.merged', [['ris']]],
  ['ris.patient.unmerged', [['ris']]],
  // A study the archive moved to another patient (a merge's images following it).
  ['study.', [['archive'], ['ris', 'patients'], ['ris', 'unmatched']]],
  ['ris.request.', [['ris', 'requests']]],
  // Images linked to their order (by themselves, or reconciled), or waiting to be.
  ['ris.study.', [['ris', 'unmatched']]],
  ['ris.exam.images_linked', [['ris', 'unmatched'], ['ris', 'orders'], ['ris', 'exams'], ['ris', 'schedule']]],
  ['ris.patient.', [['ris', 'patients'], ['ris', 'schedule'], ['ris', 'exams'], ['ris', 'requests']]],
  // Who reads what, and reports handed on or signed: the reading worklists and open reports.
  ['ris.reading.', [['ris', 'reading'], ['ris', 'exams']]],
  ['report.', [['ris', 'reading'], ['ris', 'exams'], ['ris', 'orders']]],
  ['ris.', [['ris', 'schedule'], ['ris', 'exams'], ['ris', 'orders'], ['ris', 'requests'], ['ris', 'reading']]],
];

export function readAgainAfter(client: QueryClient, topic: string | null) {
  const keys = topic === null ? [['ris']] : SHOWN_IN.find(([prefix]) => topic.startsWith(prefix))?.[1] ?? [['ris']];
  for (const queryKey of keys) void client.invalidateQueries({ queryKey });
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;
const CHANNEL = 'vireo-live-changes';

// Opens the stream and keeps it open until `stop` is called; tells `say` what it hears.
function openStream(say: (m: Message) => void): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let wait = FIRST_RETRY_MS;
  const open = () => {
    source = new EventSource('/api/ris/events');
    source.addEventListener('open', () => {
      wait = FIRST_RETRY_MS;
      say({ state: 'live' });
      say({ topic: null });
    });
    source.addEventListener('change', (e) => {
      let topic: string | null = null;
      try {
        topic = (JSON.parse((e as MessageEvent<string>).data) as { topic?: string }).topic ?? null;
      } catch {
        topic = null;
      }
      say({ topic });
    });
    source.addEventListener('resync', () => say({ topic: null }));
    source.addEventListener('error', () => {
      if (source?.readyState !== EventSource.CLOSED) return say({ state: 'connecting' });  // it reconnects by itself
      say({ state: 'lost' });
      source.close();
      retry = setTimeout(open, wait);
      wait = Math.min(wait * 2, LAST_RETRY_MS);
    });
  };
  open();
  return () => {
    clearTimeout(retry);
    source?.close();
  };
}

// `enabled`: false where the signed-in role may not listen (the stream would be refused).
export function useLiveChanges(enabled = true): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!enabled) return;
    let holding: LiveState | null = null;  // this tab's stream's state, while it holds the lock
    const hear = (m: Message) => {
      if ('state' in m) setState(m.state);
      else if ('topic' in m) readAgainAfter(client, m.topic);
    };
    const shared = typeof BroadcastChannel !== 'undefined' && typeof navigator !== 'undefined' && 'locks' in navigator;
    if (!shared) return openStream(hear);
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (e: MessageEvent<Message>) => {
      if ('ask' in e.data) {
        if (holding) channel.postMessage({ state: holding } satisfies Message);
      } else {
        hear(e.data);
      }
    };
    const quit = new AbortController();
    let release: (() => void) | undefined;
    // Waits for the lock as long as another tab holds it; holds it until this tab leaves.
    navigator.locks.request(CHANNEL, { signal: quit.signal }, () => new Promise<void>((done) => {
      holding = 'connecting';
      const stop = openStream((m) => {
        if ('state' in m) holding = m.state;
        hear(m);
        channel.postMessage(m);
      });
      release = () => {
        holding = null;
        stop();
        done();
      };
    })).catch(() => undefined);  // (aborted on leaving)
    // A tab that follows asks the holder for its state.
    channel.postMessage({ ask: true } satisfies Message);
    return () => {
      quit.abort();
      release?.();
      channel.close();
    };
  }, [client, enabled]);
  return state;
}
