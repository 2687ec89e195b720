// The frame of every staff page built on the shared kit: the bar, the page's title (also the
// browser tab's), its actions, then the page.
import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { AppHeader } from '../AppHeader';
import { useAppNavigate, useSession } from '../session';

export function StaffPage({ title, actions, children, className }: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  const app = t('app.name');
  useEffect(() => {
    document.title = `${title} · ${app}`;
  }, [title, app]);
  return (
    <div className={`staff ${className ?? ''}`}>
      <AppHeader session={session} navigate={navigate} onSignOut={signOut} />
      <main>
        <div className="page-title">
          <h1>{title}</h1>
          {actions}
        </div>
        {children}
      </main>
    </div>
  );
}
