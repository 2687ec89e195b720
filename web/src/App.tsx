// The application shell: who is signed in, and which page the address names. Pages are
// plain paths (/, /login, /viewer/{StudyInstanceUID}) that the server answers with this
// application, so links and reloads work.
import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import { type Session, currentSession, signOut } from './api';
import { SignIn, TotpEnrolment } from './SignIn';
import { PasswordChange } from './Account';
import { Worklist } from './Worklist';
import { PatientHome } from './PatientHome';
import { AdminUsers } from './admin/AdminUsers';
import { AdminAudit } from './admin/AdminAudit';
import { AdminTokens } from './admin/AdminTokens';
import { AdminPeers } from './admin/AdminPeers';
import { AdminStatus } from './admin/AdminStatus';
import { ADMIN_PAGES, adminPagesFor } from './admin/AdminNav';
import { prefetchStudy } from './studyData';

// The viewer is its own chunk: the sign-in page and the worklist load without Cornerstone3D.
type ViewerModule = typeof import('./viewer/ViewerPage');
let viewerModule: ViewerModule | null = null;
const loadViewer = () => import('./viewer/ViewerPage').then((m) => (viewerModule = m));
// When the worklist has already fetched it, lazy() is handed a thenable that answers at once:
// a promise would suspend the page once more, and React holds a Suspense boundary's content
// back for up to 300 ms after its fallback was shown.
const ViewerPage = lazy(() =>
  viewerModule ? ({ then: (done: (m: ViewerModule) => void) => done(viewerModule!) } as unknown as Promise<ViewerModule>) : loadViewer());
// Opening a study link directly: fetch the viewer and the study while the session is checked.
if (location.pathname.startsWith('/viewer/')) {
  void loadViewer();
  const study = studyOf(location.pathname);
  if (study) prefetchStudy(study);
}

export type Navigate = (path: string) => void;

const ADMIN_PATHS: string[] = ['/admin', ...ADMIN_PAGES.map((p) => p.path)];

function studyOf(path: string): string | null {
  const m = /^\/viewer\/([0-9.]{1,64})\/?$/.exec(path);
  return m ? m[1] : null;
}

export function App() {
  const [path, setPath] = useState(location.pathname);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState('');

  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    window.addEventListener('popstate', onPop);
    currentSession().then(setSession, (e) => setError(String(e.message ?? e)));
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback<Navigate>((to) => {
    if (to !== location.pathname) history.pushState(null, '', to);
    setPath(to);
  }, []);

  const leave = useCallback(async () => {
    await signOut().catch(() => undefined);
    setSession(null);
  }, []);

  if (error) return <div className="page-message">The server cannot be reached: {error}</div>;
  if (session === undefined) return <div className="page-message">Loading…</div>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  if (session.totpEnrolmentRequired) return <TotpEnrolment onDone={() => currentSession().then(setSession)} onSignOut={leave} />;
  if (session.passwordChangeRequired) {
    return <PasswordChange forced onDone={() => currentSession().then(setSession)} onSignOut={leave} />;
  }
  if (path === '/account') return <PasswordChange forced={false} onDone={() => navigate('/')} onSignOut={leave} />;

  // The address of the sign-in page means the study list once signed in.
  // A patient has their own home and a viewer without the staff's tools.
  const patientOnly = session.roles.length > 0 && session.roles.every((r) => r === 'patient');
  if (path === '/login') {
    history.replaceState(null, '', '/');
    if (patientOnly) return <PatientHome session={session} navigate={navigate} onSignOut={leave} />;
    return <Worklist session={session} navigate={navigate} onSignOut={leave} prefetchViewer={loadViewer} />;
  }
  const study = studyOf(path);
  if (study) {
    return (
      <Suspense fallback={<div className="page-message">Opening the viewer…</div>}>
        <ViewerPage study={study} navigate={navigate} simple={patientOnly} />
      </Suspense>
    );
  }
  if (path === '/admin' || path.startsWith('/admin/')) {
    const allowed = adminPagesFor(session);
    const page = path === '/admin' ? allowed[0] : allowed.find((p) => p.path === path);
    const props = { session, navigate, onSignOut: leave };
    if (page?.path === '/admin/users') return <AdminUsers {...props} />;
    if (page?.path === '/admin/tokens') return <AdminTokens {...props} />;
    if (page?.path === '/admin/peers') return <AdminPeers {...props} />;
    if (page?.path === '/admin/status') return <AdminStatus {...props} />;
    if (page?.path === '/admin/audit') return <AdminAudit {...props} />;
    if (!ADMIN_PATHS.includes(path)) return <NotFound path={path} navigate={navigate} />;
    return (
      <main className="not-found" data-testid="not-allowed">
        <h1>Administration</h1>
        <p>Your account cannot open this administration page. If you need to, ask an administrator.</p>
        <button type="button" onClick={() => navigate('/')}>Go to the study list</button>
      </main>
    );
  }
  if (path !== '/') return <NotFound path={path} navigate={navigate} />;
  if (patientOnly) return <PatientHome session={session} navigate={navigate} onSignOut={leave} />;
  return <Worklist session={session} navigate={navigate} onSignOut={leave} prefetchViewer={loadViewer} />;
}

// An address the application does not have: said so, with the address kept as typed.
function NotFound({ path, navigate }: { path: string; navigate: Navigate }) {
  return (
    <main className="not-found" data-testid="not-found">
      <h1>Page not found</h1>
      <p>There is no page at <code>{path}</code>. Check the address, or go back to the study list.</p>
      <button type="button" onClick={() => navigate('/')}>Go to the study list</button>
    </main>
  );
}
