// The appointment calendar (/calendar): a day with the rooms as columns, or a week of one room,
// in the clinic's time zone whatever the browser's. Closed times are shaded and closures named.
// With ?order=ID it books that order: its free starts are green, a click on one (or on one of
// the next free times listed, for the keyboard) books it; with &appointment=ID it moves that
// booking instead. A booked appointment can be dragged to another free time. A click on an
// appointment opens it (check-in, no-show, cancel, move, slip).
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Button } from 'react-aria-components';
import { Calendar as BigCalendar, type SlotInfo, luxonLocalizer } from 'react-big-calendar';
import dragAndDrop, { type EventInteractionArgs } from 'react-big-calendar/lib/addons/dragAndDrop';
import 'react-big-calendar/lib/css/react-big-calendar.css';
import 'react-big-calendar/lib/addons/dragAndDrop/styles.css';
import { DateTime, Settings } from 'luxon';
import { jsonApi, unwrap } from '../apiClient';
import { formatLocale } from '../i18n';
import { can, useSession } from '../session';
import { StaffPage } from '../ui/StaffPage';
import { FormDialog } from '../ui/FormDialog';
import { CheckboxField, Notice, SelectField } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { useProcedures } from './catalogue';
import { usePatient } from './patients';
import { displayName } from './patientForm';
import { useAppointment, useBook, useCalendar, useClinic, useMove, useSlots } from './schedule';
import { dayOf, formatDay, formatStart, formatTime, freeStarts, hoursShown, isFreeStart, isOpen, mondayOf, shiftDay, suitsRequest } from './clinicTime';
import { AppointmentDialog, scheduleProblemText } from './AppointmentDialog';
import { useLiveChanges } from './live';
import { requestPreferences, useAppointmentRequest, useConfirmRequest } from './requests';
import type { Appointment, AppointmentRequest, Calendar } from './types';

type CalendarEvent = { id: number; title: string; start: Date; end: Date; resourceId: number; appointment: Appointment };
type Resource = { id: number; title: string };

// The drag-and-drop addon is CommonJS only; imported from an ES module package its exports
// object may arrive whole (Node's interop) instead of its default.
const withDragAndDrop = (dragAndDrop as unknown as { default?: typeof dragAndDrop }).default ?? dragAndDrop;
const DnDCalendar = withDragAndDrop<CalendarEvent, Resource>(BigCalendar);

// The time a slot or a drop names, with the room: what a booking needs; with the appointment
// when it moves one.
type Target = { roomId: number; start: string; appointment?: Appointment };

export function CalendarPage() {
  const { t } = useTranslation();
  const clinic = useClinic();
  if (clinic.isError) {
    return <StaffPage title={t('schedule.title')}><Notice tone="error">{errorText(t, clinic.error)}</Notice></StaffPage>;
  }
  if (!clinic.data) return <StaffPage title={t('schedule.title')}><p className="hint">{t('schedule.loading')}</p></StaffPage>;
  return <Schedule zone={clinic.data.timeZone} today={clinic.data.today} />;
}

function Schedule({ zone, today }: { zone: string; today: string }) {
  const { t, i18n } = useTranslation();
  useLiveChanges();  // another desk's booking, a check-in, shows at once
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'week' ? 'week' : 'day';
  const day = /^\d{4}-\d{2}-\d{2}$/.test(params.get('day') ?? '') ? params.get('day')! : today;
  const order = Number(params.get('order')) || undefined;
  const moving = Number(params.get('appointment')) || undefined;
  // Booking an appointment request's order: its booking answers the request.
  const requestId = Number(params.get('request')) || undefined;
  const requestQuery = useAppointmentRequest(requestId);
  // The request counts only for the order on screen, and while it waits for an answer: a stale
  // link books nothing it does not show.
  const request = requestQuery.data?.orderId === order && requestQuery.data?.status === 'pending' ? requestQuery.data : undefined;
  const [notice, setNotice] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [confirming, setConfirming] = useState<Target | null>(null);
  const [opened, setOpened] = useState<number | null>(null);
  const writer = can(session, 'ris.schedule.write');

  // The calendar's dates are the clinic's, whatever the browser's zone (react-big-calendar reads
  // luxon's defaults through its localizer).
  Settings.defaultZone = zone;
  Settings.defaultLocale = locale;
  const localizer = useMemo(() => luxonLocalizer(DateTime, { firstDayOfWeek: 1 }), []);
  useEffect(() => () => { Settings.defaultZone = 'system'; }, []);

  const from = view === 'week' ? mondayOf(day) : day;
  const days = view === 'week' ? 7 : 1;
  const calendar = useCalendar(from, days, undefined);
  const rooms = calendar.data?.rooms ?? [];
  const room = Number(params.get('room')) || rooms[0]?.id;
  const slots = useSlots(order, from, days);
  const procedures = useProcedures(true);
  const nameOf = (id: number) => procedures.data?.find((p) => p.id === id)?.name ?? `#${id}`;
  const roomName = (id: number) => rooms.find((r) => r.id === id)?.name ?? `#${id}`;

  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) if (v === undefined) next.delete(k); else next.set(k, v);
    setParams(next);
  };
  const go = (n: number) => set({ day: shiftDay(day, n * days) });

  const shownRooms = view === 'week' ? rooms.filter((r) => r.id === room) : rooms;
  const events: CalendarEvent[] = (calendar.data?.appointments ?? [])
    .filter((a) => shownRooms.some((r) => r.id === a.roomId))
    .map((a) => ({
      id: a.id, start: new Date(a.startsAt), end: new Date(a.endsAt), resourceId: a.roomId, appointment: a,
      title: `${a.patient.contrastAllergy ? '⚠ ' : ''}${a.patient.name} · ${a.procedureIds.map(nameOf).join(' + ')}`,
    }));
  const resources: Resource[] | undefined = view === 'day' ? shownRooms.map((r) => ({ id: r.id, title: r.name })) : undefined;
  const hours = hoursShown(calendar.data?.days ?? [], zone);
  const at = (hour: number) => DateTime.fromISO(from, { zone }).set({ hour: Math.min(hour, 23), minute: hour >= 24 ? 59 : 0 }).toJSDate();

  const book = useBook();
  const move = useMove();
  const confirm = useConfirmRequest();
  // A request's calendar opens on the first day that suits the patient.
  const preferredFrom = request?.preferredFrom ?? '';
  useEffect(() => {
    if (preferredFrom > today && !params.get('day')) set({ day: preferredFrom });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [preferredFrom]);
  const place = (target: Target, appointment?: Appointment) => {
    setNotice(null);
    const when = t('schedule.booking.when', { day: formatDay(dayOf(target.start, zone), locale), time: formatTime(target.start, zone, locale), room: roomName(target.roomId) });
    const done = appointment
      ? move.mutateAsync({ id: appointment.id, version: appointment.version, roomId: target.roomId, startsAt: target.start })
      : request
        ? confirm.mutateAsync({ id: request.id, version: request.version, orderId: request.orderId, roomId: target.roomId, startsAt: target.start })
        : book.mutateAsync({ orderId: order!, roomId: target.roomId, startsAt: target.start });
    return done.then((a) => {
      setNotice({ tone: 'ok', text: t(appointment ? 'schedule.booking.moved' : 'schedule.booking.booked', { patient: a.patient.name, when }) });
      set({ order: undefined, appointment: undefined, request: undefined, day: dayOf(a.startsAt, zone) });
    }, (e) => setNotice({ tone: 'error', text: scheduleProblemText(t, e) }));
  };

  const onSelectSlot = (slot: SlotInfo) => {
    if (!order) return;
    const roomId = Number(slot.resourceId ?? room);
    if (!isFreeStart(slots.data, roomId, slot.start)) {
      setNotice({ tone: 'error', text: t('schedule.booking.notFree') });
      return;
    }
    setConfirming({ roomId, start: slot.start.toISOString(), appointment: movingAppointment });
  };
  // A drop is confirmed as a click is: an accidental drag must not move a patient.
  const onEventDrop = ({ event, start, resourceId }: EventInteractionArgs<CalendarEvent>) => {
    setConfirming({ roomId: Number(resourceId ?? event.resourceId), start: new Date(start).toISOString(), appointment: event.appointment });
  };
  // The grid's scrolling area reachable with the keyboard, and named (react-big-calendar's is not).
  useEffect(() => {
    const content = document.querySelector('.calendar-frame .rbc-time-content');
    if (content && !content.hasAttribute('tabindex')) {
      content.setAttribute('tabindex', '0');
      content.setAttribute('role', 'region');
      content.setAttribute('aria-label', t('schedule.title'));
    }
  });
  // The appointment being moved, read by its id: the days shown may not hold it.
  const movingQuery = useAppointment(moving ?? 0, moving !== undefined);
  const movingAppointment = moving !== undefined ? movingQuery.data : undefined;
  const confirmingMove = confirming?.appointment ?? movingAppointment;
  const openedAppointment = calendar.data?.appointments.find((a) => a.id === opened);

  return (
    <StaffPage title={t('schedule.title')} className={`schedule schedule-${view}`}>
      <Toolbar view={view} day={day} from={from} locale={locale} rooms={rooms} room={room}
        onView={(v) => set({ view: v === 'week' ? 'week' : undefined })} onToday={() => set({ day: undefined })}
        onStep={go} onRoom={(id) => set({ room: String(id) })} />
      {notice && <Notice tone={notice.tone} testId="schedule-notice">{notice.text}</Notice>}
      {order && (
        <BookingPanel key={`${order}-${request?.id ?? 0}`} order={order} moving={movingAppointment} slots={slots} zone={zone} locale={locale} roomName={roomName}
          nameOf={nameOf} onPick={(target) => setConfirming({ ...target, appointment: movingAppointment })}
          request={request}
          onStop={() => set({ order: undefined, appointment: undefined, request: undefined })} />
      )}
      {calendar.isError && <Notice tone="error">{errorText(t, calendar.error)}</Notice>}
      <ClosedDays calendar={calendar.data} rooms={shownRooms} view={view} locale={locale} />
      <div className="calendar-frame" data-testid="calendar" aria-busy={calendar.isFetching}>
        <DnDCalendar
          localizer={localizer}
          culture={locale}
          date={at(12)}
          onNavigate={() => undefined}
          view={view}
          onView={() => undefined}
          views={['day', 'week']}
          toolbar={false}
          events={events}
          resources={resources}
          resourceIdAccessor="id"
          resourceTitleAccessor="title"
          step={15}
          timeslots={4}
          min={at(hours.min)}
          max={at(hours.max)}
          scrollToTime={at(hours.min)}
          selectable={order ? 'ignoreEvents' : false}
          onSelectSlot={onSelectSlot}
          onSelectEvent={(e) => setOpened(e.id)}
          onKeyPressEvent={(e, press) => {
            const key = (press as unknown as KeyboardEvent).key;
            if (key === 'Enter' || key === ' ') {
              press.preventDefault();
              setOpened(e.id);
            }
          }}
          draggableAccessor={(e) => writer && e.appointment.status === 'booked'}
          resizable={false}
          onEventDrop={onEventDrop}
          slotPropGetter={(date, resourceId) => {
            const roomId = Number(resourceId ?? room);
            const open = isOpen(calendar.data?.days ?? [], roomId, date);
            const free = open && order !== undefined && isFreeStart(slots.data, roomId, date);
            return { className: free ? 'slot-free' : open ? '' : 'slot-closed' };
          }}
          eventPropGetter={(e) => ({
            className: `appointment status-${e.appointment.status} priority-${e.appointment.priority}`,
          })}
          formats={{ timeGutterFormat: (d: Date) => formatTime(d.toISOString(), zone, locale) }}
          dayLayoutAlgorithm="no-overlap"
          onDrillDown={(date: Date) => set({ view: undefined, day: dayOf(date.toISOString(), zone) })}
          components={{ header: DayHeader }}
        />
      </div>
      <Legend booking={order !== undefined} />
      <FormDialog isOpen={confirming !== null} onClose={() => setConfirming(null)} testId="book-dialog"
        title={t(confirmingMove ? 'schedule.booking.confirmMove' : 'schedule.booking.confirmBook')}>
        {confirming && (
          <div className="catalogue-form">
            <p data-testid="book-when">
              {t('schedule.booking.when', { day: formatDay(dayOf(confirming.start, zone), locale), time: formatTime(confirming.start, zone, locale), room: roomName(confirming.roomId) })}
            </p>
            <div className="form-actions">
              <Button className="primary"
                isDisabled={book.isPending || move.isPending || confirm.isPending || (moving !== undefined && !confirmingMove)}
                onPress={() => { const target = confirming; setConfirming(null); void place(target, target.appointment ?? movingAppointment); }}>
                {book.isPending || move.isPending || confirm.isPending ? t('schedule.booking.working') : t(confirmingMove ? 'schedule.booking.doMove' : 'schedule.booking.doBook')}
              </Button>
              <Button onPress={() => setConfirming(null)}>{t('schedule.booking.other')}</Button>
            </div>
          </div>
        )}
      </FormDialog>
      {openedAppointment && (
        <AppointmentDialog appointment={openedAppointment} zone={zone} today={today} roomName={roomName(openedAppointment.roomId)}
          nameOf={nameOf} onClose={() => setOpened(null)}
          onMove={() => { setOpened(null); set({ order: String(openedAppointment.orderId), appointment: String(openedAppointment.id), request: undefined }); }} />
      )}
    </StaffPage>
  );
}

// A day's heading in the week: its label only (react-big-calendar's own gives it a table's role
// outside a table, which screen readers cannot place).
function DayHeader({ label }: { label: string }) {
  return <span>{label}</span>;
}

function Toolbar({ view, day, from, locale, rooms, room, onView, onToday, onStep, onRoom }: {
  view: 'day' | 'week'; day: string; from: string; locale: string; rooms: Calendar['rooms']; room: number | undefined;
  onView: (v: 'day' | 'week') => void; onToday: () => void; onStep: (n: number) => void; onRoom: (id: number) => void;
}) {
  const { t } = useTranslation();
  const title = view === 'day' ? formatDay(day, locale)
    : `${formatDay(from, locale)} – ${formatDay(shiftDay(from, 6), locale)}`;
  return (
    <div className="calendar-toolbar" role="toolbar" aria-label={t('schedule.toolbar.label')}>
      <Button onPress={onToday}>{t('schedule.toolbar.today')}</Button>
      <Button onPress={() => onStep(-1)} aria-label={t(view === 'day' ? 'schedule.toolbar.previousDay' : 'schedule.toolbar.previousWeek')}>‹</Button>
      <Button onPress={() => onStep(1)} aria-label={t(view === 'day' ? 'schedule.toolbar.nextDay' : 'schedule.toolbar.nextWeek')}>›</Button>
      <h2 className="calendar-date" data-testid="calendar-date">{title}</h2>
      <span className="spacer" />
      {view === 'week' && rooms.length > 0 && (
        <SelectField name="room" label={t('schedule.toolbar.room')} value={String(room ?? '')}
          onChange={(v) => onRoom(Number(v))} options={rooms.map((r) => ({ value: String(r.id), label: r.name }))} />
      )}
      <div className="segmented" role="group" aria-label={t('schedule.toolbar.views')}>
        <button type="button" aria-pressed={view === 'day'} onClick={() => onView('day')}>{t('schedule.toolbar.day')}</button>
        <button type="button" aria-pressed={view === 'week'} onClick={() => onView('week')}>{t('schedule.toolbar.week')}</button>
      </div>
    </div>
  );
}

// What is being booked, the next free times as buttons (the keyboard's way to book), and the
// days a daily limit is reached.
function BookingPanel({ order, moving, request, slots, zone, locale, roomName, nameOf, onPick, onStop }: {
  order: number; moving: Appointment | undefined; request: AppointmentRequest | undefined;
  slots: ReturnType<typeof useSlots>; zone: string; locale: string;
  roomName: (id: number) => string; nameOf: (id: number) => string; onPick: (t: Target) => void; onStop: () => void;
}) {
  const { t } = useTranslation();
  const orderQuery = useQuery({
    queryKey: ['ris', 'orders', 'one', order],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/orders/{id}', { params: { path: { id: order } }, signal })),
  });
  const patient = usePatient(orderQuery.data?.patientId ?? null);
  const [shown, setShown] = useState(12);
  // A request's free times are first those that suit it (its days, its part of the day); the
  // desk may look past them, after a call with the patient.
  const [suiting, setSuiting] = useState(true);
  const every = freeStarts(slots.data, 30, Number.MAX_SAFE_INTEGER);
  const all = request && suiting ? every.filter((s) => suitsRequest(s.start, zone, request)) : every;
  const starts = all.slice(0, shown);
  const who = patient.data ? displayName(patient.data) : '…';
  const what = orderQuery.data ? orderQuery.data.procedureIds.map(nameOf).join(' + ') : '…';
  return (
    <section className="booking-panel" aria-labelledby="booking-title" data-testid="booking-panel">
      <div className="section-title">
        <h2 id="booking-title">
          {t(moving ? 'schedule.booking.move' : 'schedule.booking.book', { patient: who, procedures: what, minutes: slots.data?.durationMinutes ?? '…' })}
        </h2>
        <Button onPress={onStop}>{t('schedule.booking.stop')}</Button>
      </div>
      {patient.data?.contrastAllergy && (
        <div className="allergy-banner" role="note">⚠ {t('patients.contrastAllergy')}{patient.data.allergies ? `: ${patient.data.allergies}` : ''}</div>
      )}
      {request && (
        <p className="request-preferences" data-testid="request-preferences">
          {t('requests.prefersLine', { when: requestPreferences(request, locale, t) })}
          {request.note && <> · “{request.note}”</>}
        </p>
      )}
      {request && (
        <CheckboxField name="suiting" label={t('requests.onlySuiting')} value={suiting} onChange={setSuiting} />
      )}
      {orderQuery.isError && <Notice tone="error">{errorText(t, orderQuery.error)}</Notice>}
      {slots.isError && <Notice tone="error">{scheduleProblemText(t, slots.error)}</Notice>}
      {slots.isPending && <p className="hint">{t('schedule.booking.loading')}</p>}
      {slots.data && starts.length === 0 && (
        <p className="hint" data-testid="no-free-time">
          {t(request && suiting && every.length > 0 ? 'requests.noneSuiting' : 'schedule.booking.none')}
        </p>
      )}
      {starts.length > 0 && (
        <>
          <p className="hint">{t('schedule.booking.hint')}</p>
          <ul className="free-times" aria-label={t('schedule.booking.nextTimes')}>
            {starts.map((s) => (
              <li key={`${s.roomId}-${s.start}`}>
                <Button onPress={() => onPick(s)}>{formatStart(s.start, zone, locale)} · {roomName(s.roomId)}</Button>
              </li>
            ))}
          </ul>
          {all.length > shown && <Button onPress={() => setShown((n) => n + 24)}>{t('schedule.booking.more')}</Button>}
        </>
      )}
      {slots.data && slots.data.fullDays.length > 0 && (
        <p className="hint">{t('schedule.booking.fullDays', { days: slots.data.fullDays.map((d) => formatDay(d, locale)).join(', ') })}</p>
      )}
    </section>
  );
}

function ClosedDays({ calendar, rooms, view, locale }: { calendar: Calendar | undefined; rooms: Calendar['rooms']; view: string; locale: string }) {
  const { t } = useTranslation();
  const closed = (calendar?.days ?? []).filter((d) => d.closedReason && rooms.some((r) => r.id === d.roomId));
  if (closed.length === 0) return null;
  return (
    <ul className="closures-shown" data-testid="closures-shown">
      {closed.map((d) => (
        <li key={`${d.roomId}-${d.day}`}>
          {view === 'week' ? `${formatDay(d.day, locale)} · ` : ''}{rooms.find((r) => r.id === d.roomId)?.name}: {t('schedule.closed', { reason: d.closedReason })}
        </li>
      ))}
    </ul>
  );
}

function Legend({ booking }: { booking: boolean }) {
  const { t } = useTranslation();
  return (
    <ul className="calendar-legend" aria-label={t('schedule.legend.title')}>
      <li><span className="swatch status-booked" />{t('schedule.legend.booked')}</li>
      <li><span className="swatch status-arrived" />{t('schedule.legend.arrived')}</li>
      <li><span className="swatch status-no_show" />{t('schedule.legend.noShow')}</li>
      <li><span className="swatch slot-closed" />{t('schedule.legend.closed')}</li>
      {booking && <li><span className="swatch slot-free" />{t('schedule.legend.free')}</li>}
    </ul>
  );
}
