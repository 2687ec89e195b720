// Administration: how scripts and other systems reach the API. Personal tokens (a long-lived
// bearer token acting as one account) and OAuth clients (an integration that trades its id and
// secret for an hour-long token, RFC 6749 4.4). Secrets are shown once, in the answer that
// makes them; revoking a client revokes every token it was given.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { type OAuthClientRecord, type Session, type TokenRecord, type UserRecord, createClient, createTokenFor, listClients,
  listTokens, listUsers, revokeClient, revokeToken } from '../api';
import type { Navigate } from '../session';
import { AdminPage, useAdminAction } from './AdminNav';
import i18n, { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';

// What each permission lets a token do, in the words of the page (the name is for integrators).
export const SCOPES = [
  { name: 'archive.read', label: 'archiveRead' },
  { name: 'archive.export', label: 'archiveExport' },
  { name: 'archive.store', label: 'archiveStore' },
  { name: 'archive.delete', label: 'archiveDelete' },
  { name: 'archive.admin', label: 'archiveAdmin' },
  { name: 'users.admin', label: 'usersAdmin' },
  { name: 'audit.read', label: 'auditRead' },
] as const;

const scopeWords = (name: string) => {
  const scope = SCOPES.find((x) => x.name === name);
  return scope ? i18n.t(`admin.tokens.scopes.${scope.label}`) : name;
};

export function describeScopes(scopes: string[]): string {
  if (scopes.includes('*')) return i18n.t('admin.tokens.everything');
  return scopes.map(scopeWords).join(', ');
}

const when = (iso: string | null, locale: string) => (iso ? formatMoment(iso, locale) : '—');

type Shown = { text: string; secret?: { label: string; value: string }[]; error?: boolean };

export function AdminTokens({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t, i18n: { language } } = useTranslation();
  const locale = formatLocale(language);
  const [tokens, setTokens] = useState<TokenRecord[] | null>(null);
  const [clients, setClients] = useState<OAuthClientRecord[] | null>(null);
  const [users, setUsers] = useState<UserRecord[]>([]);
  const { message, setMessage, act: run } = useAdminAction<Shown>();
  const reload = useCallback(async () => {
    try {
      const [tk, c, u] = await Promise.all([listTokens(), listClients(), listUsers()]);
      setTokens(tk);
      setClients(c);
      setUsers(u);
    } catch (e) {
      setMessage({ text: t('admin.tokens.unreadable', { error: (e as Error).message }), error: true });
    }
  }, [setMessage, t]);
  useEffect(() => void reload(), [reload]);

  const act = (what: () => Promise<Shown>) => run(what, reload);

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/tokens" title={t('adminNav.tokens')}>
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
              <p>{t('admin.tokens.copyNow')}</p>
            </>
          )}
        </div>
      )}

      <section aria-labelledby="clients-heading">
        <h2 id="clients-heading">{t('admin.tokens.clients')}</h2>
        <p className="hint"><Trans t={t} i18nKey="admin.tokens.clientsHint" components={{ code: <code /> }} /></p>
        <GrantForm kind="client" users={users} onCreate={(username, name, scopes) => act(async () => {
          const c = await createClient({ username, name, scopes });
          return { text: t('admin.tokens.clientCreated', { name: c.name, user: c.username }),
            secret: [{ label: t('admin.tokens.clientId'), value: c.clientId }, { label: t('admin.tokens.clientSecret'), value: c.clientSecret ?? '' }] };
        })} />
        <table className="studies grants" data-testid="clients">
          <thead><tr><th>{t('admin.tokens.columns.name')}</th><th>{t('admin.tokens.columns.clientId')}</th><th>{t('admin.tokens.columns.actsAs')}</th>
            <th>{t('admin.tokens.columns.may')}</th><th>{t('admin.tokens.columns.created')}</th><th>{t('admin.tokens.columns.state')}</th>
            <th><span className="sr-only">{t('admin.tokens.columns.actions')}</span></th></tr></thead>
          <tbody>
            {clients?.length === 0 && <tr><td colSpan={7}>{t('admin.tokens.noClients')}</td></tr>}
            {clients?.map((c) => (
              <tr key={c.clientId} data-client={c.name}>
                <td>{c.name}</td><td><code>{c.clientId}</code></td><td>{c.username}</td><td>{describeScopes(c.scopes)}</td>
                <td className="date">{when(c.createdAt, locale)}</td>
                <td data-testid="state">{c.revoked ? t('admin.tokens.state.revoked') : t('admin.tokens.state.active')}</td>
                <td>{!c.revoked && (
                  <button type="button" onClick={() => act(async () => {
                    await revokeClient(c.clientId);
                    return { text: t('admin.tokens.clientRevoked', { name: c.name }) };
                  })}>{t('admin.tokens.revoke')}</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">{t('admin.tokens.tokens')}</h2>
        <p className="hint"><Trans t={t} i18nKey="admin.tokens.tokensHint" components={{ code: <code /> }} /></p>
        <GrantForm kind="token" users={users} onCreate={(username, name, scopes, days) => act(async () => {
          const made = await createTokenFor(username, { name, scopes, expiresInDays: days });
          return { text: t('admin.tokens.tokenCreated', { name: made.name, user: made.username }),
            secret: [{ label: t('admin.tokens.token'), value: made.token ?? '' }] };
        })} />
        <table className="studies grants" data-testid="tokens">
          <thead><tr><th>{t('admin.tokens.columns.name')}</th><th>{t('admin.tokens.columns.account')}</th><th>{t('admin.tokens.columns.may')}</th>
            <th>{t('admin.tokens.columns.created')}</th><th>{t('admin.tokens.columns.expires')}</th><th>{t('admin.tokens.columns.lastUsed')}</th>
            <th>{t('admin.tokens.columns.state')}</th><th><span className="sr-only">{t('admin.tokens.columns.actions')}</span></th></tr></thead>
          <tbody>
            {tokens?.length === 0 && <tr><td colSpan={8}>{t('admin.tokens.noTokens')}</td></tr>}
            {tokens?.map((tk) => {
              const expired = tk.expiresAt !== null && Date.parse(tk.expiresAt) < Date.now();
              return (
                <tr key={tk.id} data-token={tk.name}>
                  <td>{tk.name}</td><td>{tk.username}</td><td>{describeScopes(tk.scopes)}</td>
                  <td className="date">{when(tk.createdAt, locale)}</td>
                  <td className="date">{tk.expiresAt ? when(tk.expiresAt, locale) : t('admin.tokens.never')}</td>
                  <td className="date">{when(tk.lastUsed, locale)}</td>
                  <td data-testid="state">{tk.revoked ? t('admin.tokens.state.revoked') : expired ? t('admin.tokens.state.expired')
                    : t('admin.tokens.state.active')}</td>
                  <td>{!tk.revoked && !expired && (
                    <button type="button" onClick={() => act(async () => {
                      await revokeToken(tk.id);
                      return { text: t('admin.tokens.tokenRevoked', { name: tk.name, user: tk.username }) };
                    })}>{t('admin.tokens.revoke')}</button>
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
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [days, setDays] = useState('');
  const title = kind === 'client' ? t('admin.tokens.newClient') : t('admin.tokens.newToken');
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
      <label>{t('admin.tokens.actsAs')}
        <select name={`${kind}-user`} value={username} onChange={(e) => setUsername(e.target.value)}>
          <option value="">{t('admin.tokens.chooseAccount')}</option>
          {active.map((u) => <option key={u.username} value={u.username}>{u.username} ({u.roles.join(', ')})</option>)}
        </select>
      </label>
      <label>{t('admin.tokens.name')} <input name={`${kind}-name`}
        placeholder={kind === 'client' ? t('admin.tokens.clientExample') : t('admin.tokens.tokenExample')} value={name}
        onChange={(e) => setName(e.target.value)} /></label>
      {kind === 'token' && (
        <label>{t('admin.tokens.expiresAfter')} <input name="token-days" type="number" min={1} max={3650}
          placeholder={t('admin.tokens.neverExpires')} value={days}
          onChange={(e) => setDays(e.target.value)} /></label>
      )}
      <fieldset className="roles">
        <legend>{t('admin.tokens.may')}</legend>
        {SCOPES.map((s) => (
          <label key={s.name}>
            <input type="checkbox" checked={scopes.includes(s.name)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, s.name] : scopes.filter((x) => x !== s.name))} /> {t(`admin.tokens.scopes.${s.label}`)}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={!username || !name.trim()}>{kind === 'client' ? t('admin.tokens.createClient') : t('admin.tokens.createToken')}</button>
    </form>
  );
}
