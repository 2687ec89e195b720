// Administration: the audit trail. Who did what to whose data, when, from where; filtered by
// person, patient, action and dates; paged; exported as FHIR AuditEvents; and the hash
// chain checked on request (any change to a past event breaks it).
import { type FormEvent, useEffect, useState } from 'react';
import { type AuditEntry, type Session, auditEvents, auditQuery, verifyAudit } from '../api';
import type { Navigate } from '../session';
import { AdminPage } from './AdminNav';

const PAGE = 100;
type Filters = { user: string; patient: string; action: string; from: string; to: string };

export function AdminAudit({ session, navigate, onSignOut }: { session: Session; navigate: Navigate; onSignOut: () => void }) {
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
      setError(`The audit trail cannot be read: ${(e as Error).message}. Check the filters and try again.`);
    }
  };
  useEffect(() => void search(filters, 0), []); // eslint-disable-line react-hooks/exhaustive-deps
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(filters, 0);
  };
  const verify = async () => {
    setChain('Checking every event…');
    try {
      const v = await verifyAudit();
      setChain(v.ok ? `The chain holds: ${v.events} events, none changed or removed.`
        : `The chain is broken at event ${v.firstBrokenId}: ${v.reason}. Keep a copy of the database and investigate.`);
    } catch (e) {
      setChain(`The check could not run: ${(e as Error).message}.`);
    }
  };

  return (
    <AdminPage session={session} navigate={navigate} onSignOut={onSignOut} current="/admin/audit" title="Audit trail">
      <p>
        <button type="button" onClick={() => void verify()} data-testid="verify-chain">Check the chain</button>{' '}
        <span role="status" data-testid="chain-result">{chain}</span>
      </p>
      <form className="filters" onSubmit={submit} aria-label="Filter the audit trail">
        <input placeholder="Person (user name)" aria-label="Person" value={filters.user} onChange={set('user')} />
        <input placeholder="Patient ID" aria-label="Patient ID" value={filters.patient} onChange={set('patient')} />
        <select aria-label="Action" value={filters.action} onChange={set('action')}>
          <option value="">Any action</option>
          {['login', 'logout', 'refused', 'query', 'read', 'create', 'update', 'delete', 'export'].map((a) => <option key={a}>{a}</option>)}
        </select>
        <input type="date" aria-label="From" value={filters.from} onChange={set('from')} />
        <input type="date" aria-label="To" value={filters.to} onChange={set('to')} />
        <button type="submit">Search</button>
        <a href={auditQuery(filters, 1000, 0, 'fhir')} download="audit-events.json" data-testid="audit-export">Export (FHIR AuditEvent)</a>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      <table className="studies audit">
        <thead>
          <tr><th>When</th><th>Who</th><th>Action</th><th>Outcome</th><th>Patient</th><th>What</th><th>From</th></tr>
        </thead>
        <tbody>
          {events?.list.length === 0 && <tr><td colSpan={7}>No events match.</td></tr>}
          {events?.list.map((e) => (
            <tr key={e.id} data-event={e.id}>
              <td className="date">{new Date(e.at).toLocaleString()}</td>
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
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => void search(filters, Math.max(0, offset - PAGE))}>Previous</button>
        <button type="button" disabled={!events?.more} onClick={() => void search(filters, offset + PAGE)}>Next</button>
      </nav>
    </AdminPage>
  );
}
