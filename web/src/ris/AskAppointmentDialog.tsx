// A referring physician asks the desk to book one of their orders: the days that suit, the part
// of the day, a note. The desk answers by booking a time (the appointment then shows on the
// referrals page) or by declining with a reason, which shows there too.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { FormDialog } from '../ui/FormDialog';
import { ChoiceField, DateInputField, Notice, TextInput } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { shiftDay } from './clinicTime';
import { useAskForAppointment } from './requests';
import type { Referral } from './referrals';

type Time = 'any' | 'morning' | 'afternoon';
type Field = 'preferredFrom' | 'preferredTo' | 'preferredTime' | 'note';
const FIELDS: Field[] = ['preferredFrom', 'preferredTo', 'preferredTime', 'note'];

export function AskAppointmentDialog({ referral, today, onClose }: { referral: Referral; today: string; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const ask = useAskForAppointment();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today ? shiftDay(today, 14) : '');
  const [time, setTime] = useState<Time>('any');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState('');
  const ruleText = (rule: string) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    i18n.exists(`referrals.rules.${rule}`) ? (t(`referrals.rules.${rule}` as any) as string) : t('referrals.rules.format');
  const send = () => {
    setErrors({});
    setProblem('');
    ask.mutate({ orderId: referral.order.id, preferredFrom: from, preferredTo: to, preferredTime: time, note }, {
      onSuccess: onClose,
      onError: (e) => {
        if (!(e instanceof ApiProblem)) return setProblem(errorText(t, e));
        const conflict = (e.problem.conflict as { rule?: string } | undefined)?.rule;
        if (conflict) {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          return setProblem(i18n.exists(`referrals.conflicts.${conflict}`) ? t(`referrals.conflicts.${conflict}` as any) as string
            : t('referrals.conflicts.other'));
        }
        const mine: Partial<Record<Field, string>> = {};
        const other: string[] = [];
        for (const x of e.problem.errors ?? []) {
          if ((FIELDS as string[]).includes(x.field)) mine[x.field as Field] = ruleText(x.rule);
          else other.push(t('referrals.conflicts.other'));
        }
        setErrors(mine);
        if (other.length || (!e.problem.errors?.length)) setProblem(other[0] ?? errorText(t, e));
      },
    });
  };
  return (
    <FormDialog title={t('referrals.askTitle', { patient: referral.patient.name })} isOpen onClose={onClose} testId="ask-dialog">
      <form className="ask-form" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <p className="hint">{referral.procedures.join(', ')} · <code>{referral.order.accessionNumber}</code></p>
        <p className="hint">{t('referrals.askIntro')}</p>
        <div className="row">
          <DateInputField name="preferredFrom" label={t('referrals.from')} value={from} onChange={setFrom} isRequired
            error={errors.preferredFrom} />
          <DateInputField name="preferredTo" label={t('referrals.to')} value={to} onChange={setTo} isRequired
            error={errors.preferredTo} />
        </div>
        <ChoiceField name="preferredTime" label={t('referrals.time')} value={time} onChange={setTime}
          error={errors.preferredTime}
          options={(['any', 'morning', 'afternoon'] as const).map((v) => ({ value: v, label: t(`referrals.times.${v}`) }))} />
        <TextInput name="note" label={t('referrals.note')} hint={t('referrals.noteHint')} value={note} onChange={setNote}
          multiline error={errors.note} />
        {problem && <Notice tone="error" testId="ask-problem">{problem}</Notice>}
        <div className="dialog-actions">
          <Button type="submit" className="primary" isDisabled={ask.isPending}>{t('referrals.send')}</Button>
          <Button onPress={onClose}>{t('referrals.cancel')}</Button>
        </div>
      </form>
    </FormDialog>
  );
}
