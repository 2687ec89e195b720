// Administration: the DICOM side. What a modality engineer types into a scanner to send here
// (this archive's AE title, host and ports), who may call it, and the configured peers with a
// button that sends each a C-ECHO and says, in plain words, why one does not answer.
import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { type DicomPeers, type Session, dicomPeers, echoPeer } from '../api';
import type { Navigate } from '../session';
import { AdminPage } from './AdminNav';
import { formatLocale } from '../i18n';

type Echo = { state: 'running' } | { state: 'ok'; milliseconds: number } | { state: 'failed'; detail: string };

export function AdminPeers({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t, i18n: { language } } = useTranslation();
  const [info, setInfo] = useState<DicomPeers | null>(null);
  const [error, setError] = useState('');
  const [echoes, setEchoes] = useState<Record<string, Echo>>({});
  useEffect(() => {
    dicomPeers().then(setInfo, (e) => setError(t('admin.peers.unreadable', { error: (e as Error).message })));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const echo = async (aet: string) => {
    setEchoes((m) => ({ ...m, [aet]: { state: 'running' } }));
    let result: Echo;
    try {
      const r = await echoPeer(aet);
      result = r.ok ? { state: 'ok', milliseconds: r.milliseconds ?? 0 } : { state: 'failed', detail: r.detail ?? '' };
    } catch (e) {
      result = { state: 'failed', detail: (e as Error).message };
    }
    setEchoes((m) => ({ ...m, [aet]: result }));
  };

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/peers" title={t('adminNav.peers')}>
      {error && <p role="alert" className="error">{error}</p>}
      {info && (
        <>
          <section aria-labelledby="ours-heading" className="facts">
            <h2 id="ours-heading">{t('admin.peers.ours')}</h2>
            <dl data-testid="our-side">
              <dt>{t('admin.peers.aeTitle')}</dt><dd><code>{info.aet}</code></dd>
              <dt>{t('admin.peers.host')}</dt><dd><code>{info.host}</code> {t('admin.peers.thisComputer')}</dd>
              <dt>{t('admin.peers.port')}</dt><dd><code>{info.port}</code>{info.tlsPort
                ? <Trans t={t} i18nKey="admin.peers.tls" values={{ port: info.tlsPort }} components={{ code: <code /> }} /> : null}</dd>
              <dt>{t('admin.peers.whoMaySend')}</dt><dd>{t(`admin.peers.callers.${info.unknownCallers}`)}</dd>
            </dl>
          </section>
          <section aria-labelledby="peers-heading">
            <h2 id="peers-heading">{t('admin.peers.configured')}</h2>
            <p className="hint"><Trans t={t} i18nKey="admin.peers.configuredHint" values={{ aet: info.aet }} components={{ code: <code /> }} /></p>
            <table className="studies peers">
              <thead><tr><th>{t('admin.peers.columns.aeTitle')}</th><th>{t('admin.peers.columns.host')}</th><th>{t('admin.peers.columns.port')}</th>
                <th>{t('admin.peers.columns.test')}</th><th>{t('admin.peers.columns.result')}</th></tr></thead>
              <tbody>
                {info.peers.length === 0 && <tr><td colSpan={5}>{t('admin.peers.none')}</td></tr>}
                {info.peers.map((p) => {
                  const e = echoes[p.aet];
                  return (
                    <tr key={p.aet} data-peer={p.aet}>
                      <td><code>{p.aet}</code></td><td>{p.host}</td><td>{p.port}</td>
                      <td><button type="button" disabled={e?.state === 'running'} onClick={() => void echo(p.aet)}
                        aria-label={t('admin.peers.testLabel', { aet: p.aet })}>{t('admin.peers.test')}</button></td>
                      <td data-testid="echo-result" role="status" className={e?.state === 'failed' ? 'error' : undefined}>
                        {e?.state === 'running' && t('admin.peers.testing')}
                        {e?.state === 'ok' && t('admin.peers.answered',
                          { ms: Math.max(1, Math.round(e.milliseconds)).toLocaleString(formatLocale(language)) })}
                        {e?.state === 'failed' && t('admin.peers.failed', { detail: e.detail })}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        </>
      )}
    </AdminPage>
  );
}
