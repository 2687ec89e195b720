// Administration: the archive at a glance. How much it holds, how much room is left before it
// refuses new images, and the latest instances it refused or received twice with other content,
// each with its reason, so that a sender's problem is found before a radiologist misses a study;
// and the follow-up work between parts of Vireo that was given up, to be tried again.
import { useCallback, useEffect, useState } from 'react';
import { type Session, type SystemStatus, retryEvent, systemStatus } from '../api';
import type { Navigate } from '../session';
import { AdminPage } from './AdminNav';

export function formatBytes(n: number): string {
  // Binary units, as the operating system and min_free_space_mb count them.
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toLocaleString(undefined, { maximumFractionDigits: i === 0 ? 0 : 1 })} ${units[i]}`;
}

// Below twice the floor, the page warns: a busy day's images may not fit.
export function storageWarning(s: SystemStatus['storage']): string | null {
  if (s.freeBytes === null) return 'The free space of the image store cannot be read.';
  if (s.freeBytes < s.minFreeBytes) return 'The image store is full: new images are being refused. Free space or add storage now.';
  if (s.freeBytes < 2 * s.minFreeBytes) return 'The image store is nearly full: new images will soon be refused. Free space or add storage.';
  return null;
}

const when = (iso: string) => new Date(iso).toLocaleString();

// What the outbox's topics and consumers mean, in the words of the person reading the page.
const TOPICS: Record<string, string> = {
  'study.received': 'A study arrived',
  'instance.stored': 'An image was stored',
  'study.deleted': 'A study was deleted',
  'series.deleted': 'A series was deleted',
};
const CONSUMERS: Record<string, string> = {
  'annotations.study-deleted': "Remove the deleted study's measurements and annotations",
  'ai.study-deleted': "Remove the deleted study's AI findings",
};
export const topicWords = (t: string) => TOPICS[t] ?? t;
export const consumerWords = (c: string) => CONSUMERS[c] ?? c;

export function AdminStatus({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    setError('');
    systemStatus().then(setStatus, (e) => setError(`The status cannot be read: ${(e as Error).message}. Try again in a moment.`));
  }, []);
  useEffect(load, [load]);
  const warning = status && storageWarning(status.storage);
  const [retrying, setRetrying] = useState<number | null>(null);
  const retry = (id: number) => {
    setRetrying(id);
    retryEvent(id).then(
      () => { setRetrying(null); load(); },
      (e) => { setRetrying(null); setError(`It could not be tried again: ${(e as Error).message}. Refresh the page and try again.`); },
    );
  };

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/status" title="System status"
      titleAction={<button type="button" onClick={load}>Refresh</button>}>
      {error && <p role="alert" className="error">{error}</p>}
      {status && (
        <>
          {warning && <p role="alert" className="error" data-testid="storage-warning">{warning}</p>}
          <div className="tiles" data-testid="counts">
            {([['Patients', status.counts.patients], ['Studies', status.counts.studies], ['Series', status.counts.series],
              ['Images and objects', status.counts.instances]] as const).map(([label, n]) => (
              <div key={label} className="tile"><span className="figure">{n.toLocaleString()}</span><span>{label}</span></div>
            ))}
            <div className="tile"><span className="figure" data-testid="archive-bytes">{formatBytes(status.storage.archiveBytes)}</span>
              <span>stored</span></div>
            <div className="tile"><span className="figure" data-testid="free-bytes">
              {status.storage.freeBytes === null ? '—' : formatBytes(status.storage.freeBytes)}</span>
              <span>free (refuses below {formatBytes(status.storage.minFreeBytes)})</span></div>
            <div className="tile"><span className="figure" data-testid="events-pending">{status.events.pending.toLocaleString()}</span>
              <span>follow-up tasks waiting</span></div>
          </div>

          <section aria-labelledby="rejections-heading">
            <h2 id="rejections-heading">Refused instances</h2>
            <p className="hint">The latest objects the archive did not keep, and why. The sender was told; it may send them again once
              the cause is fixed.</p>
            <table className="studies" data-testid="rejections">
              <thead><tr><th>When</th><th>From</th><th>SOP Instance UID</th><th>Reason</th></tr></thead>
              <tbody>
                {status.rejections.length === 0 && <tr><td colSpan={4}>None.</td></tr>}
                {status.rejections.map((r, i) => (
                  <tr key={i}><td className="date">{when(r.at)}</td><td>{r.source || '—'}</td><td><code>{r.SOPInstanceUID || '—'}</code></td>
                    <td>{r.reason}</td></tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="conflicts-heading">
            <h2 id="conflicts-heading">Received twice with different content</h2>
            <p className="hint">The same SOP Instance UID arrived again with other bytes. The archive kept the copy named here; compare
              them with the sender before deleting anything.</p>
            <table className="studies" data-testid="conflicts">
              <thead><tr><th>When</th><th>From</th><th>SOP Instance UID</th><th>Kept</th></tr></thead>
              <tbody>
                {status.conflicts.length === 0 && <tr><td colSpan={4}>None.</td></tr>}
                {status.conflicts.map((c, i) => (
                  <tr key={i}><td className="date">{when(c.at)}</td><td>{c.source}</td><td><code>{c.SOPInstanceUID}</code></td>
                    <td>{c.resolution === 'overwritten' ? 'The new copy (it replaced the first)' : 'The first copy'}</td></tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="events-heading">
            <h2 id="events-heading">Follow-up work that failed</h2>
            <p className="hint">When something changes (a study is deleted, later an order placed or a report signed), Vireo tells the
              parts that must act on it, and tries again for hours if they fail. These were given up. Fix the cause the last error
              names, then try again.</p>
            <table className="studies" data-testid="event-failures">
              <thead><tr><th>When</th><th>What happened</th><th>Work to do</th><th>Tries</th><th>Last error</th><th><span className="sr-only">Action</span></th></tr></thead>
              <tbody>
                {status.events.failures.length === 0 && <tr><td colSpan={6}>None.</td></tr>}
                {status.events.failures.map((f) => (
                  <tr key={f.id}><td className="date">{when(f.at)}</td><td>{topicWords(f.topic)}</td><td>{consumerWords(f.consumer)}</td>
                    <td>{f.attempts}</td><td>{f.lastError}</td>
                    <td><button type="button" onClick={() => retry(f.id)} disabled={retrying === f.id}
                      aria-label={`Try again: ${consumerWords(f.consumer)}`}>{retrying === f.id ? 'Trying…' : 'Try again'}</button></td></tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </AdminPage>
  );
}
