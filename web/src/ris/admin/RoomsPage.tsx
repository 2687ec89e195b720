// Administration: the rooms (modality, the scanner's AE title, opening hours per weekday whose
// gaps are the breaks) and the days they, or the whole clinic, are closed.
import { useState } from 'react';
import { Controller, useFieldArray, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../../apiClient';
import { AdminPage } from '../../admin/AdminNav';
import { useAppNavigate, useSession } from '../../session';
import { CheckboxField, DateInputField, Notice, SelectField, TextInput } from '../../ui/fields';
import { FormCheckbox, FormNumber, FormSelect, FormText } from '../../ui/formFields';
import { FormDialog } from '../../ui/FormDialog';
import { errorText } from '../../ui/errorText';
import { saveFailed } from '../../ui/saveFailed';
import { formatLocale } from '../../i18n';
import { formatCalendarDate, localToday } from '../../i18n/format';
import { MODALITIES, useAddClosure, useClosures, useRemoveClosure, useRooms, useSaveRoom } from '../catalogue';
import {
  EMPTY_ROOM, type RoomFormValues, hoursSummary, roomFieldsOf, roomSchema, roomValuesOf, sameAsMonday, weekdayName,
} from '../catalogueForms';
import type { Room } from '../types';
import { useCatalogueRuleText } from './catalogueText';

export function RoomsPage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  const [retired, setRetired] = useState(false);
  const [editing, setEditing] = useState<Room | 'new' | null>(null);
  const rooms = useRooms(retired);
  const day = (d: number) => weekdayName(d, locale);
  return (
    <AdminPage session={session} navigate={navigate} onSignOut={signOut} current="/admin/rooms" title={t('catalogue.rooms.title')}
      titleAction={<Button className="primary" onPress={() => setEditing('new')}>{t('catalogue.rooms.add')}</Button>}>
      <div className="filters">
        <CheckboxField name="retired" label={t('catalogue.showRetired')} value={retired} onChange={setRetired} />
      </div>
      {rooms.isError && <Notice tone="error">{errorText(t, rooms.error)}</Notice>}
      {rooms.isSuccess && rooms.data.length === 0 && <p className="hint">{t('catalogue.rooms.none')}</p>}
      {rooms.isSuccess && rooms.data.length > 0 && (
        <table className="studies catalogue-table" data-testid="rooms">
          <caption className="sr-only">{t('catalogue.rooms.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('catalogue.rooms.columns.name')}</th>
              <th scope="col">{t('catalogue.rooms.columns.modality')}</th>
              <th scope="col">{t('catalogue.rooms.columns.aeTitle')}</th>
              <th scope="col">{t('catalogue.rooms.columns.hours')}</th>
              <th scope="col">{t('catalogue.rooms.columns.state')}</th>
              <th scope="col"><span className="sr-only">{t('catalogue.edit')}</span></th>
            </tr>
          </thead>
          <tbody>
            {rooms.data.map((r) => (
              <tr key={r.id} data-room={r.name} className={r.active ? '' : 'retired'}>
                <td><strong>{r.name}</strong>{r.site && <div className="sub" data-testid="site">{r.site}</div>}</td>
                <td>{r.modality} · {t(`modalities.${r.modality}`)}</td>
                <td>{r.aeTitle ? <code>{r.aeTitle}</code> : <span className="muted">{t('catalogue.rooms.notConnected')}</span>}</td>
                <td data-testid="hours">{hoursSummary(r.hours, day) || <span className="muted">{t('catalogue.rooms.closed')}</span>}</td>
                <td>{r.active ? t('catalogue.active') : t('catalogue.retired')}</td>
                <td><Button onPress={() => setEditing(r)} aria-label={`${t('catalogue.edit')} ${r.name}`}>{t('catalogue.edit')}</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Closures rooms={rooms.data ?? []} />
      <FormDialog isOpen={editing !== null} onClose={() => setEditing(null)} testId="room-dialog"
        title={editing && editing !== 'new' ? t('catalogue.rooms.editTitle', { name: editing.name }) : t('catalogue.rooms.add')}>
        {editing !== null && <RoomForm room={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      </FormDialog>
    </AdminPage>
  );
}

function RoomForm({ room, onDone }: { room: Room | null; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const explain = useCatalogueRuleText();
  const save = useSaveRoom();
  const [problem, setProblem] = useState('');
  const form = useForm<RoomFormValues>({
    defaultValues: room ? roomValuesOf(room) : EMPTY_ROOM,
    resolver: zodResolver(roomSchema),
    mode: 'onTouched',
  });
  const { control } = form;
  const hours = useFieldArray({ control, name: 'hours' });
  const hoursError = form.formState.errors.hours;
  const hoursRule = hoursError?.message ?? hoursError?.root?.message;
  const submit = form.handleSubmit((values) => {
    setProblem('');
    save.mutateAsync({ id: room?.id ?? 0, version: room?.version ?? 0, fields: roomFieldsOf(values) }).then(onDone,
      (e) => saveFailed(form, e, t, setProblem, { staleText: t('catalogue.stale') }));
  });
  return (
    <form className="catalogue-form" noValidate onSubmit={submit}>
      <div className="row">
        <FormText control={control} name="name" label={t('catalogue.rooms.fields.name')} explain={explain} isRequired />
        <FormText control={control} name="site" label={t('catalogue.rooms.fields.site')} hint={t('catalogue.rooms.hints.site')}
          explain={explain} />
        <FormSelect control={control} name="modality" label={t('catalogue.rooms.fields.modality')} explain={explain} isRequired
          options={MODALITIES.map((m) => ({ value: m, label: `${m} · ${t(`modalities.${m}`)}` }))} />
      </div>
      <FormText control={control} name="aeTitle" label={t('catalogue.rooms.fields.aeTitle')} hint={t('catalogue.rooms.hints.aeTitle')}
        explain={explain} />
      <FormCheckbox control={control} name="worklistOwnOnly" label={t('catalogue.rooms.fields.worklistOwnOnly')}
        hint={t('catalogue.rooms.hints.worklistOwnOnly')} explain={explain} />
      <FormNumber control={control} name="bufferMinutes" label={t('catalogue.rooms.fields.bufferMinutes')}
        hint={t('catalogue.rooms.hints.bufferMinutes')} explain={explain} minValue={0} maxValue={120} />
      <fieldset className="hours-editor" aria-describedby="hours-hint">
        <legend>{t('catalogue.rooms.hours')}</legend>
        <p id="hours-hint" className="hint">{t('catalogue.rooms.hoursHint')}</p>
        {[1, 2, 3, 4, 5, 6, 7].map((d) => {
          const dayLong = weekdayName(d, locale, 'long');
          const intervals = hours.fields.map((f, index) => ({ f, index })).filter(({ f }) => f.weekday === d);
          return (
            <div key={d} className="hours-day" data-weekday={d}>
              <span className="day-name">{dayLong}</span>
              <div className="intervals">
                {intervals.length === 0 && <span className="muted">{t('catalogue.rooms.closed')}</span>}
                {intervals.map(({ f, index }) => (
                  <div key={f.id} className="interval">
                    <Controller control={control} name={`hours.${index}.opens`} render={({ field }) => (
                      <TextInput name={field.name} label={`${dayLong} · ${t('catalogue.rooms.opens')}`} labelHidden placeholder="08:00"
                        value={field.value} onChange={field.onChange} onBlur={field.onBlur} className="time" />
                    )} />
                    <span aria-hidden="true">–</span>
                    <Controller control={control} name={`hours.${index}.closes`} render={({ field }) => (
                      <TextInput name={field.name} label={`${dayLong} · ${t('catalogue.rooms.closes')}`} labelHidden placeholder="14:00"
                        value={field.value} onChange={field.onChange} onBlur={field.onBlur} className="time" />
                    )} />
                    <Button className="remove" onPress={() => hours.remove(index)}
                      aria-label={t('catalogue.rooms.removeInterval', { day: dayLong, opens: f.opens, closes: f.closes })}>×</Button>
                  </div>
                ))}
              </div>
              <Button className="add-interval" onPress={() => hours.append({ weekday: d, opens: '', closes: '' })}
                aria-label={t('catalogue.rooms.addInterval', { day: dayLong })}>+</Button>
            </div>
          );
        })}
        <Button onPress={() => hours.replace(sameAsMonday(form.getValues('hours')))}>{t('catalogue.rooms.copyWeekdays')}</Button>
        {hoursRule && <p className="field-error" role="alert" data-testid="hours-error">{explain('hours', hoursRule)}</p>}
      </fieldset>
      {room && <FormCheckbox control={control} name="active" label={t('catalogue.rooms.fields.active')} explain={explain} />}
      {problem && <Notice tone="error" testId="catalogue-problem">{problem}</Notice>}
      <div className="form-actions">
        <Button type="submit" className="primary" isDisabled={save.isPending}>{save.isPending ? t('catalogue.saving') : t('catalogue.save')}</Button>
        <Button onPress={onDone}>{t('catalogue.cancel')}</Button>
      </div>
    </form>
  );
}

// The closures of the coming year, and a new one: a room or the whole clinic, from one day to
// another, with its reason.
function Closures({ rooms }: { rooms: Room[] }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const explain = useCatalogueRuleText();
  const today = localToday();
  const inAYear = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
  const closures = useClosures(today, inAYear);
  const add = useAddClosure();
  const remove = useRemoveClosure();
  const [room, setRoom] = useState('0');
  const [startsOn, setStartsOn] = useState('');
  const [endsOn, setEndsOn] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState('');
  const roomName = (id: number) => (id === 0 ? t('catalogue.closures.allRooms') : rooms.find((r) => r.id === id)?.name ?? `#${id}`);
  const submit = () => {
    setErrors({});
    setProblem('');
    add.mutateAsync({ roomId: Number(room), startsOn, endsOn: endsOn || startsOn, reason }).then(() => {
      setStartsOn('');
      setEndsOn('');
      setReason('');
    }, (e) => {
      if (e instanceof ApiProblem && e.status === 400 && e.problem.errors?.length)
        setErrors(Object.fromEntries(e.problem.errors.map((x) => [x.field, x.rule])));
      else setProblem(errorText(t, e));
    });
  };
  return (
    <section className="closures" aria-labelledby="closures-title">
      <h2 id="closures-title">{t('catalogue.closures.title')}</h2>
      <p className="hint">{t('catalogue.closures.hint')}</p>
      <form className="closure-form" noValidate onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <SelectField name="closure-room" label={t('catalogue.closures.room')} value={room} onChange={setRoom}
          options={[{ value: '0', label: t('catalogue.closures.allRooms') }, ...rooms.map((r) => ({ value: String(r.id), label: r.name }))]} />
        <DateInputField name="startsOn" label={t('catalogue.closures.startsOn')} value={startsOn} onChange={setStartsOn}
          isRequired error={explain('startsOn', errors.startsOn)} />
        <DateInputField name="endsOn" label={t('catalogue.closures.endsOn')} value={endsOn} onChange={setEndsOn}
          error={explain('endsOn', errors.endsOn)} />
        <TextInput name="reason" label={t('catalogue.closures.reason')} value={reason} onChange={setReason} isRequired
          error={explain('reason', errors.reason)} className="grow" />
        <div className="search-actions">
          <Button type="submit" isDisabled={add.isPending}>{t('catalogue.closures.add')}</Button>
        </div>
      </form>
      {problem && <Notice tone="error">{problem}</Notice>}
      {closures.isSuccess && closures.data.length === 0 && <p className="hint">{t('catalogue.closures.none')}</p>}
      {closures.isSuccess && closures.data.length > 0 && (
        <table className="studies" data-testid="closures">
          <caption className="sr-only">{t('catalogue.closures.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('catalogue.closures.columns.room')}</th>
              <th scope="col">{t('catalogue.closures.columns.days')}</th>
              <th scope="col">{t('catalogue.closures.columns.reason')}</th>
              <th scope="col">{t('catalogue.closures.columns.by')}</th>
              <th scope="col"><span className="sr-only">{t('catalogue.closures.remove')}</span></th>
            </tr>
          </thead>
          <tbody>
            {closures.data.map((c) => (
              <tr key={c.id} data-closure={c.reason}>
                <td>{roomName(c.roomId)}</td>
                <td className="date">
                  {formatCalendarDate(c.startsOn, locale)}{c.endsOn !== c.startsOn && ` – ${formatCalendarDate(c.endsOn, locale)}`}
                </td>
                <td>{c.reason}</td>
                <td>{c.createdBy}</td>
                <td>
                  <Button onPress={() => remove.mutate(c.id)} aria-label={`${t('catalogue.closures.remove')}: ${c.reason}`}>
                    {t('catalogue.closures.remove')}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
