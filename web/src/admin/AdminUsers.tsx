// Administration: the accounts. Create (a temporary password to hand over, changed at the first
// sign-in), disable and enable, unlock, reset the password or the authenticator, change roles.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Session, type UserRecord, createUser, listUsers, resetPassword, setRoles, userAction } from '../api';
import type { Navigate } from '../session';
import { AdminPage, useAdminAction } from './AdminNav';

export const ROLES = ['admin', 'radiologist', 'technician', 'receptionist', 'referring', 'billing', 'patient'] as const;

function state(u: UserRecord, now = Date.now()): 'disabled' | 'locked' | 'active' {
  if (u.disabled) return 'disabled';
  if (u.lockedUntil && Date.parse(u.lockedUntil) > now) return 'locked';
  return 'active';
}

// A role in the reader's words; one the page does not know by its code.
function useRoleName() {
  const { t } = useTranslation();
  return (role: string) => ((ROLES as readonly string[]).includes(role) ? t(`admin.users.roleNames.${role as (typeof ROLES)[number]}`) : role);
}

export function AdminUsers({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t } = useTranslation();
  const roleName = useRoleName();
  const [users, setUsers] = useState<UserRecord[] | null>(null);
  const { message, setMessage, act: run } = useAdminAction<{ text: string; password?: string; error?: boolean }>();
  const [editing, setEditing] = useState<{ username: string; roles: string[] } | null>(null);
  const reload = useCallback(() => listUsers().then(setUsers, (e) => setMessage({
    text: t('admin.users.unreadable', { error: (e as Error).message }), error: true })), [setMessage, t]);
  useEffect(() => void reload(), [reload]);
  // An action, then what it did; a reset or a new account also hands over a temporary password.
  const act = (what: () => Promise<string | void>, done: string) =>
    run(async () => ({ text: done, password: (await what()) || undefined }), reload);

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/users" title={t('adminNav.users')}>
      {message && (
        <div role={message.error ? 'alert' : 'status'} className={message.error ? 'error' : 'notice-box'} data-testid="admin-message">
          <p>{message.text}</p>
          {'password' in message && message.password && (
            <p>{t('admin.users.temporaryPassword')} <code className="secret" data-testid="temporary-password">{message.password}</code>
              <br />{t('admin.users.handOver')}</p>
          )}
        </div>
      )}
      <NewUser onCreate={(u) => act(async () => (await createUser(u)).temporaryPassword, t('admin.users.created', { user: u.username }))} />
      <table className="studies users">
        <thead>
          <tr><th>{t('admin.users.columns.user')}</th><th>{t('admin.users.columns.name')}</th><th>{t('admin.users.columns.roles')}</th>
            <th>{t('admin.users.columns.state')}</th><th>{t('admin.users.columns.authenticator')}</th><th>{t('admin.users.columns.actions')}</th></tr>
        </thead>
        <tbody>
          {users?.map((u) => (
            <tr key={u.username} data-user={u.username}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>
                {editing?.username === u.username ? (
                  <RoleChoice roles={editing.roles} onChange={(roles) => setEditing({ username: u.username, roles })} />
                ) : u.roles.map(roleName).join(', ')}
              </td>
              <td data-testid="state">{t(`admin.users.state.${state(u)}`)}</td>
              <td>{u.totpEnabled ? t('admin.users.totpSet') : t('admin.users.totpNotSet')}</td>
              <td className="actions">
                {editing?.username === u.username ? (
                  <>
                    <button type="button" disabled={editing.roles.length === 0}
                      onClick={() => act(async () => { await setRoles(u.username, editing.roles); setEditing(null); },
                        t('admin.users.rolesSaved', { user: u.username }))}>{t('admin.users.saveRoles')}</button>
                    <button type="button" onClick={() => setEditing(null)}>{t('admin.users.cancel')}</button>
                  </>
                ) : (
                  <>
                    <button type="button" onClick={() => setEditing({ username: u.username, roles: u.roles })}>{t('admin.users.editRoles')}</button>
                    {u.disabled
                      ? <button type="button" onClick={() => act(() => userAction(u.username, 'enable').then(() => undefined), t('admin.users.enabled', { user: u.username }))}>{t('admin.users.enable')}</button>
                      : <button type="button" disabled={u.username === session.username}
                        onClick={() => act(() => userAction(u.username, 'disable').then(() => undefined), t('admin.users.disabled', { user: u.username }))}>
                        {t('admin.users.disable')}</button>}
                    {state(u) === 'locked' && (
                      <button type="button" onClick={() => act(() => userAction(u.username, 'unlock').then(() => undefined),
                        t('admin.users.unlocked', { user: u.username }))}>{t('admin.users.unlock')}</button>
                    )}
                    <button type="button" onClick={() => act(() => resetPassword(u.username), t('admin.users.passwordReset', { user: u.username }))}>
                      {t('admin.users.resetPassword')}</button>
                    {u.totpEnabled && (
                      <button type="button" onClick={() => act(() => userAction(u.username, 'reset-totp').then(() => undefined),
                        t('admin.users.totpReset', { user: u.username }))}>{t('admin.users.resetTotp')}</button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminPage>
  );
}

function RoleChoice({ roles, onChange }: { roles: string[]; onChange: (roles: string[]) => void }) {
  const { t } = useTranslation();
  const roleName = useRoleName();
  return (
    <span role="group" aria-label={t('admin.users.roles')} className="roles">
      {ROLES.map((r) => (
        <label key={r}>
          <input type="checkbox" checked={roles.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} /> {roleName(r)}
        </label>
      ))}
    </span>
  );
}

function NewUser({ onCreate }: { onCreate: (u: { username: string; displayName: string; roles: string[]; patientId?: string;
  physicianName?: string }) => Promise<void> }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roles, setRolesChosen] = useState<string[]>([]);
  const [patientId, setPatientId] = useState('');
  const [physicianName, setPhysicianName] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await onCreate({ username, displayName, roles, patientId: patientId || undefined, physicianName: physicianName || undefined });
    setUsername('');
    setDisplayName('');
    setRolesChosen([]);
    setPatientId('');
    setPhysicianName('');
  };
  return (
    <form className="new-user" onSubmit={submit} aria-label={t('admin.users.newAccount')}>
      <h2>{t('admin.users.newAccount')}</h2>
      <label>{t('admin.users.username')} <input name="new-username" value={username} onChange={(e) => setUsername(e.target.value)} /></label>
      <label>{t('admin.users.name')} <input name="new-display-name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} /></label>
      <RoleChoice roles={roles} onChange={setRolesChosen} />
      {roles.includes('patient') && (
        <label>{t('admin.users.patientId')} <input name="new-patient-id" value={patientId} onChange={(e) => setPatientId(e.target.value)} /></label>
      )}
      {roles.includes('referring') && (
        <label>{t('admin.users.physicianName')} <input name="new-physician" placeholder="DOE^JANE" value={physicianName}
          onChange={(e) => setPhysicianName(e.target.value)} /></label>
      )}
      <button type="submit" disabled={!username || roles.length === 0}>{t('admin.users.create')}</button>
    </form>
  );
}
