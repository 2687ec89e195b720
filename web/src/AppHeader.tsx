// The bar over the study list and the patient's home: who is signed in, their account, sign-out.
import type { Session } from './api';
import type { Navigate } from './App';

export function AppHeader({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  return (
    <header className="topbar">
      <strong>Vireo</strong>
      <span className="spacer" />
      <span>{session.username}</span>
      {session.permissions.includes('users.admin') && (
        <button type="button" onClick={() => navigate('/admin/users')}>Administration</button>
      )}
      <button type="button" onClick={() => navigate('/account')}>Account</button>
      <button type="button" onClick={onSignOut}>Sign out</button>
    </header>
  );
}
