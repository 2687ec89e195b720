// Administration: the accounts. Create (a temporary password to hand over, changed at the first
// sign-in), disable and enable, unlock, reset the password or the authenticator, change roles.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type Session, type UserRecord, createUser, listUsers, resetPassword, setRoles, userAction } from '../api';
import type { Navigate } from '../session';
import { AdminPage, useAdminAction } from './AdminNav';

export const ROLES = ['admin', 'radiologist', 'technician', 'receptionist', 'referring', 'billing', 'patient'];

function state(u: UserRecord, now = Date.now()): string {
  if (u.disabled) return 'Disabled';
  if (u.lockedUntil && Date.parse(u.lockedUntil) > now) return 'Locked';
  return 'Active';
}

export function AdminUsers({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const [users, setUsers] = useState<UserRecord[] | null>(null);
  const { message, setMessage, act: run } = useAdminAction<{ text: string; password?: string; error?: boolean }>();
  const [editing, setEditing] = useState<{ username: string; roles: string[] } | null>(null);
  const reload = useCallback(() => listUsers().then(setUsers, (e) => setMessage({
    text: `The accounts cannot be read: ${(e as Error).message}. Reload the page to try again.`, error: true })), [setMessage]);
  useEffect(() => void reload(), [reload]);
  // An action, then what it did; a reset or a new account also hands over a temporary password.
  const act = (what: () => Promise<string | void>, done: string) =>
    run(async () => ({ text: done, password: (await what()) || undefined }), reload);

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/users" title="Accounts">
      {message && (
        <div role={message.error ? 'alert' : 'status'} className={message.error ? 'error' : 'notice-box'} data-testid="admin-message">
          <p>{message.text}</p>
          {'password' in message && message.password && (
            <p>Temporary password, shown only now: <code className="secret" data-testid="temporary-password">{message.password}</code>
              <br />Hand it over in person; it must be changed at the first sign-in.</p>
          )}
        </div>
      )}
      <NewUser onCreate={(u) => act(async () => (await createUser(u)).temporaryPassword, `Account ${u.username} created.`)} />
      <table className="studies users">
        <thead>
          <tr><th>User</th><th>Name</th><th>Roles</th><th>State</th><th>Authenticator</th><th>Actions</th></tr>
        </thead>
        <tbody>
          {users?.map((u) => (
            <tr key={u.username} data-user={u.username}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>
                {editing?.username === u.username ? (
                  <RoleChoice roles={editing.roles} onChange={(roles) => setEditing({ username: u.username, roles })} />
                ) : u.roles.join(', ')}
              </td>
              <td data-testid="state">{state(u)}</td>
              <td>{u.totpEnabled ? 'Set up' : 'Not set up'}</td>
              <td className="actions">
                {editing?.username === u.username ? (
                  <>
                    <button type="button" disabled={editing.roles.length === 0}
                      onClick={() => act(async () => { await setRoles(u.username, editing.roles); setEditing(null); },
                        `Roles of ${u.username} changed; their sessions ended.`)}>Save roles</button>
                    <button type="button" onClick={() => setEditing(null)}>Cancel</button>
                  </>
                ) : (
                  <>
                    <button type="button" onClick={() => setEditing({ username: u.username, roles: u.roles })}>Roles…</button>
                    {u.disabled
                      ? <button type="button" onClick={() => act(() => userAction(u.username, 'enable').then(() => undefined), `${u.username} can sign in again.`)}>Enable</button>
                      : <button type="button" disabled={u.username === session.username}
                        onClick={() => act(() => userAction(u.username, 'disable').then(() => undefined), `${u.username} is disabled; their sessions ended.`)}>Disable</button>}
                    {state(u) === 'Locked' && (
                      <button type="button" onClick={() => act(() => userAction(u.username, 'unlock').then(() => undefined), `${u.username} is unlocked.`)}>Unlock</button>
                    )}
                    <button type="button" onClick={() => act(() => resetPassword(u.username), `The password of ${u.username} was reset.`)}>Reset password</button>
                    {u.totpEnabled && (
                      <button type="button" onClick={() => act(() => userAction(u.username, 'reset-totp').then(() => undefined),
                        `${u.username} sets up an authenticator again at the next sign-in.`)}>Reset authenticator</button>
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
  return (
    <span role="group" aria-label="Roles" className="roles">
      {ROLES.map((r) => (
        <label key={r}>
          <input type="checkbox" checked={roles.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} /> {r}
        </label>
      ))}
    </span>
  );
}

function NewUser({ onCreate }: { onCreate: (u: { username: string; displayName: string; roles: string[]; patientId?: string;
  physicianName?: string }) => Promise<void> }) {
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
    <form className="new-user" onSubmit={submit} aria-label="New account">
      <h2>New account</h2>
      <label>User name <input name="new-username" value={username} onChange={(e) => setUsername(e.target.value)} /></label>
      <label>Name <input name="new-display-name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} /></label>
      <RoleChoice roles={roles} onChange={setRolesChosen} />
      {roles.includes('patient') && (
        <label>Patient ID <input name="new-patient-id" value={patientId} onChange={(e) => setPatientId(e.target.value)} /></label>
      )}
      {roles.includes('referring') && (
        <label>Name as studies carry it <input name="new-physician" placeholder="DOE^JANE" value={physicianName}
          onChange={(e) => setPhysicianName(e.target.value)} /></label>
      )}
      <button type="submit" disabled={!username || roles.length === 0}>Create account</button>
    </form>
  );
}
