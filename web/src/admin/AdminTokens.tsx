// Administration: how scripts and other systems reach the API. Personal tokens (a long-lived
// bearer token acting as one account) and OAuth clients (an integration that trades its id and
// secret for an hour-long token, RFC 6749 4.4). Secrets are shown once, in the answer that
// makes them; revoking a client revokes every token it was given.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type OAuthClientRecord, type Session, type TokenRecord, type UserRecord, createClient, createTokenFor, listClients,
  listTokens, listUsers, revokeClient, revokeToken } from '../api';
import type { Navigate } from '../session';
import { AdminPage, useAdminAction } from './AdminNav';

// What each permission lets a token do, in the words of the page (the name is for integrators).
export const SCOPES: { name: string; label: string }[] = [
  { name: 'archive.read', label: 'Find and read studies' },
  { name: 'archive.export', label: 'Download DICOM files' },
  { name: 'archive.store', label: 'Send images (STOW-RS)' },
  { name: 'archive.delete', label: 'Delete studies and series' },
  { name: 'archive.admin', label: 'Archive administration' },
  { name: 'users.admin', label: 'Manage accounts' },
  { name: 'audit.read', label: 'Read the audit trail' },
];

export function describeScopes(scopes: string[]): string {
  if (scopes.includes('*')) return 'Everything the account may do';
  return scopes.map((s) => SCOPES.find((x) => x.name === s)?.label ?? s).join(', ');
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

type Shown = { text: string; secret?: { label: string; value: string }[]; error?: boolean };

export function AdminTokens({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const [tokens, setTokens] = useState<TokenRecord[] | null>(null);
  const [clients, setClients] = useState<OAuthClientRecord[] | null>(null);
  const [users, setUsers] = useState<UserRecord[]>([]);
  const { message, setMessage, act: run } = useAdminAction<Shown>();
  const reload = useCallback(async () => {
    try {
      const [t, c, u] = await Promise.all([listTokens(), listClients(), listUsers()]);
      setTokens(t);
      setClients(c);
      setUsers(u);
    } catch (e) {
      setMessage({ text: `The tokens cannot be read: ${(e as Error).message}. Reload the page to try again.`, error: true });
    }
  }, [setMessage]);
  useEffect(() => void reload(), [reload]);

  const act = (what: () => Promise<Shown>) => run(what, reload);

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/tokens" title="Tokens and integrations">
      {message && (
        <div role={message.error ? 'alert' : 'status'} className={message.error ? 'error' : 'notice-box'} data-testid="admin-message">
          <p>{message.text}</p>
          {'secret' in message && message.secret && (
            <>
              <dl className="secrets">
                {message.secret.map((s) => (
                  <div key={s.label}><dt>{s.label}</dt><dd><code className="secret" data-testid="shown-secret">{s.value}</code></dd></div>
                ))}
              </dl>
              <p>Copy it now into the system that will use it: it is not shown again.</p>
            </>
          )}
        </div>
      )}

      <section aria-labelledby="clients-heading">
        <h2 id="clients-heading">OAuth clients</h2>
        <p className="hint">An integration (a RIS, a reporting system, an AI engine) gets a client id and a secret, and exchanges them
          at <code>POST /oauth/token</code> for a token that lasts an hour. It acts as the account named here, limited to the
          permissions chosen.</p>
        <GrantForm kind="client" users={users} onCreate={(username, name, scopes) => act(async () => {
          const c = await createClient({ username, name, scopes });
          return { text: `Client “${c.name}” created; it acts as ${c.username}.`,
            secret: [{ label: 'Client id', value: c.clientId }, { label: 'Client secret', value: c.clientSecret ?? '' }] };
        })} />
        <table className="studies grants" data-testid="clients">
          <thead><tr><th>Name</th><th>Client id</th><th>Acts as</th><th>May</th><th>Created</th><th>State</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {clients?.length === 0 && <tr><td colSpan={7}>No clients yet.</td></tr>}
            {clients?.map((c) => (
              <tr key={c.clientId} data-client={c.name}>
                <td>{c.name}</td><td><code>{c.clientId}</code></td><td>{c.username}</td><td>{describeScopes(c.scopes)}</td>
                <td className="date">{when(c.createdAt)}</td><td data-testid="state">{c.revoked ? 'Revoked' : 'Active'}</td>
                <td>{!c.revoked && (
                  <button type="button" onClick={() => act(async () => {
                    await revokeClient(c.clientId);
                    return { text: `Client “${c.name}” revoked, with every token it was given.` };
                  })}>Revoke</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">Personal API tokens</h2>
        <p className="hint">A token acts as its account until it expires or is revoked; scripts send it as
          <code> Authorization: Bearer …</code>. People make their own from the command line (<code>vireo token create</code>)
          or through the API; an administrator can make one for any account here.</p>
        <GrantForm kind="token" users={users} onCreate={(username, name, scopes, days) => act(async () => {
          const t = await createTokenFor(username, { name, scopes, expiresInDays: days });
          return { text: `Token “${t.name}” created for ${t.username}.`, secret: [{ label: 'Token', value: t.token ?? '' }] };
        })} />
        <table className="studies grants" data-testid="tokens">
          <thead><tr><th>Name</th><th>Account</th><th>May</th><th>Created</th><th>Expires</th><th>Last used</th><th>State</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {tokens?.length === 0 && <tr><td colSpan={8}>No tokens yet.</td></tr>}
            {tokens?.map((t) => {
              const expired = t.expiresAt !== null && Date.parse(t.expiresAt) < Date.now();
              return (
                <tr key={t.id} data-token={t.name}>
                  <td>{t.name}</td><td>{t.username}</td><td>{describeScopes(t.scopes)}</td>
                  <td className="date">{when(t.createdAt)}</td><td className="date">{t.expiresAt ? when(t.expiresAt) : 'Never'}</td>
                  <td className="date">{when(t.lastUsed)}</td>
                  <td data-testid="state">{t.revoked ? 'Revoked' : expired ? 'Expired' : 'Active'}</td>
                  <td>{!t.revoked && !expired && (
                    <button type="button" onClick={() => act(async () => {
                      await revokeToken(t.id);
                      return { text: `Token “${t.name}” of ${t.username} revoked.` };
                    })}>Revoke</button>
                  )}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </AdminPage>
  );
}

// A new client or token: for which account, its name, what it may do (and for a token, how long).
function GrantForm({ kind, users, onCreate }: { kind: 'client' | 'token'; users: UserRecord[];
  onCreate: (username: string, name: string, scopes: string[], days?: number) => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [days, setDays] = useState('');
  const title = kind === 'client' ? 'New OAuth client' : 'New token';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await onCreate(username, name, scopes.length ? scopes : ['*'], days ? Number(days) : undefined);
    setName('');
    setScopes([]);
    setDays('');
  };
  const active = users.filter((u) => !u.disabled && !u.roles.includes('patient'));
  return (
    <form className="new-user" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      <label>Acts as
        <select name={`${kind}-user`} value={username} onChange={(e) => setUsername(e.target.value)}>
          <option value="">Choose an account</option>
          {active.map((u) => <option key={u.username} value={u.username}>{u.username} ({u.roles.join(', ')})</option>)}
        </select>
      </label>
      <label>Name <input name={`${kind}-name`} placeholder={kind === 'client' ? 'RIS bridge' : 'Nightly export'} value={name}
        onChange={(e) => setName(e.target.value)} /></label>
      {kind === 'token' && (
        <label>Expires after (days) <input name="token-days" type="number" min={1} max={3650} placeholder="never" value={days}
          onChange={(e) => setDays(e.target.value)} /></label>
      )}
      <fieldset className="roles">
        <legend>May (none chosen: everything the account may do)</legend>
        {SCOPES.map((s) => (
          <label key={s.name}>
            <input type="checkbox" checked={scopes.includes(s.name)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, s.name] : scopes.filter((x) => x !== s.name))} /> {s.label}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={!username || !name.trim()}>{kind === 'client' ? 'Create client' : 'Create token'}</button>
    </form>
  );
}
