// The bar over every staff page and the patient's home: where one can go (the study list, the
// patients, administration, as the account allows), the language, the account, sign-out.
import { NavLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Session } from './api';
import { type Navigate, readsReports } from './session';
import { adminPagesFor } from './admin/AdminNav';
import { LANGUAGES, isLanguage, setLanguage } from './i18n';

export function AppHeader({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t, i18n } = useTranslation();
  const adminPages = adminPagesFor(session);
  const staff = session.roles.some((r) => r !== 'patient');
  const readingHome = readsReports(session);
  return (
    <header className="topbar">
      <strong>{t('app.name')}</strong>
      {staff && (
        <nav className="main-nav" aria-label={t('app.mainNavigation')}>
          {readingHome ? (
            <>
              <NavLink to="/" end>{t('nav.reading')}</NavLink>
              <NavLink to="/studies">{t('nav.studies')}</NavLink>
            </>
          ) : (
            <>
              <NavLink to="/" end>{t('nav.studies')}</NavLink>
              {session.permissions.includes('reporting.read') && <NavLink to="/reading">{t('nav.reading')}</NavLink>}
            </>
          )}
          {session.permissions.includes('ris.patients.read') && <NavLink to="/patients">{t('nav.patients')}</NavLink>}
          {session.permissions.includes('ris.schedule.read') && <NavLink to="/calendar">{t('nav.calendar')}</NavLink>}
          {session.permissions.includes('ris.schedule.write') && <NavLink to="/requests">{t('nav.requests')}</NavLink>}
          {session.permissions.includes('ris.worklist.read') && <NavLink to="/exams">{t('nav.exams')}</NavLink>}
          {session.permissions.includes('ris.worklist.read') && <NavLink to="/reconcile">{t('nav.reconcile')}</NavLink>}
          {session.permissions.includes('reporting.stats') && <NavLink to="/turnaround">{t('turnaround.nav')}</NavLink>}
          {session.roles.includes('referring') && <NavLink to="/referrals">{t('nav.referrals')}</NavLink>}
          {adminPages.length > 0 && <NavLink to={adminPages[0].path}>{t('nav.administration')}</NavLink>}
        </nav>
      )}
      <span className="spacer" />
      <label className="language">
        <span className="sr-only">{t('app.language')}</span>
        <select value={i18n.language} onChange={(e) => isLanguage(e.target.value) && void setLanguage(e.target.value)}>
          {LANGUAGES.map((l) => <option key={l.code} value={l.code} lang={l.code}>{l.name}</option>)}
        </select>
      </label>
      <span>{session.username}</span>
      <button type="button" onClick={() => navigate('/account')}>{t('nav.account')}</button>
      <button type="button" onClick={onSignOut}>{t('nav.signOut')}</button>
    </header>
  );
}
