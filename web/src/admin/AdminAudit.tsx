// Administration: the audit trail. Who did what to whose data, when, from where; filtered by
// person, patient, action and dates; paged; exported as FHIR AuditEvents; and the hash
// chain checked on request (any change to a past event breaks it).
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AuditEntry, type Session, auditEvents, auditQuery, verifyAudit } from '../api';
import type { Navigate } from '../session';
import { AdminPage } from './AdminNav';
import { formatLocale } from '../i18n';

const PAGE = 100;
type Filters = { user: string; patient: string; action: string; from: string; to: string };

export function AdminAudit({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
  const { t, i18n: { language } } = useTranslation();
  const locale = formatLocale(language);
  const [filters, setFilters] = useState<Filters>({ user: '', patient: '', action: '', from: '', to: '' });
  const [offset, setOffset] = useState(0);
  const [events, setEvents] = useState<{ list: AuditEntry[]; more: boolean } | null>(null);
  const [error, setError] = useState('');
  const [chain, setChain] = useState<string>('');

  const search = async (f: Filters, at: number) => {
    setError('');
    try {
      const list = await auditEvents(auditQuery(f, PAGE + 1, at));
      setEvents({ list: list.slice(0, PAGE), more: list.length > PAGE });
      setOffset(at);
    } catch (e) {
      setError(t('admin.audit.unreadable', { error: (e as Error).message }));
    }
  };
  useEffect(() => void search(filters, 0), []); // eslint-disable-line react-hooks/exhaustive-deps
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(filters, 0);
  };
  const verify = async () => {
    setChain(t('admin.audit.checking'));
    try {
      const v = await verifyAudit();
      setChain(v.ok ? t('admin.audit.holds', { count: v.events })
        : t('admin.audit.broken', { id: v.firstBrokenId, reason: v.reason }));
    } catch (e) {
      setChain(t('admin.audit.checkFailed', { error: (e as Error).message }));
    }
  };

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/audit" title={t('adminNav.audit')}>
      <p>
        <button type="button" onClick={() => void verify()} data-testid="verify-chain">{t('admin.audit.check')}</button>{' '}
        <span role="status" data-testid="chain-result">{chain}</span>
      </p>
      <form className="filters" onSubmit={submit} aria-label={t('admin.audit.filters')}>
        <input placeholder={t('admin.audit.personHint')} aria-label={t('admin.audit.person')} value={filters.user} onChange={set('user')} />
        <input placeholder={t('admin.audit.patientId')} aria-label={t('admin.audit.patientId')} value={filters.patient} onChange={set('patient')} />
        <select aria-label={t('admin.audit.action')} value={filters.action} onChange={set('action')}>
          <option value="">{t('admin.audit.anyAction')}</option>
          {['login', 'logout', 'refused', 'query', 'read', 'create', 'update', 'delete', 'export'].map((a) => <option key={a}>{a}</option>)}
        </select>
        <input type="date" aria-label={t('admin.audit.from')} value={filters.from} onChange={set('from')} />
        <input type="date" aria-label={t('admin.audit.to')} value={filters.to} onChange={set('to')} />
        <button type="submit">{t('admin.audit.search')}</button>
        <a href={auditQuery(filters, 1000, 0, 'fhir')} download="audit-events.json" data-testid="audit-export">{t('admin.audit.export')}</a>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      <table className="studies audit">
        <thead>
          <tr><th>{t('admin.audit.columns.when')}</th><th>{t('admin.audit.columns.who')}</th><th>{t('admin.audit.columns.action')}</th>
            <th>{t('admin.audit.columns.outcome')}</th><th>{t('admin.audit.columns.patient')}</th><th>{t('admin.audit.columns.what')}</th>
            <th>{t('admin.audit.columns.from')}</th></tr>
        </thead>
        <tbody>
          {events?.list.length === 0 && <tr><td colSpan={7}>{t('admin.audit.none')}</td></tr>}
          {events?.list.map((e) => (
            <tr key={e.id} data-event={e.id}>
              {/* To the second, in the reader's language: events a second apart must stay apart. */}
              <td className="date">{new Date(e.at).toLocaleString(locale)}</td>
              <td>{e.actor}{e.role ? ` (${e.role})` : ''}</td>
              <td>{e.action}</td>
              <td className={e.outcome === 'success' ? '' : 'error'}>{e.outcome}</td>
              <td>{e.patientId}</td>
              <td>{[e.resource, e.detail].filter(Boolean).join(' · ')}</td>
              <td>{e.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label={t('pager.label')}>
        <button type="button" disabled={offset === 0} onClick={() => void search(filters, Math.max(0, offset - PAGE))}>{t('pager.previous')}</button>
        <button type="button" disabled={!events?.more} onClick={() => void search(filters, offset + PAGE)}>{t('pager.next')}</button>
      </nav>
    </AdminPage>
  );
}
