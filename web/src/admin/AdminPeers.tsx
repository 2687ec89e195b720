// Administration: the DICOM side. What a modality engineer types into a scanner to send here
// (this archive's AE title, host and ports), who may call it, and the configured peers with a
// button that sends each a C-ECHO and says, in plain words, why one does not answer.
import { useEffect, useState } from 'react';
import { type DicomPeers, type Session, dicomPeers, echoPeer } from '../api';
import type { Navigate } from '../session';
import { AdminPage } from './AdminNav';

const CALLERS: Record<DicomPeers['unknownCallers'], string> = {
  loopback: 'Only the peers below, and programs on this computer. Add a modality to the list to let it send.',
  refuse: 'Only the peers below.',
  accept: 'Any system that can reach the port (the peers below can also be C-MOVE destinations).',
};

type Echo = { state: 'running' } | { state: 'ok'; milliseconds: number } | { state: 'failed'; detail: string };

export function AdminPeers({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const [info, setInfo] = useState<DicomPeers | null>(null);
  const [error, setError] = useState('');
  const [echoes, setEchoes] = useState<Record<string, Echo>>({});
  useEffect(() => {
    dicomPeers().then(setInfo, (e) => setError(`The DICOM settings cannot be read: ${(e as Error).message}. Reload the page to try again.`));
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
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/peers" title="DICOM peers">
      {error && <p role="alert" className="error">{error}</p>}
      {info && (
        <>
          <section aria-labelledby="ours-heading" className="facts">
            <h2 id="ours-heading">To send images here, set the modality to</h2>
            <dl data-testid="our-side">
              <dt>AE title</dt><dd><code>{info.aet}</code></dd>
              <dt>Host</dt><dd><code>{info.host}</code> (or this computer's address on the network)</dd>
              <dt>Port</dt><dd><code>{info.port}</code>{info.tlsPort ? <>, or <code>{info.tlsPort}</code> with TLS</> : null}</dd>
              <dt>Who may send</dt><dd>{CALLERS[info.unknownCallers]}</dd>
            </dl>
          </section>
          <section aria-labelledby="peers-heading">
            <h2 id="peers-heading">Configured peers</h2>
            <p className="hint">Peers are set in the configuration file (<code>peers = AET@host:port, …</code>) and take effect
              when the server starts again. The test sends a C-ECHO from <code>{info.aet}</code>.</p>
            <table className="studies peers">
              <thead><tr><th>AE title</th><th>Host</th><th>Port</th><th>Test</th><th>Result</th></tr></thead>
              <tbody>
                {info.peers.length === 0 && <tr><td colSpan={5}>No peers are configured.</td></tr>}
                {info.peers.map((p) => {
                  const e = echoes[p.aet];
                  return (
                    <tr key={p.aet} data-peer={p.aet}>
                      <td><code>{p.aet}</code></td><td>{p.host}</td><td>{p.port}</td>
                      <td><button type="button" disabled={e?.state === 'running'} onClick={() => void echo(p.aet)}
                        aria-label={`Test the connection to ${p.aet}`}>Test (C-ECHO)</button></td>
                      <td data-testid="echo-result" role="status" className={e?.state === 'failed' ? 'error' : undefined}>
                        {e?.state === 'running' && 'Testing…'}
                        {e?.state === 'ok' && `Answered in ${Math.max(1, Math.round(e.milliseconds)).toLocaleString()} ms`}
                        {e?.state === 'failed' && `No: ${e.detail}`}
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
