// The application shell: who is signed in, and which page the address names (react-router).
// Pages are plain paths (/, /login, /viewer/{StudyInstanceUID}, /patients/{id}) that the server
// answers with this application, so links and reloads work. One query cache for every page.
import { Suspense, lazy, useCallback, useEffect, useState, type ReactNode } from 'react';
import { Navigate as Redirect, Outlet, RouterProvider, createBrowserRouter, useLocation, useParams } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { I18nProvider } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { ApiError, type Session, currentSession, signOut } from './api';
import { ApiProblem } from './apiClient';
import { formatLocale, setClinicRegion } from './i18n';
import { useClinic } from './ris/schedule';
import { SessionContext, can, readsReports, studyListPath, useAppNavigate, useSession } from './session';
import { SignIn, TotpEnrolment } from './SignIn';
import { PasswordChange } from './Account';
import { SigningCertificate } from './reporting/SigningCertificate';
import { Worklist } from './Worklist';
import { PatientHome } from './PatientHome';
import { AdminUsers } from './admin/AdminUsers';
import { AdminAudit } from './admin/AdminAudit';
import { AdminTokens } from './admin/AdminTokens';
import { AdminPeers } from './admin/AdminPeers';
import { AdminStatus } from './admin/AdminStatus';
import { AdminTemplates } from './admin/AdminTemplates';
import { ADMIN_PAGES, adminPagesFor } from './admin/AdminNav';
import { PatientSearchPage } from './ris/PatientSearchPage';
import { PatientRegisterPage } from './ris/PatientRegisterPage';
import { PatientPage } from './ris/PatientPage';
import { PatientEditPage } from './ris/PatientEditPage';
import { RoomsPage } from './ris/admin/RoomsPage';
import { ProceduresPage } from './ris/admin/ProceduresPage';
import { BookableStaffPage } from './ris/admin/BookableStaffPage';
import { AppointmentSlip } from './ris/AppointmentSlip';
import { ExamsPage } from './ris/ExamsPage';
import { RequestsPage } from './ris/RequestsPage';
import { ReconcilePage } from './ris/ReconcilePage';
import { ReferralsPage } from './ris/ReferralsPage';
import { ReadingPage } from './reporting/ReadingPage';
import { TurnaroundPage } from './reporting/TurnaroundPage';
import { PeerReviewResultsPage } from './reporting/PeerReview';
import { ReportPage } from './reporting/ReportPage';
import { ReportImagesPage } from './reporting/ReportImagesPage';
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
  const study = studyOf(location.pathname.slice('/viewer/'.length));
  if (study) prefetchStudy(study);
}

// The calendar (react-big-calendar) is a chunk of its own too.
const CalendarPage = lazy(() => import('./ris/CalendarPage').then((m) => ({ default: m.CalendarPage })));

function CalendarRoute() {
  const { t } = useTranslation();
  return <Suspense fallback={<div className="page-message">{t('schedule.loading')}</div>}><CalendarPage /></Suspense>;
}

const ADMIN_PATHS: string[] = ['/admin', ...ADMIN_PAGES.map((p) => p.path)];

function studyOf(uid: string | undefined): string | null {
  return uid && /^[0-9.]{1,64}\/?$/.test(uid) ? uid.replace(/\/$/, '') : null;
}

const queryClient = new QueryClient({
  defaultOptions: {
    // A refusal is an answer (retrying it changes nothing); a lost connection is tried again.
    queries: { retry: (n, e) => !(e instanceof ApiProblem || e instanceof ApiError) && n < 2, staleTime: 30_000, refetchOnWindowFocus: false },
  },
});

// Signs in, or finishes what the account must do first; then the page the address names.
function Shell() {
  const { t } = useTranslation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState('');

  useEffect(() => {
    currentSession().then(setSession, (e) => setError(String(e.message ?? e)));
  }, []);

  const leave = useCallback(async () => {
    await signOut().catch(() => undefined);
    queryClient.clear();
    setSession(null);
  }, []);

  if (error) return <div className="page-message">{t('app.unreachable', { error })}</div>;
  if (session === undefined) return <div className="page-message">{t('app.loading')}</div>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  if (session.totpEnrolmentRequired) return <TotpEnrolment onDone={() => currentSession().then(setSession)} onSignOut={leave} />;
  if (session.passwordChangeRequired) {
    return <PasswordChange forced onDone={() => currentSession().then(setSession)} onSignOut={leave} />;
  }
  return (
    <SessionContext.Provider value={{ session, signOut: leave }}>
      <ClinicRegion />
      <Outlet />
    </SessionContext.Provider>
  );
}

// Once signed in, the clinic's region writes every date and number of the app its way.
function ClinicRegion() {
  const region = useClinic().data?.region ?? '';
  useEffect(() => setClinicRegion(region), [region]);
  return null;
}

// A patient has their own home and a viewer without the staff's tools.
function patientOnly(session: Session): boolean {
  return session.roles.length > 0 && session.roles.every((r) => r === 'patient');
}

function Home() {
  const { session, signOut: leave } = useSession();
  const navigate = useAppNavigate();
  if (patientOnly(session)) return <PatientHome session={session} navigate={navigate} onSignOut={leave} />;
  if (readsReports(session)) return <ReadingPage />;
  return <Worklist session={session} navigate={navigate} onSignOut={leave} prefetchViewer={loadViewer} />;
}

function StudiesRoute() {
  const { session, signOut: leave } = useSession();
  const navigate = useAppNavigate();
  return <Worklist session={session} navigate={navigate} onSignOut={leave} prefetchViewer={loadViewer} />;
}

function AccountRoute() {
  const { session, signOut: leave } = useSession();
  const navigate = useAppNavigate();
  return (
    <div className="account-page">
      <PasswordChange forced={false} onDone={() => navigate('/')} onSignOut={leave} />
      {can(session, 'reporting.sign') && <SigningCertificate />}
    </div>
  );
}

function ViewerRoute() {
  const { t } = useTranslation();
  const { session } = useSession();
  const navigate = useAppNavigate();
  const study = studyOf(useParams().study);
  if (!study) return <NotFound />;
  return (
    <Suspense fallback={<div className="page-message">{t('app.openingViewer')}</div>}>
      <ViewerPage study={study} navigate={navigate} simple={patientOnly(session)} back={studyListPath(session)} />
    </Suspense>
  );
}

function AdminRoute() {
  const { session, signOut: leave } = useSession();
  const navigate = useAppNavigate();
  const path = useLocation().pathname.replace(/\/$/, '');
  const allowed = adminPagesFor(session);
  const page = path === '/admin' ? allowed[0] : allowed.find((p) => p.path === path);
  const props = { session, navigate, onSignOut: leave };
  if (page?.path === '/admin/users') return <AdminUsers {...props} />;
  if (page?.path === '/admin/tokens') return <AdminTokens {...props} />;
  if (page?.path === '/admin/peers') return <AdminPeers {...props} />;
  if (page?.path === '/admin/status') return <AdminStatus {...props} />;
  if (page?.path === '/admin/audit') return <AdminAudit {...props} />;
  if (page?.path === '/admin/rooms') return <RoomsPage />;
  if (page?.path === '/admin/procedures') return <ProceduresPage />;
  if (page?.path === '/admin/staff') return <BookableStaffPage />;
  if (page?.path === '/admin/peer-review') return <PeerReviewResultsPage />;
  if (page?.path === '/admin/templates') return <AdminTemplates />;
  if (!ADMIN_PATHS.includes(path)) return <NotFound />;
  return <NotAllowed />;
}

// A page the account's permissions do not open: said so, without naming the permission.
function RequirePermission({ permission, children }: { permission: string; children: ReactNode }) {
  const { session } = useSession();
  return can(session, permission) ? children : <NotAllowed />;
}

function NotAllowed() {
  const { t } = useTranslation();
  const navigate = useAppNavigate();
  const { session } = useSession();
  return (
    <main className="not-found" data-testid="not-allowed">
      <h1>{t('notFound.notAllowedTitle')}</h1>
      <p>{t('notFound.notAllowed')}</p>
      <button type="button" onClick={() => navigate(studyListPath(session))}>{t('notFound.back')}</button>
    </main>
  );
}

// An address the application does not have: said so, with the address kept as typed.
function NotFound() {
  const { t } = useTranslation();
  const navigate = useAppNavigate();
  const { session } = useSession();
  const path = useLocation().pathname;
  return (
    <main className="not-found" data-testid="not-found">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body', { path })}</p>
      <button type="button" onClick={() => navigate(studyListPath(session))}>{t('notFound.back')}</button>
    </main>
  );
}

const router = createBrowserRouter([
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <Home /> },
      { path: 'login', element: <Redirect to="/" replace /> },
      { path: 'account', element: <AccountRoute /> },
      { path: 'viewer/:study', element: <ViewerRoute /> },
      { path: 'admin', element: <AdminRoute /> },
      { path: 'admin/:page', element: <AdminRoute /> },
      { path: 'patients', element: <RequirePermission permission="ris.patients.read"><PatientSearchPage /></RequirePermission> },
      { path: 'patients/new', element: <RequirePermission permission="ris.patients.write"><PatientRegisterPage /></RequirePermission> },
      { path: 'patients/:id', element: <RequirePermission permission="ris.patients.read"><PatientPage /></RequirePermission> },
      { path: 'patients/:id/edit', element: <RequirePermission permission="ris.patients.write"><PatientEditPage /></RequirePermission> },
      { path: 'calendar', element: <RequirePermission permission="ris.schedule.read"><CalendarRoute /></RequirePermission> },
      { path: 'requests', element: <RequirePermission permission="ris.schedule.read"><RequestsPage /></RequirePermission> },
      { path: 'reconcile', element: <RequirePermission permission="ris.worklist.read"><ReconcilePage /></RequirePermission> },
      { path: 'exams', element: <RequirePermission permission="ris.worklist.read"><ExamsPage /></RequirePermission> },
      { path: 'studies', element: <StudiesRoute /> },
      { path: 'reading', element: <RequirePermission permission="reporting.read"><ReadingPage /></RequirePermission> },
      { path: 'reading/:orderId', element: <RequirePermission permission="reporting.read"><ReportPage /></RequirePermission> },
      { path: 'reading/:orderId/images', element: <RequirePermission permission="reporting.read"><ReportImagesPage /></RequirePermission> },
      { path: 'turnaround', element: <RequirePermission permission="reporting.stats"><TurnaroundPage /></RequirePermission> },
      { path: 'referrals', element: <RequirePermission permission="ris.referrals.read"><ReferralsPage /></RequirePermission> },
      { path: 'appointments/:id/slip', element: <RequirePermission permission="ris.schedule.read"><AppointmentSlip /></RequirePermission> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  const { i18n } = useTranslation();
  return (
    <I18nProvider locale={formatLocale(i18n.language)}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </I18nProvider>
  );
}
