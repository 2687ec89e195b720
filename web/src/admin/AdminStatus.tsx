// Administration: the archive at a glance. How much it holds, how much room is left before it
// refuses new images, and the latest instances it refused or received twice with other content,
// each with its reason, so that a sender's problem is found before a radiologist misses a study;
// and the follow-up work between parts of Vireo that was given up, to be tried again.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Session, type SystemStatus, retryEvent, systemStatus } from '../api';
import type { Navigate } from '../session';
import { AdminPage } from './AdminNav';
import i18n, { formatLocale } from '../i18n';

export function formatBytes(n: number, locale?: string): string {
  // Binary units, as the operating system and min_free_space_mb count them.
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  const value = v.toLocaleString(locale, { maximumFractionDigits: i === 0 ? 0 : 1 });
  return i === 0 ? i18n.t('admin.status.bytes', { value }) : `${value} ${units[i]}`;
}

// Below twice the floor, the page warns: a busy day's images may not fit.
export function storageWarning(s: SystemStatus['storage']): string | null {
  if (s.freeBytes === null) return i18n.t('admin.status.freeUnknown');
  if (s.freeBytes < s.minFreeBytes) return i18n.t('admin.status.full');
  if (s.freeBytes < 2 * s.minFreeBytes) return i18n.t('admin.status.nearlyFull');
  return null;
}

// What the outbox's topics and consumers mean, in the words of the person reading the page.
const TOPICS = {
  'study.received': 'studyReceived',
  'instance.stored': 'instanceStored',
  'study.deleted': 'studyDeleted',
  'series.deleted': 'seriesDeleted',
} as const;
const CONSUMERS = {
  'annotations.study-deleted': 'annotations',
  'ai.study-deleted': 'ai',
} as const;
export const topicWords = (t: string) =>
  (Object.hasOwn(TOPICS, t) ? i18n.t(`admin.status.topics.${TOPICS[t as keyof typeof TOPICS]}`) : t);
export const consumerWords = (c: string) =>
  (Object.hasOwn(CONSUMERS, c) ? i18n.t(`admin.status.consumers.${CONSUMERS[c as keyof typeof CONSUMERS]}`) : c);

export function AdminStatus({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t, i18n: { language } } = useTranslation();
  const locale = formatLocale(language);
  // To the second, as a sender's own log would be searched for it.
  const when = (iso: string) => new Date(iso).toLocaleString(locale);
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    setError('');
    systemStatus().then(setStatus, (e) => setError(t('admin.status.unreadable', { error: (e as Error).message })));
  }, [t]);
  useEffect(load, [load]);
  const warning = status && storageWarning(status.storage);
  const [retrying, setRetrying] = useState<number | null>(null);
  const retry = (id: number) => {
    setRetrying(id);
    retryEvent(id).then(
      () => { setRetrying(null); load(); },
      (e) => { setRetrying(null); setError(t('admin.status.retryFailed', { error: (e as Error).message })); },
    );
  };

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/status" title={t('adminNav.status')}
      titleAction={<button type="button" onClick={load}>{t('admin.status.refresh')}</button>}>
      {error && <p role="alert" className="error">{error}</p>}
      {status && (
        <>
          {warning && <p role="alert" className="error" data-testid="storage-warning">{warning}</p>}
          <div className="tiles" data-testid="counts">
            {([['patients', status.counts.patients], ['studies', status.counts.studies], ['series', status.counts.series],
              ['instances', status.counts.instances]] as const).map(([label, n]) => (
              <div key={label} className="tile"><span className="figure">{n.toLocaleString(locale)}</span>
                <span>{t(`admin.status.counts.${label}`)}</span></div>
            ))}
            <div className="tile"><span className="figure" data-testid="archive-bytes">{formatBytes(status.storage.archiveBytes, locale)}</span>
              <span>{t('admin.status.stored')}</span></div>
            <div className="tile"><span className="figure" data-testid="free-bytes">
              {status.storage.freeBytes === null ? '—' : formatBytes(status.storage.freeBytes, locale)}</span>
              <span>{t('admin.status.free', { floor: formatBytes(status.storage.minFreeBytes, locale) })}</span></div>
            <div className="tile"><span className="figure" data-testid="events-pending">{status.events.pending.toLocaleString(locale)}</span>
              <span>{t('admin.status.pending')}</span></div>
          </div>

          <section aria-labelledby="rejections-heading">
            <h2 id="rejections-heading">{t('admin.status.rejections')}</h2>
            <p className="hint">{t('admin.status.rejectionsHint')}</p>
            <table className="studies" data-testid="rejections">
              <thead><tr><th>{t('admin.status.columns.when')}</th><th>{t('admin.status.columns.from')}</th><th>SOP Instance UID</th>
                <th>{t('admin.status.columns.reason')}</th></tr></thead>
              <tbody>
                {status.rejections.length === 0 && <tr><td colSpan={4}>{t('admin.status.none')}</td></tr>}
                {status.rejections.map((r, i) => (
                  <tr key={i}><td className="date">{when(r.at)}</td><td>{r.source || '—'}</td><td><code>{r.SOPInstanceUID || '—'}</code></td>
                    <td>{r.reason}</td></tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="conflicts-heading">
            <h2 id="conflicts-heading">{t('admin.status.conflicts')}</h2>
            <p className="hint">{t('admin.status.conflictsHint')}</p>
            <table className="studies" data-testid="conflicts">
              <thead><tr><th>{t('admin.status.columns.when')}</th><th>{t('admin.status.columns.from')}</th><th>SOP Instance UID</th>
                <th>{t('admin.status.columns.kept')}</th></tr></thead>
              <tbody>
                {status.conflicts.length === 0 && <tr><td colSpan={4}>{t('admin.status.none')}</td></tr>}
                {status.conflicts.map((c, i) => (
                  <tr key={i}><td className="date">{when(c.at)}</td><td>{c.source}</td><td><code>{c.SOPInstanceUID}</code></td>
                    <td>{c.resolution === 'overwritten' ? t('admin.status.keptNew') : t('admin.status.keptFirst')}</td></tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="events-heading">
            <h2 id="events-heading">{t('admin.status.failures')}</h2>
            <p className="hint">{t('admin.status.failuresHint')}</p>
            <table className="studies" data-testid="event-failures">
              <thead><tr><th>{t('admin.status.columns.when')}</th><th>{t('admin.status.columns.what')}</th><th>{t('admin.status.columns.work')}</th>
                <th>{t('admin.status.columns.tries')}</th><th>{t('admin.status.columns.lastError')}</th>
                <th><span className="sr-only">{t('admin.status.columns.action')}</span></th></tr></thead>
              <tbody>
                {status.events.failures.length === 0 && <tr><td colSpan={6}>{t('admin.status.none')}</td></tr>}
                {status.events.failures.map((f) => (
                  <tr key={f.id}><td className="date">{when(f.at)}</td><td>{topicWords(f.topic)}</td><td>{consumerWords(f.consumer)}</td>
                    <td>{f.attempts}</td><td>{f.lastError}</td>
                    <td><button type="button" onClick={() => retry(f.id)} disabled={retrying === f.id}
                      aria-label={t('admin.status.retryLabel', { work: consumerWords(f.consumer) })}>
                      {retrying === f.id ? t('admin.status.retrying') : t('errors.retry')}</button></td></tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </AdminPage>
  );
}
