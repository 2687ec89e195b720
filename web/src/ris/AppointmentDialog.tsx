// One appointment over the calendar: who, what, when and where, the contrast allergy where
// nobody misses it, the order's reason and clinical information; and what the reader's account
// may do with it now (check in, mark as not attended, move, cancel with a reason, print the slip).
import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { formatLocale } from '../i18n';
import { formatCalendarDate } from '../i18n/format';
import { can, useSession } from '../session';
import { FormDialog } from '../ui/FormDialog';
import { Notice } from '../ui/fields';
import { ReasonForm } from '../ui/ReasonForm';
import { errorText } from '../ui/errorText';
import { useArrive, useCancelAppointment, useNoShow } from './schedule';
import { dayOf, formatDay, formatTime } from './clinicTime';
import type { Appointment } from './types';

const CONFLICTS = ['slot_taken', 'patient_busy', 'radiologist_busy', 'technician_busy', 'daily_limit', 'order_state',
  'appointment_state', 'appointment_day', 'appointment_time', 'exam_state', 'request_pending', 'request_state', 'stale'] as const;
const INVALID = ['past', 'closed', 'outside_hours', 'modality', 'unknown', 'required', 'mismatch'] as const;

// What a refused change means, in plain words: the conflict's or the field's rule said, never
// the server's code.
export function scheduleProblemText(t: TFunction, e: unknown): string {
  if (e instanceof ApiProblem && e.status === 409) {
    const rule = (e.problem.conflict as { rule?: string } | undefined)?.rule;
    const known = CONFLICTS.find((c) => c === rule);
    if (known) return t(`schedule.conflict.${known}`);
  }
  if (e instanceof ApiProblem && e.status === 400) {
    const rule = e.problem.errors?.[0]?.rule;
    const known = INVALID.find((c) => c === rule);
    return known ? t(`schedule.invalid.${known}`) : t('schedule.invalid.other');
  }
  return errorText(t, e);
}

export function AppointmentDialog({ appointment: a, zone, today, roomName, nameOf, onClose, onMove }: {
  appointment: Appointment; zone: string; today: string; roomName: string; nameOf: (id: number) => string;
  onClose: () => void; onMove: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const arrive = useArrive();
  const noShow = useNoShow();
  const cancel = useCancelAppointment();
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const [cancelling, setCancelling] = useState(false);
  const booked = a.status === 'booked';
  const writer = can(session, 'ris.schedule.write');
  const started = Date.parse(a.startsAt) <= Date.now();
  const when = t('schedule.booking.when', { day: formatDay(dayOf(a.startsAt, zone), locale), time: formatTime(a.startsAt, zone, locale), room: roomName });
  const act = (p: Promise<unknown>, message = '') => {
    setProblem('');
    p.then(() => (message ? setDone(message) : onClose()), (e) => setProblem(scheduleProblemText(t, e)));
  };
  return (
    <FormDialog isOpen onClose={onClose} title={`${a.patient.name} · ${t(`schedule.status.${a.status}`)}`} testId="appointment-dialog">
      <div className="appointment-details">
        {a.patient.contrastAllergy && <div className="allergy-banner" role="note">⚠ {t('schedule.allergy')}</div>}
        <dl className="fields">
          <dt>{t('schedule.appointment.patient')}</dt>
          <dd>
            <Link to={`/patients/${a.patient.id}`}>{a.patient.name}</Link> · <code>{a.patient.mrn}</code>
            {' · '}{t('schedule.appointment.born', { date: formatCalendarDate(a.patient.birthDate, locale) })}
          </dd>
          <dt>{t('schedule.appointment.when')}</dt><dd data-testid="appointment-when">{when}</dd>
          <dt>{t('schedule.appointment.procedures')}</dt><dd>{a.procedureIds.map(nameOf).join(' + ')}</dd>
          <dt>{t('schedule.appointment.accession')}</dt><dd><code>{a.accessionNumber}</code></dd>
          <dt>{t('schedule.appointment.priority')}</dt>
          <dd><span className={`badge priority-${a.priority}`}>{t(`orders.priority.${a.priority}`)}</span></dd>
          <dt>{t('schedule.appointment.status')}</dt>
          <dd data-testid="appointment-status">
            {t(`schedule.status.${a.status}`)}
            {a.arrivedAt && ` · ${t('schedule.appointment.arrivedAt', { time: formatTime(a.arrivedAt, zone, locale) })}`}
          </dd>
          <dt>{t('schedule.appointment.reason')}</dt><dd className="multiline">{a.reason}</dd>
          {a.clinicalInfo && <><dt>{t('schedule.appointment.clinicalInfo')}</dt><dd className="multiline">{a.clinicalInfo}</dd></>}
        </dl>
        <p className="hint">{t('schedule.appointment.bookedBy', { user: a.createdBy })}</p>
        {done && <Notice tone="ok" testId="appointment-done">{done}</Notice>}
        {problem && <Notice tone="error" testId="appointment-problem">{problem}</Notice>}
        {cancelling ? (
          <ReasonForm name="appointmentCancelReason" label={t('schedule.appointment.cancelReason')}
            required={t('schedule.invalid.required')} confirm={t('schedule.appointment.cancelConfirm')}
            cancel={t('schedule.appointment.keep')} onCancel={() => setCancelling(false)} short
            pending={cancel.isPending} failure={(e) => scheduleProblemText(t, e)}
            send={(reason) => cancel.mutateAsync({ id: a.id, version: a.version, reason }).then(onClose)} />
        ) : (
          <div className="form-actions wrap">
            {booked && !done && can(session, 'ris.checkin') && dayOf(a.startsAt, zone) === today && (
              <Button className="primary" isDisabled={arrive.isPending}
                onPress={() => act(arrive.mutateAsync({ id: a.id, version: a.version }), t('schedule.appointment.checkedIn', { patient: a.patient.name }))}>
                {t('schedule.appointment.checkIn')}
              </Button>
            )}
            {booked && writer && <Button onPress={onMove}>{t('schedule.appointment.move')}</Button>}
            {booked && writer && started && (
              <Button isDisabled={noShow.isPending} onPress={() => act(noShow.mutateAsync({ id: a.id, version: a.version }))}>
                {t('schedule.appointment.noShow')}
              </Button>
            )}
            {booked && writer && <Button onPress={() => setCancelling(true)}>{t('schedule.appointment.cancel')}</Button>}
            {a.status !== 'cancelled' && <Link className="button" to={`/appointments/${a.id}/slip`}>{t('schedule.appointment.slip')}</Link>}
            <Button onPress={onClose}>{t('schedule.appointment.close')}</Button>
          </div>
        )}
      </div>
    </FormDialog>
  );
}
