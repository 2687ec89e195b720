// The administration pages' own navigation: one tab per page the signed-in account may open.
import { type ReactNode, useState } from 'react';
import type { Session } from '../api';
import type { Navigate } from '../session';
import { useTranslation } from 'react-i18next';
import { AppHeader } from '../AppHeader';

export const ADMIN_PAGES = [
  { path: '/admin/users', label: 'users', permission: 'users.admin' },
  { path: '/admin/tokens', label: 'tokens', permission: 'users.admin' },
  { path: '/admin/peers', label: 'peers', permission: 'archive.admin' },
  { path: '/admin/status', label: 'status', permission: 'archive.admin' },
  { path: '/admin/audit', label: 'audit', permission: 'audit.read' },
  { path: '/admin/rooms', label: 'rooms', permission: 'ris.catalogue.admin' },
  { path: '/admin/procedures', label: 'procedures', permission: 'ris.catalogue.admin' },
  { path: '/admin/staff', label: 'staff', permission: 'ris.catalogue.admin' },
  { path: '/admin/peer-review', label: 'peerReview', permission: 'reporting.peer_results' },
  { path: '/admin/templates', label: 'templates', permission: 'reporting.templates' },
] as const;

// The administration pages this account may open, in the order of the tabs.
export function adminPagesFor(session: Session) {
  return ADMIN_PAGES.filter((p) => session.permissions.includes(p.permission));
}

export function AdminNav({ session, navigate, current }: { session: Session; navigate: Navigate; current: string }) {
  const { t } = useTranslation();
  return (
    <nav className="admin-tabs" aria-label={t('adminNav.label')}>
      <button type="button" className="link" onClick={() => navigate('/')}>{t('adminNav.studies')}</button>
      <span aria-hidden="true">›</span>
      {adminPagesFor(session).map((p) => (
        <button key={p.path} type="button" className="tab" aria-current={p.path === current ? 'page' : undefined}
          onClick={() => navigate(p.path)}>{t(`adminNav.${p.label}`)}</button>
      ))}
    </nav>
  );
}

// The frame of every administration page: the bar, the tabs, the title, then the page.
export function AdminPage({ session, navigate, onSignOut, current, title, titleAction, children }: {
  session: Session;
  navigate: Navigate;
  onSignOut: () => void;
  current: string;
  title: string;
  titleAction?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="admin">
      <AppHeader session={session} navigate={navigate} onSignOut={onSignOut} />
      <main>
        <AdminNav session={session} navigate={navigate} current={current} />
        <div className="page-title">
          <h1>{title}</h1>
          {titleAction}
        </div>
        {children}
      </main>
    </div>
  );
}

// What an administration page says after an action: the action's own message, or in plain words
// that it did not work; `then` (the page's reload) runs after a success.
export interface AdminMessage {
  text: string;
  error?: boolean;
}

export function useAdminAction<M extends AdminMessage>() {
  const { t } = useTranslation();
  const [message, setMessage] = useState<M | AdminMessage | null>(null);
  const act = async (what: () => Promise<M>, then: () => Promise<unknown>) => {
    setMessage(null);
    try {
      setMessage(await what());
      await then();
    } catch (e) {
      setMessage({ text: t('admin.failed', { error: (e as Error).message }), error: true });
    }
  };
  return { message, setMessage, act };
}
