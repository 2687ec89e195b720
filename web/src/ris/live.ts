// Every open RIS screen hears of changes as they happen, on whichever node they were made: the
// server's event stream (/api/ris/events) says what changed, and the lists that may show it are
// read again. After a lost connection everything is read again, as changes may have passed
// meanwhile; a stream the server ended (a restart, a proxy's error) is opened again, waiting a
// little longer each time.
import { useEffect, useState } from 'react';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';

export type LiveState = 'connecting' | 'live' | 'lost';

// The lists a change of each kind may show in (query keys' first two parts).
const SHOWN_IN: [prefix: string, keys: string[][]][] = [
  ['ris.request.', [['ris', 'requests']]],
  ['ris.patient.', [['ris', 'patients'], ['ris', 'schedule'], ['ris', 'exams'], ['ris', 'requests']]],
  ['ris.', [['ris', 'schedule'], ['ris', 'exams'], ['ris', 'orders'], ['ris', 'requests']]],
];

export function readAgainAfter(client: QueryClient, topic: string | null) {
  const keys = topic === null ? [['ris']] : SHOWN_IN.find(([prefix]) => topic.startsWith(prefix))?.[1] ?? [['ris']];
  for (const queryKey of keys) void client.invalidateQueries({ queryKey });
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;

export function useLiveChanges(): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let wait = FIRST_RETRY_MS;
    const open = () => {
      source = new EventSource('/api/ris/events');
      source.addEventListener('open', () => {
        wait = FIRST_RETRY_MS;
        setState('live');
        readAgainAfter(client, null);
      });
      source.addEventListener('change', (e) => {
        let topic: string | null = null;
        try {
          topic = (JSON.parse((e as MessageEvent<string>).data) as { topic?: string }).topic ?? null;
        } catch {
          topic = null;
        }
        readAgainAfter(client, topic);
      });
      source.addEventListener('resync', () => readAgainAfter(client, null));
      source.addEventListener('error', () => {
        if (source?.readyState !== EventSource.CLOSED) return setState('connecting');  // it reconnects by itself
        setState('lost');
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
  }, [client]);
  return state;
}
