// A message kept as its key and values rather than as text, so that it is written in whatever
// language the reader switches to after it was said (an error shown while they change language).
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';

type Said = { key: string; values?: Record<string, unknown> };

// [the message in the reader's language ('' when none), say(key, values) — say('') clears it]
export function useMessage(): [string, (key: string, values?: Record<string, unknown>) => void] {
  const { t } = useTranslation();
  const [said, setSaid] = useState<Said | null>(null);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const text = said ? (t(said.key as any, said.values as any) as string) : '';
  const say = useCallback((key: string, values?: Record<string, unknown>) => setSaid(key ? { key, values } : null), []);
  return [text, say];
}
