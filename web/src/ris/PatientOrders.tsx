// A patient's orders on their page: what was asked, its accession number and where it stands;
// a new order from the catalogue's procedures; a cancellation with its reason.
import { useState } from 'react';
import { Link } from 'react-router';
import { Controller, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { can, useSession } from '../session';
import { CheckboxGroupField, ChoiceField, Notice } from '../ui/fields';
import { type ReasonFailure, ReasonForm } from '../ui/ReasonForm';
import { FormText } from '../ui/formFields';
import { FormDialog } from '../ui/FormDialog';
import { errorText } from '../ui/errorText';
import { saveFailed } from '../ui/saveFailed';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { useProcedures, useRooms } from './catalogue';
import { useClinic, useOrderAppointments } from './schedule';
import { dayOf, formatDay, formatTime } from './clinicTime';
import { useCancelOrder, useCreateOrder, usePatientOrders } from './orders';
import { EMPTY_ORDER, type OrderFormValues, PRIORITIES, orderFieldsOf, orderSchema } from './orderForm';
import { useCatalogueRuleText } from './admin/catalogueText';
import type { Order, Patient } from './types';

export function PatientOrders({ patient }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const orders = usePatientOrders(patient.id);
  const procedures = useProcedures(true);
  const [creating, setCreating] = useState(false);
  const [cancelling, setCancelling] = useState<Order | null>(null);
  const [created, setCreated] = useState('');
  const writer = can(session, 'ris.orders.write') && !patient.mergedInto;  // a merged record takes no orders
  const nameOf = (id: number) => procedures.data?.find((p) => p.id === id)?.name ?? `#${id}`;
  return (
    <section className="patient-orders" aria-labelledby="orders-title">
      <div className="section-title">
        <h2 id="orders-title">{t('orders.title')}</h2>
        {writer && <Button onPress={() => { setCreated(''); setCreating(true); }}>{t('orders.new')}</Button>}
      </div>
      {created && <Notice tone="ok" testId="order-created">{t('orders.created', { accession: created })}</Notice>}
      {orders.isError && <Notice tone="error">{errorText(t, orders.error)}</Notice>}
      {orders.isSuccess && orders.data.length === 0 && <p className="hint">{t('orders.none')}</p>}
      {orders.isSuccess && orders.data.length > 0 && (
        <table className="studies" data-testid="orders">
          <caption className="sr-only">{t('orders.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('orders.columns.accession')}</th>
              <th scope="col">{t('orders.columns.procedures')}</th>
              <th scope="col">{t('orders.columns.priority')}</th>
              <th scope="col">{t('orders.columns.status')}</th>
              <th scope="col">{t('orders.columns.reason')}</th>
              <th scope="col">{t('orders.columns.ordered')}</th>
              {writer && <th scope="col"><span className="sr-only">{t('orders.cancel')}</span></th>}
            </tr>
          </thead>
          <tbody>
            {orders.data.map((o) => (
              <tr key={o.id} data-accession={o.accessionNumber} className={o.status === 'cancelled' ? 'retired' : ''}>
                <td><code>{o.accessionNumber}</code></td>
                <td>{o.procedureIds.map(nameOf).join(' + ')}</td>
                <td><span className={`badge priority-${o.priority}`}>{t(`orders.priority.${o.priority}`)}</span></td>
                <td>
                  <span data-testid="order-status">{t(`orders.status.${o.status}`)}</span>
                  {o.status === 'cancelled' && <div className="hint">{o.cancelReason}</div>}
                  {can(session, 'ris.schedule.read') && <OrderBooking order={o} />}
                </td>
                <td className="multiline">{o.reason}</td>
                <td className="date">{formatMoment(o.createdAt, locale)}</td>
                {writer && (
                  <td>
                    {(o.status === 'requested' || o.status === 'scheduled' || o.status === 'no_show') && (
                      <Button onPress={() => setCancelling(o)} aria-label={`${t('orders.cancel')} ${o.accessionNumber}`}>
                        {t('orders.cancel')}
                      </Button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FormDialog isOpen={creating} onClose={() => setCreating(false)} title={t('orders.new')} testId="order-dialog">
        {creating && <OrderForm patient={patient} onDone={(accession) => { setCreating(false); if (accession) setCreated(accession); }} />}
      </FormDialog>
      <FormDialog isOpen={cancelling !== null} onClose={() => setCancelling(null)} testId="cancel-dialog"
        title={cancelling ? t('orders.cancelTitle', { accession: cancelling.accessionNumber }) : ''}>
        {cancelling && <CancelForm patient={patient} order={cancelling} onDone={() => setCancelling(null)} />}
      </FormDialog>
    </section>
  );
}

// Where the order is booked (a link to that day of the calendar, and its slip), or a link that
// books it from the calendar.
function OrderBooking({ order }: { order: Order }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const booked = order.status === 'scheduled' || order.status === 'arrived';
  const appointments = useOrderAppointments(order.id, booked);
  const clinic = useClinic();
  const rooms = useRooms(true);
  const current = appointments.data?.find((a) => a.status === 'booked' || a.status === 'arrived');
  if (booked && current && clinic.data) {
    const zone = clinic.data.timeZone;
    const day = dayOf(current.startsAt, zone);
    const room = rooms.data?.find((r) => r.id === current.roomId)?.name ?? '';
    return (
      <div className="order-booking" data-testid="order-appointment">
        <Link to={`/calendar?day=${day}`}>
          {t('schedule.booking.when', { day: formatDay(day, locale), time: formatTime(current.startsAt, zone, locale), room })}
        </Link>
        {' · '}<Link to={`/appointments/${current.id}/slip`}>{t('schedule.appointment.slip')}</Link>
      </div>
    );
  }
  if ((order.status === 'requested' || order.status === 'no_show') && can(session, 'ris.schedule.write')) {
    return (
      <div className="order-booking">
        <Link className="button" to={`/calendar?order=${order.id}`} aria-label={`${t('orders.book')} ${order.accessionNumber}`}>
          {t(order.status === 'no_show' ? 'orders.bookAgain' : 'orders.book')}
        </Link>
      </div>
    );
  }
  return null;
}

function OrderForm({ patient, onDone }: { patient: Patient; onDone: (accession: string) => void }) {
  const { t } = useTranslation();
  const explain = useCatalogueRuleText();
  const procedures = useProcedures(false);
  const create = useCreateOrder(patient.id);
  const [problem, setProblem] = useState('');
  const form = useForm<OrderFormValues>({ defaultValues: EMPTY_ORDER, resolver: zodResolver(orderSchema), mode: 'onTouched' });
  const { control } = form;
  const submit = form.handleSubmit((v) => {
    setProblem('');
    create.mutateAsync(orderFieldsOf(patient.id, v)).then((o) => onDone(o.accessionNumber),
      (e) => saveFailed(form, e, t, setProblem));
  });
  const f = (name: keyof OrderFormValues) => t(`orders.fields.${name}`);
  return (
    <form className="catalogue-form" noValidate onSubmit={submit}>
      {patient.contrastAllergy && (
        <div className="allergy-banner" role="note" data-testid="order-contrast-allergy">
          ⚠ {t('patients.contrastAllergy')}{patient.allergies ? `: ${patient.allergies}` : ''}
        </div>
      )}
      <Controller control={control} name="procedureIds" render={({ field, fieldState }) => (
        <CheckboxGroupField name="procedureIds" label={f('procedureIds')} hint={t('orders.hints.procedureIds')} isRequired
          value={field.value} onChange={field.onChange} error={explain('procedureIds', fieldState.error?.message)}
          options={(procedures.data ?? []).map((p) => ({ value: String(p.id), label: `${p.modality} · ${p.name}` }))} />
      )} />
      <Controller control={control} name="priority" render={({ field }) => (
        <ChoiceField name="priority" label={f('priority')} value={field.value} onChange={field.onChange}
          options={PRIORITIES.map((p) => ({ value: p, label: t(`orders.priority.${p}`) }))} />
      )} />
      <FormText control={control} name="reason" label={f('reason')} explain={explain} multiline isRequired />
      <FormText control={control} name="clinicalInfo" label={f('clinicalInfo')} hint={t('orders.hints.clinicalInfo')}
        explain={explain} multiline />
      <div className="row">
        <FormText control={control} name="referringPhysician" label={f('referringPhysician')} explain={explain} />
        <FormText control={control} name="requestingDepartment" label={f('requestingDepartment')} explain={explain} />
      </div>
      {problem && <Notice tone="error">{problem}</Notice>}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={create.isPending}>{create.isPending ? t('orders.creating') : t('orders.create')}</Button>
        <Button onPress={() => onDone('')}>{t('catalogue.cancel')}</Button>
      </div>
    </form>
  );
}

function CancelForm({ patient, order, onDone }: { patient: Patient; order: Order; onDone: () => void }) {
  const { t } = useTranslation();
  const explain = useCatalogueRuleText();
  const cancel = useCancelOrder(patient.id);
  const failure = (e: unknown): ReasonFailure => {
    if (e instanceof ApiProblem && e.status === 400) return { field: explain('reason', e.problem.errors?.[0]?.rule ?? 'format') ?? '' };
    if (e instanceof ApiProblem && e.status === 409) {
      return (e.problem.conflict as { rule?: string } | undefined)?.rule === 'order_state' ? t('orders.notNow') : t('orders.stale');
    }
    return errorText(t, e);
  };
  return (
    <ReasonForm name="cancelReason" label={t('orders.cancelReason')} required={explain('reason', 'required') ?? ''}
      confirm={t('orders.cancelConfirm')} cancel={t('orders.keep')} onCancel={onDone} short problemTestId="cancel-problem"
      pending={cancel.isPending} failure={failure}
      send={(reason) => cancel.mutateAsync({ id: order.id, version: order.version, reason }).then(onDone)} />
  );
}
