// The radiologist's home: the exams waiting for a report (assigned to them or to nobody, or all),
// stat first, then urgent, then the longest waiting; who is reading each one, and the next one a
// keystroke away. It stays current by itself: an exam acquired, opened by a colleague or signed
// on another workstation or node shows here within a second.
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { ageOn } from '../i18n/format';
import { useAppNavigate, useSession } from '../session';
import { StaffPage } from '../ui/StaffPage';
import { FormDialog } from '../ui/FormDialog';
import { PriorReportList } from './PriorReports';
import { OpenCriticalResults } from './CriticalResults';
import { PeerReviewOffers } from './PeerReview';
import { Notice, SelectField } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { useLiveChanges } from '../ris/live';
import { useClinic } from '../ris/schedule';
import { ContrastAllergyBadge } from '../ris/PatientBadges';
import type { Patient, Priority } from '../ris/types';
import { useReadingList, type ReadingFilter } from './reading';
import { waitingText, readingState } from './readingList';
import type { ReadingItem } from './types';

const PRIORITIES: Priority[] = ['stat', 'urgent', 'routine'];
const MODALITIES = ['CR', 'CT', 'MR', 'US', 'MG', 'DX', 'NM', 'PT', 'XA', 'RF'];
const ALL = 'all';

export function ReadingPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const live = useLiveChanges();
  const clinic = useClinic();
  const navigate = useAppNavigate();
  const { session } = useSession();
  const [params, setParams] = useSearchParams();
  const filter: ReadingFilter = {
    scope: params.get('scope') === 'all' ? 'all' : 'mine',
    modality: MODALITIES.find((m) => m === params.get('modality')),
    priority: PRIORITIES.find((p) => p === params.get('priority')),
  };
  const list = useReadingList(filter);
  const set = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value && value !== ALL && !(name === 'scope' && value === 'mine')) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const items = list.data?.items ?? [];
  // The next exam to read: the first of the list that nobody else is reading.
  const next = items.find((i) => readingState(i, session.username) !== 'other');
  const today = clinic.data?.today ?? '';
  return (
    <StaffPage title={t('reading.title')} className="reading"
      actions={<span className={`live live-${live}`} role="status" data-testid="live">{t(`exams.live.${live}`)}</span>}>
      <OpenCriticalResults />
      <PeerReviewOffers />
      <div className="filters exam-filters">
        <SelectField name="scope" label={t('reading.filters.scope')} value={filter.scope} onChange={(v) => set('scope', v)}
          options={[{ value: 'mine', label: t('reading.filters.mine') }, { value: 'all', label: t('reading.filters.all') }]} />
        <SelectField name="modality" label={t('reading.filters.modality')} value={filter.modality ?? ALL}
          onChange={(v) => set('modality', v)}
          options={[{ value: ALL, label: t('reading.filters.allModalities') }, ...MODALITIES.map((m) => ({ value: m, label: m }))]} />
        <SelectField name="priority" label={t('exams.filters.priority')} value={filter.priority ?? ALL}
          onChange={(v) => set('priority', v)}
          options={[{ value: ALL, label: t('exams.filters.allPriorities') },
            ...PRIORITIES.map((p) => ({ value: p, label: t(`orders.priority.${p}`) }))]} />
        {next && (
          <Button className="primary" data-testid="read-next" onPress={() => navigate(`/reading/${next.orderId}`)}>
            {t('reading.readNext')}
          </Button>
        )}
      </div>
      {list.data && (
        <p className="hint" aria-live="polite" data-testid="reading-count">{t('reading.count', { count: list.data.total })}</p>
      )}
      {list.isError && <Notice tone="error">{errorText(t, list.error)}</Notice>}
      {list.isSuccess && items.length === 0 && <Notice testId="nothing-to-read">{t('reading.none')}</Notice>}
      {items.length > 0 && (
        <table className="studies reading-table" data-testid="reading">
          <caption className="sr-only">{t('reading.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reading.columns.waiting')}</th>
              <th scope="col">{t('exams.columns.patient')}</th>
              <th scope="col">{t('exams.columns.exam')}</th>
              <th scope="col">{t('exams.columns.clinical')}</th>
              <th scope="col">{t('exams.columns.status')}</th>
              <th scope="col">{t('reading.columns.priors')}</th>
              <th scope="col"><span className="sr-only">{t('exams.columns.next')}</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <ReadingRow key={item.orderId} item={item} today={today} locale={locale} me={session.username}
                onOpen={() => navigate(`/reading/${item.orderId}`)} />
            ))}
          </tbody>
        </table>
      )}
    </StaffPage>
  );
}

function ReadingRow({ item, today, locale, me, onOpen }: {
  item: ReadingItem; today: string; locale: string; me: string; onOpen: () => void;
}) {
  const { t } = useTranslation();
  const a = item.appointment;
  const age = ageOn(a.patient.birthDate, today);
  const state = readingState(item, me);
  const [priors, setPriors] = useState(false);
  return (
    <tr data-accession={a.accessionNumber} data-state={state} className={`priority-${a.priority}`}>
      <td className="time">{waitingText(item.waitingSince, Date.now(), locale)}</td>
      <td>
        <span className="patient-name">{a.patient.name}</span>
        <div className="sub">
          {a.patient.mrn}{age !== null && ` · ${t('exams.age', { count: age })}`} · {t(`patients.sex.${a.patient.sex as Patient['sex']}`)}
        </div>
        <ContrastAllergyBadge patient={a.patient} />
      </td>
      <td>
        {a.priority !== 'routine' && <span className={`badge priority-${a.priority}`}>{t(`orders.priority.${a.priority}`)}</span>}{' '}
        {item.procedures.join(', ')}
        <div className="sub">{item.modality} · {a.accessionNumber}{item.site && <> · <span data-testid="site">{item.site}</span></>}</div>
      </td>
      <td className="clinical">
        <div>{a.reason}</div>
        {a.clinicalInfo && <div className="sub">{a.clinicalInfo}</div>}
        {item.referringPhysician && <div className="sub">{t('reading.referredBy', { name: item.referringPhysician })}</div>}
      </td>
      <td>
        {state === 'other' && <span className="badge step step-in_reading" data-testid="read-by-other">
          {t('reading.readBy', { name: item.readingByName || item.readingBy })}</span>}
        {state === 'mine' && <span className="badge step step-in_reading">{t('reading.readByMe')}</span>}
        {state === 'waiting' && <span className={`badge step step-${a.orderStatus}`}>{t(`exams.status.${a.orderStatus}`)}</span>}
        {item.readerName && <div className="sub">{t('reading.assignedTo', { name: item.readerName })}</div>}
      </td>
      <td>
        {(item.priorReports ?? 0) > 0 && (
          <>
            <Button onPress={() => setPriors(true)} data-testid="prior-reports-open"
              aria-label={t('reading.priorReportsFor', { count: item.priorReports, patient: a.patient.name })}>
              {t('reading.priorReports', { count: item.priorReports })}
            </Button>
            <FormDialog title={t('reading.priorReportsOf', { count: item.priorReports, patient: a.patient.name })}
              isOpen={priors} onClose={() => setPriors(false)} testId="prior-reports-dialog">
              <PriorReportList orderId={item.orderId} />
              <div className="actions">
                <Button onPress={() => setPriors(false)}>{t('reading.close')}</Button>
              </div>
            </FormDialog>
          </>
        )}
      </td>
      <td>
        <Button onPress={onOpen} aria-label={t('reading.openFor', { patient: a.patient.name })}>
          {state === 'other' ? t('reading.look') : t('reading.read')}
        </Button>
      </td>
    </tr>
  );
}
