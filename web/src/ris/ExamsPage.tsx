// The technicians' worklist: the day's exams by room, open ones first (stat, then urgent, then by
// time), each with what must not be missed (a contrast allergy, the reason and the clinical
// information) and the one step it is waiting for: check in, start, images acquired. It stays
// current by itself: a check-in at reception, or a step on another workstation or node, shows
// here within a second, without a reload.
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { ageOn } from '../i18n/format';
import { can, useSession } from '../session';
import { StaffPage } from '../ui/StaffPage';
import { DateInputField, Notice, SelectField } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { useProcedures, useRooms, useStaff } from './catalogue';
import { formatDay, formatTime } from './clinicTime';
import { useAssignReader, useExamAcquired, useStartExam, useWorklist } from './exams';
import { useLiveChanges } from './live';
import { type SteadyRow, steadyRows } from './steadyRows';
import { useArrive, useClinic } from './schedule';
import { scheduleProblemText } from './AppointmentDialog';
import { ContrastAllergyBadge } from './PatientBadges';
import type { Appointment, OrderStatus, Patient, Priority, WorklistItem } from './types';

const STATUSES = ['scheduled', 'arrived', 'in_progress', 'acquired', 'no_show'] as const satisfies readonly OrderStatus[];
const PRIORITIES: Priority[] = ['stat', 'urgent', 'routine'];
const ALL = 'all';

export function ExamsPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const clinic = useClinic();
  const live = useLiveChanges();
  const [params, setParams] = useSearchParams();
  const today = clinic.data?.today ?? '';
  const day = params.get('day') || today;
  const room = Number(params.get('room')) || undefined;
  const status = STATUSES.find((s) => s === params.get('status'));
  const priority = PRIORITIES.find((p) => p === params.get('priority'));
  const list = useWorklist({ day, room, status, priority });
  const rooms = useRooms(false);
  const set = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value && value !== ALL) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const items = list.data?.items ?? [];
  const counts = STATUSES.map((s) => [s, items.filter((a) => examStatus(a) === s).length] as const)
    .filter(([, n]) => n > 0);
  return (
    <StaffPage title={t('exams.title')} className="exams"
      actions={<span className={`live live-${live}`} role="status" data-testid="live">{t(`exams.live.${live}`)}</span>}>
      <div className="filters exam-filters">
        <DateInputField name="day" label={t('exams.filters.day')} value={day} onChange={(v) => v && set('day', v)} />
        <SelectField name="room" label={t('exams.filters.room')} value={room ? String(room) : ALL}
          onChange={(v) => set('room', v)}
          options={[{ value: ALL, label: t('exams.filters.allRooms') },
            ...(rooms.data ?? []).map((r) => ({ value: String(r.id), label: `${r.name} (${r.modality})` }))]} />
        <SelectField name="status" label={t('exams.filters.status')} value={status ?? ALL} onChange={(v) => set('status', v)}
          options={[{ value: ALL, label: t('exams.filters.allStatuses') },
            ...STATUSES.map((s) => ({ value: s, label: t(`exams.status.${s}`) }))]} />
        <SelectField name="priority" label={t('exams.filters.priority')} value={priority ?? ALL}
          onChange={(v) => set('priority', v)}
          options={[{ value: ALL, label: t('exams.filters.allPriorities') },
            ...PRIORITIES.map((p) => ({ value: p, label: t(`orders.priority.${p}`) }))]} />
        {day !== today && today !== '' && <Button onPress={() => set('day', undefined)}>{t('exams.filters.today')}</Button>}
      </div>
      {day !== '' && (
        <p className="hint" aria-live="polite" data-testid="exam-counts">
          {formatDay(day, locale)}
          {counts.map(([s, n]) => ` · ${t(`exams.counts.${s}`, { count: n })}`).join('')}
        </p>
      )}
      {(list.isError || clinic.isError) && <Notice tone="error">{errorText(t, list.error ?? clinic.error)}</Notice>}
      {list.isSuccess && items.length === 0 && <Notice testId="no-exams">{t('exams.none')}</Notice>}
      {items.length > 0 && clinic.data && (
        <ExamTable items={items} zone={clinic.data.timeZone} today={today} isToday={day === today} />
      )}
    </StaffPage>
  );
}

// Where the exam is, as the technician says it: its order's step, or "scheduled" before check-in.
function examStatus(a: Appointment): OrderStatus {
  if (a.status === 'no_show') return 'no_show';
  return a.status === 'booked' ? 'scheduled' : a.orderStatus;
}

// While the pointer or the focus is on the list, its rows keep their places (steadyRows): a
// click never lands on another patient's row because the list re-sorted under it.
function useSteadyRows(items: WorklistItem[], held: boolean): SteadyRow<WorklistItem>[] {
  const shown = useRef<SteadyRow<WorklistItem>[]>([]);
  return useMemo(() => (shown.current = steadyRows(shown.current, items, held)), [items, held]);
}

const HOLD_MS = 2500;

// Whether someone is about to click in the table: the pointer moved or pressed there, or a key
// was pressed, in the last moments, or the focus is on one of its buttons. A pointer resting
// still on the list does not hold it for ever: a stat exam must come to the top.
function useHeld(table: RefObject<HTMLTableElement | null>) {
  const last = useRef(0);
  const [now, setNow] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => {
      const focused = !!table.current && table.current.contains(document.activeElement) && document.activeElement !== document.body;
      setNow(Date.now() - last.current < HOLD_MS || focused);
    }, 250);
    return () => clearInterval(timer);
  }, [table]);
  return {
    now,
    touch: () => {
      last.current = Date.now();
      setNow(true);
    },
  };
}

function ExamTable({ items, zone, today, isToday }: { items: WorklistItem[]; zone: string; today: string; isToday: boolean }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const rooms = useRooms(false);
  const procedures = useProcedures(true);
  const staff = useStaff(true);
  const [problem, setProblem] = useState('');
  const table = useRef<HTMLTableElement>(null);
  const held = useHeld(table);
  const rows = useSteadyRows(items, held.now);
  const roomName = (id: number) => rooms.data?.find((r) => r.id === id)?.name ?? '';
  const procedureName = (id: number) => procedures.data?.find((p) => p.id === id)?.name ?? `#${id}`;
  const radiologists = (staff.data ?? []).filter((m) => m.radiologist);
  const readerName = (id: number) => radiologists.find((m) => m.id === id)?.displayName ?? `#${id}`;
  return (
    <>
      {problem && <Notice tone="error" testId="exam-problem">{problem}</Notice>}
      <table ref={table} className="studies exams-table" data-testid="exams"
        onPointerMove={held.touch} onPointerDown={held.touch} onKeyDown={held.touch}>
        <caption className="sr-only">{t('exams.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('exams.columns.time')}</th>
            <th scope="col">{t('exams.columns.patient')}</th>
            <th scope="col">{t('exams.columns.exam')}</th>
            <th scope="col">{t('exams.columns.room')}</th>
            <th scope="col">{t('exams.columns.clinical')}</th>
            <th scope="col">{t('exams.columns.status')}</th>
            <th scope="col">{t('exams.columns.reader')}</th>
            <th scope="col"><span className="sr-only">{t('exams.columns.next')}</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ row: a, gone }) => {
            const age = ageOn(a.patient.birthDate, today);
            const step = examStatus(a);
            return (
              <tr key={a.id} data-accession={a.accessionNumber} data-status={step}
                className={`priority-${a.priority} step-${step}${gone ? ' gone' : ''}`}>
                <td className="time">{formatTime(a.startsAt, zone, locale)}</td>
                <td>
                  <Link to={`/patients/${a.patient.id}`}>{a.patient.name}</Link>
                  <div className="sub">
                    {a.patient.mrn}{age !== null && ` · ${t('exams.age', { count: age })}`} · {t(`patients.sex.${a.patient.sex as Patient['sex']}`)}
                  </div>
                  <ContrastAllergyBadge patient={a.patient} />
                </td>
                <td>
                  {a.priority !== 'routine' && (
                    <span className={`badge priority-${a.priority}`}>{t(`orders.priority.${a.priority}`)}</span>
                  )}{' '}
                  {a.procedureIds.map(procedureName).join(', ')}
                  <div className="sub">{a.accessionNumber}</div>
                  {a.imagesAt && (
                    <Link to={`/viewer/${a.studyInstanceUid}`} className="images-link" data-testid="open-images"
                      aria-label={t('exams.openImagesOf', { patient: a.patient.name })}>{t('exams.openImages')}</Link>
                  )}
                </td>
                <td>{roomName(a.roomId)}</td>
                <td className="clinical">
                  <div>{a.reason}</div>
                  {a.clinicalInfo && <div className="sub">{a.clinicalInfo}</div>}
                </td>
                <td>
                  <span className={`badge step step-${step}`}>{t(`exams.status.${step}`)}</span>
                  {gone && <div className="sub" data-testid="moved-on">{t('exams.movedOn')}</div>}
                  {a.activity && <ActivityNote activity={a.activity} step={step} />}
                </td>
                <td>
                  {gone ? (a.readerId ? readerName(a.readerId) : '') : (
                    <ReaderCell appointment={a} step={step} radiologists={radiologists} readerName={readerName}
                      onProblem={setProblem} />
                  )}
                </td>
                <td>
                  {!gone && (
                    <NextStep appointment={a} step={step} isToday={isToday} onProblem={setProblem}
                      canCheckIn={can(session, 'ris.checkin')} canPerform={can(session, 'ris.exam.perform')} />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

const MPPS_STATUS = { 'IN PROGRESS': 'inProgress', COMPLETED: 'completed', DISCONTINUED: 'discontinued' } as const;

// What the scanner (MPPS) or a worklist client (UPS-RS) said of the exam: who took it, and a
// cancellation asked for while it is still to be done, which staff decide on (and the technician
// at the scanner must see).
function ActivityNote({ activity: a, step }: { activity: NonNullable<WorklistItem['activity']>; step: OrderStatus }) {
  const { t } = useTranslation();
  return (
    <>
      {a.claimedBy && <div className="sub" data-testid="claimed">{t('exams.activity.claimed', { who: a.claimedBy })}</div>}
      {a.reportedBy && a.reportedStatus && (
        <div className="sub" data-testid="reported">
          {t('exams.activity.reported', { station: a.reportedBy, status: t(`exams.activity.mpps.${MPPS_STATUS[a.reportedStatus]}`) })}
        </div>
      )}
      {a.cancelRequestedBy && (step === 'scheduled' || step === 'arrived' || step === 'in_progress') && (
        <div className="exam-alert" role="status" data-testid="cancel-asked">
          {a.cancelReason
            ? t('exams.activity.cancelAsked', { who: a.cancelRequestedBy, reason: a.cancelReason })
            : t('exams.activity.cancelAskedNoReason', { who: a.cancelRequestedBy })}
        </div>
      )}
    </>
  );
}

// The one step the exam is waiting for, one click away.
function NextStep({ appointment: a, step, isToday, canCheckIn, canPerform, onProblem }: {
  appointment: Appointment; step: OrderStatus; isToday: boolean; canCheckIn: boolean; canPerform: boolean;
  onProblem: (text: string) => void;
}) {
  const { t } = useTranslation();
  const arrive = useArrive();
  const start = useStartExam();
  const acquired = useExamAcquired();
  const busy = arrive.isPending || start.isPending || acquired.isPending;
  const name = a.patient.name;
  const act = (p: Promise<unknown>) => {
    onProblem('');
    p.catch((e: unknown) => onProblem(`${name} — ${scheduleProblemText(t, e)}`));
  };
  const body = { id: a.id, version: a.version };
  if (step === 'scheduled' && canCheckIn && isToday)  // check-in is on the day
    return (
      <Button isDisabled={busy} onPress={() => act(arrive.mutateAsync(body))} aria-label={`${t('exams.checkIn')}: ${name}`}>
        {t('exams.checkIn')}
      </Button>
    );
  if (step === 'arrived' && canPerform)
    return (
      <Button className="primary" isDisabled={busy} onPress={() => act(start.mutateAsync(body))}
        aria-label={`${t('exams.start')}: ${name}`}>{t('exams.start')}</Button>
    );
  if (step === 'in_progress' && canPerform)
    return (
      <Button className="primary" isDisabled={busy} onPress={() => act(acquired.mutateAsync(body))}
        aria-label={`${t('exams.acquired')}: ${name}`}>{t('exams.acquired')}</Button>
    );
  return null;
}

// Who reads the images: chosen here (the clinic may assign them by its rule when acquired).
function ReaderCell({ appointment: a, step, radiologists, readerName, onProblem }: {
  appointment: Appointment; step: OrderStatus; radiologists: { id: number; displayName: string; active: boolean }[];
  readerName: (id: number) => string; onProblem: (text: string) => void;
}) {
  const { t } = useTranslation();
  const { session } = useSession();
  const assign = useAssignReader();
  const open = step === 'arrived' || step === 'in_progress' || step === 'acquired';
  if (!open || !can(session, 'ris.reading.assign') || !radiologists.some((m) => m.active))
    return <>{a.readerId ? readerName(a.readerId) : ''}</>;
  return (
    <SelectField name={`reader-${a.id}`} className="in-row" label={t('exams.readerFor', { patient: a.patient.name })}
      value={String(a.readerId)}
      onChange={(v) => {
        onProblem('');
        assign.mutateAsync({ id: a.id, version: a.version, radiologistId: Number(v) })
          .catch((e: unknown) => onProblem(`${a.patient.name} — ${scheduleProblemText(t, e)}`));
      }}
      options={[{ value: '0', label: t('exams.unassigned') },
        ...radiologists.filter((m) => m.active || m.id === a.readerId)
          .map((m) => ({ value: String(m.id), label: m.displayName }))]} />
  );
}
