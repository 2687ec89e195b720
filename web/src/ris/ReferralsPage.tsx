// A referring physician's page: the exams they asked for, each with its patient (a contrast
// allergy in sight), where it stands, when it is booked, and its images a click away once taken.
// The server decides whose orders these are, from the account: nobody else's are ever listed.
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useQuery } from '@tanstack/react-query';
import { dicomJson } from '../api';
import { Tag, text } from '../dicom';
import { formatLocale } from '../i18n';
import { formatCalendarDate, formatMoment } from '../i18n/format';
import { StaffPage } from '../ui/StaffPage';
import { Notice } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { AskAppointmentDialog } from './AskAppointmentDialog';
import { ContrastAllergyBadge } from './PatientBadges';
import { useClinic } from './schedule';
import { type Referral, useReferrals } from './referrals';

// Orders whose images may be in the archive by now.
const IMAGED = new Set(['acquired', 'in_reading', 'preliminary', 'final', 'released', 'delivered', 'amended']);

export function ReferralsPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [params, setParams] = useSearchParams();
  const status = params.get('status') === 'all' ? 'all' : 'open';
  const list = useReferrals(status);
  const clinic = useClinic().data;
  const zone = clinic?.timeZone;
  const rows = list.data ?? [];
  const [asking, setAsking] = useState<Referral | null>(null);
  return (
    <StaffPage title={t('referrals.title')} className="referrals">
      <p className="hint">{t('referrals.intro')}</p>
      <div className="segmented" role="group" aria-label={t('referrals.show')}>
        {(['open', 'all'] as const).map((s) => (
          <button key={s} type="button" aria-pressed={status === s}
            onClick={() => setParams(s === 'open' ? {} : { status: s }, { replace: true })}>
            {t(`referrals.status.${s}`)}
          </button>
        ))}
      </div>
      {list.isError && <Notice tone="error">{errorText(t, list.error)}</Notice>}
      {list.isSuccess && rows.length === 0 && <Notice testId="no-referrals">{t(`referrals.none.${status}`)}</Notice>}
      {rows.length > 0 && (
        <table className="studies referrals-table" data-testid="referrals">
          <caption className="sr-only">{t('referrals.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('referrals.columns.patient')}</th>
              <th scope="col">{t('referrals.columns.exams')}</th>
              <th scope="col">{t('referrals.columns.status')}</th>
              <th scope="col">{t('referrals.columns.appointment')}</th>
              <th scope="col">{t('referrals.columns.images')}</th>
              <th scope="col">{t('referrals.columns.ordered')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.order.id} data-accession={r.order.accessionNumber}>
                <td>
                  <strong>{r.patient.name}</strong> <ContrastAllergyBadge patient={r.patient} />
                  <div className="sub">{r.patient.mrn} · {formatCalendarDate(r.patient.birthDate, locale)}</div>
                </td>
                <td>
                  {r.procedures.join(', ')}
                  {r.order.priority !== 'routine' && (
                    <> <span className={`badge priority-${r.order.priority}`}>{t(`orders.priority.${r.order.priority}`)}</span></>
                  )}
                  <div className="sub"><code>{r.order.accessionNumber}</code></div>
                </td>
                <td data-testid="referral-status">{t(`orders.status.${r.order.status}`)}</td>
                <td>
                  {appointmentText(r, t, locale, zone)}
                  <RequestState referral={r} onAsk={() => setAsking(r)} />
                </td>
                <td>{IMAGED.has(r.order.status) ? <ImagesLink referral={r} /> : <span className="muted">—</span>}</td>
                <td>{formatMoment(r.order.createdAt, locale, zone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {asking && clinic && <AskAppointmentDialog referral={asking} today={clinic.today} onClose={() => setAsking(null)} />}
    </StaffPage>
  );
}

function appointmentText(r: Referral, t: TFunction, locale: string, zone: string | undefined) {
  if (!r.appointment) return <span className="muted">{t('referrals.notBooked')}</span>;
  const when = formatMoment(r.appointment.startsAt, locale, zone);
  if (r.appointment.status === 'cancelled') return <span className="muted">{t('referrals.cancelledBooking', { when })}</span>;
  return <>{when}<div className="sub">{r.appointment.room}</div></>;
}

// An order waiting to be booked: its request to the desk, as it stands, or a way to make one.
function RequestState({ referral: r, onAsk }: { referral: Referral; onAsk: () => void }) {
  const { t } = useTranslation();
  if (r.order.status !== 'requested' && r.order.status !== 'no_show') return null;
  if (r.request?.status === 'pending') return <div className="sub" data-testid="request-pending">{t('referrals.requestPending')}</div>;
  const declined = r.request?.status === 'declined';
  return (
    <div className="sub">
      {declined && <div data-testid="request-declined">{t('referrals.requestDeclined', { reason: r.request?.declineReason })}</div>}
      <Button onPress={onAsk} aria-label={`${t(declined ? 'referrals.askAgain' : 'referrals.ask')}: ${r.patient.name}`}>
        {t(declined ? 'referrals.askAgain' : 'referrals.ask')}
      </Button>
    </div>
  );
}

// The study of the order, found in the archive by its accession number and its patient (MRN and
// issuer): an accession number alone may be another source's; two studies that match are not
// guessed between.
function ImagesLink({ referral: r }: { referral: Referral }) {
  const { t } = useTranslation();
  const study = useQuery({
    queryKey: ['archive', 'studies', 'accession', r.order.accessionNumber, r.patient.mrn, r.patient.mrnIssuer],
    queryFn: async () => {
      const q = new URLSearchParams({ AccessionNumber: r.order.accessionNumber, PatientID: r.patient.mrn,
        IssuerOfPatientID: r.patient.mrnIssuer, limit: '2' });
      const found = await dicomJson(`/dicom-web/studies?${q}`);
      return found.length === 1 ? text(found[0], Tag.StudyInstanceUID) : found.length > 1 ? 'ambiguous' : '';
    },
  });
  if (study.data === 'ambiguous') return <span className="muted">{t('referrals.ambiguous')}</span>;
  if (!study.data) return <span className="muted">{study.isPending ? '…' : t('referrals.noImages')}</span>;
  return <Link to={`/viewer/${study.data}`}>{t('referrals.openImages')}</Link>;
}
