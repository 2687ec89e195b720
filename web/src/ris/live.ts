// Every open RIS screen hears of changes as they happen, on whichever node they were made: the
// server's event stream (/api/ris/events) says what changed, and the lists that may show it are
// read again. After a lost connection (EventSource reconnects by itself) everything is read
// again, as changes may have passed meanwhile.
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';

export type LiveState = 'connecting' | 'live' | 'lost';

export function useLiveChanges(): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    const source = new EventSource('/api/ris/events');
    const readAgain = () => void client.invalidateQueries({ queryKey: ['ris'] });
    source.addEventListener('open', () => {
      setState('live');
      readAgain();
    });
    source.addEventListener('change', readAgain);
    source.addEventListener('resync', readAgain);
    source.addEventListener('error', () => setState(source.readyState === EventSource.CLOSED ? 'lost' : 'connecting'));
    return () => source.close();
  }, [client]);
  return state;
}
