// The frame of every staff page built on the shared kit: the bar, the page's title (also the
// browser tab's), its actions, then the page.
import { type ReactNode, useEffect } from 'react';
import { AppHeader } from '../AppHeader';
import { useAppNavigate, useSession } from '../session';

export function StaffPage({ title, actions, children, className }: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  useEffect(() => {
    document.title = `${title} · Vireo`;
  }, [title]);
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
