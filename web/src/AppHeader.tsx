// The bar over the study list and the patient's home: who is signed in, their account, sign-out.
import type { Session } from './api';
import type { Navigate } from './App';
import { adminPagesFor } from './admin/AdminNav';

export function AppHeader({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const adminPages = adminPagesFor(session);
  return (
    <header className="topbar">
      <strong>Vireo</strong>
      <span className="spacer" />
      <span>{session.username}</span>
      {adminPages.length > 0 && (
        <button type="button" onClick={() => navigate(adminPages[0].path)}>Administration</button>
      )}
      <button type="button" onClick={() => navigate('/account')}>Account</button>
      <button type="button" onClick={onSignOut}>Sign out</button>
    </header>
  );
}
