// Who is signed in, for every page under the shell: the session, sign-out, and the
// application's navigation as the older pages take it (a function of a path).
import { createContext, useCallback, useContext } from 'react';
import { useNavigate } from 'react-router';
import type { Session } from './api';

export type Navigate = (path: string) => void;

export interface SessionState {
  session: Session;
  signOut: () => void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}

export function useAppNavigate(): Navigate {
  const navigate = useNavigate();
  return useCallback((path: string) => void navigate(path), [navigate]);
}

// The radiologist's home is the reading worklist (the study list is a link away).
export function readsReports(session: Session): boolean {
  return session.roles.includes('radiologist') && session.permissions.includes('reporting.read');
}

// Where the study list is for this account: its home, or /studies for a radiologist.
export function studyListPath(session: Session): string {
  return readsReports(session) ? '/studies' : '/';
}

export function can(session: Session, permission: string): boolean {
  return session.permissions.includes(permission);
}
