// Reception's appointment requests: who asked for which exam, the days and part of the day that
// suit them and their note, the longest waiting first; each booked from the calendar (in
// booking mode for the request's order, its preferences in sight) or declined with a reason.
// The list stays current by itself (another desk answering, a new request).
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { can, useSession } from '../session';
import { StaffPage } from '../ui/StaffPage';
import { FormDialog } from '../ui/FormDialog';
import { ChoiceField, Notice } from '../ui/fields';
import { ReasonForm } from '../ui/ReasonForm';
import { errorText } from '../ui/errorText';
import { useProcedures } from './catalogue';
import { useLiveChanges } from './live';
import { requestPreferences, useAppointmentRequests, useDeclineRequest } from './requests';
import { scheduleProblemText } from './AppointmentDialog';
import { ContrastAllergyBadge } from './PatientBadges';
import type { AppointmentRequest, RequestStatus } from './types';

const STATUSES: RequestStatus[] = ['pending', 'confirmed', 'declined'];

export function RequestsPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  useLiveChanges();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status')) ?? 'pending';
  const list = useAppointmentRequests(status);
  const procedures = useProcedures(true);
  const [declining, setDeclining] = useState<AppointmentRequest | null>(null);
  const [done, setDone] = useState('');
  const nameOf = (id: number) => procedures.data?.find((p) => p.id === id)?.name ?? `#${id}`;
  const writer = can(session, 'ris.schedule.write');
  const rows = list.data ?? [];
  return (
    <StaffPage title={t('requests.title')} className="requests">
      <div className="filters">
        <ChoiceField name="status" label={t('requests.show')} value={status}
          onChange={(s) => setParams(s === 'pending' ? {} : { status: s }, { replace: true })}
          options={STATUSES.map((s) => ({ value: s, label: t(`requests.status.${s}`) }))} />
      </div>
      {done && <Notice tone="ok" testId="request-done">{done}</Notice>}
      {list.isError && <Notice tone="error">{errorText(t, list.error)}</Notice>}
      {list.isSuccess && rows.length === 0 && <Notice testId="no-requests">{t(`requests.none.${status}`)}</Notice>}
      {rows.length > 0 && (
        <table className="studies requests-table" data-testid="requests">
          <caption className="sr-only">{t(`requests.caption.${status}`)}</caption>
          <thead>
            <tr>
              <th scope="col">{t('requests.columns.asked')}</th>
              <th scope="col">{t('requests.columns.patient')}</th>
              <th scope="col">{t('requests.columns.exam')}</th>
              <th scope="col">{t('requests.columns.prefers')}</th>
              <th scope="col">{t('requests.columns.note')}</th>
              <th scope="col">{status === 'pending' ? <span className="sr-only">{t('requests.columns.answer')}</span> : t('requests.columns.answer')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-accession={r.accessionNumber} data-request={r.id}>
                <td>
                  {formatMoment(r.createdAt, locale)}
                  <div className="sub">{t(`requests.source.${r.source}`, { user: r.createdBy })}</div>
                </td>
                <td>
                  <Link to={`/patients/${r.patient.id}`}>{r.patient.name}</Link>
                  <div className="sub">{r.patient.mrn}{r.patient.phone && ` · ${r.patient.phone}`}</div>
                  <ContrastAllergyBadge patient={r.patient} />
                </td>
                <td>
                  {r.priority !== 'routine' && <span className={`badge priority-${r.priority}`}>{t(`orders.priority.${r.priority}`)}</span>}{' '}
                  {r.procedureIds.map(nameOf).join(' + ')}
                  <div className="sub">{r.accessionNumber}</div>
                </td>
                <td>{requestPreferences(r, locale, t)}</td>
                <td className="note">{r.note}</td>
                <td>
                  {r.status === 'pending' && writer && (
                    <div className="row-actions">
                      <Link className="button primary" to={`/calendar?order=${r.orderId}&request=${r.id}`}
                        aria-label={`${t('requests.book')}: ${r.patient.name}`}>{t('requests.book')}</Link>
                      <Button onPress={() => { setDone(''); setDeclining(r); }}
                        aria-label={`${t('requests.decline')}: ${r.patient.name}`}>{t('requests.decline')}</Button>
                    </div>
                  )}
                  {r.status === 'confirmed' && r.appointmentId > 0 && (
                    <Link to={`/appointments/${r.appointmentId}/slip`}>{t('requests.booked')}</Link>
                  )}
                  {r.status === 'declined' && <span>{t('requests.declined', { reason: r.declineReason })}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FormDialog isOpen={declining !== null} onClose={() => setDeclining(null)} testId="decline-dialog"
        title={declining ? t('requests.declineTitle', { patient: declining.patient.name }) : ''}>
        {declining && (
          <DeclineForm request={declining} onDone={(text) => { setDeclining(null); setDone(text); }} />
        )}
      </FormDialog>
    </StaffPage>
  );
}

function DeclineForm({ request, onDone }: { request: AppointmentRequest; onDone: (text: string) => void }) {
  const { t } = useTranslation();
  const decline = useDeclineRequest();
  return (
    <ReasonForm hint={t('requests.declineHint')} label={t('requests.reason')} required={t('requests.reasonRequired')}
      confirm={t('requests.declineConfirm')} pending={decline.isPending} failure={(e) => scheduleProblemText(t, e)}
      send={(reason) => decline.mutateAsync({ id: request.id, version: request.version, reason })
        .then(() => onDone(t('requests.declinedDone', { patient: request.patient.name })))} />
  );
}
