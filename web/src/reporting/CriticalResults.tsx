// Critical results beside the report (ACR's communication loop): flag a finding on the clinic's
// list; until whom it was told to, how, and when they received it is recorded, it shows as not
// yet communicated (and escalates on the server). The reading worklist lists every open one.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, DateInput, DateSegment, Label, TimeField } from 'react-aria-components';
import { Time } from '@internationalized/date';
import { Link } from 'react-router';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { Notice, SelectField, TextInput } from '../ui/fields';
import { reportProblemText } from './problems';
import { useCriticalFindings, useExamCritical, useFlagCritical, useOpenCritical, useRecordCommunication } from './reading';
import type { CommunicationMethod, CriticalResult } from './types';

export function CriticalResults({ orderId, canWrite }: { orderId: number; canWrite: boolean }) {
  const { t } = useTranslation();
  const results = useExamCritical(orderId);
  const [flagging, setFlagging] = useState(false);
  const list = results.data?.results ?? [];
  return (
    <section className="critical-results" aria-labelledby="critical-title" data-testid="critical-results">
      <h3 id="critical-title">{t('critical.title')}</h3>
      {list.length === 0 && !flagging && <p className="hint">{t('critical.none')}</p>}
      <ul className="critical-list">
        {list.map((r) => <CriticalItem key={r.id} orderId={orderId} result={r} canWrite={canWrite} />)}
      </ul>
      {canWrite && (flagging
        ? <FlagForm orderId={orderId} onDone={() => setFlagging(false)} />
        : <Button onPress={() => setFlagging(true)} data-testid="flag-critical">{t('critical.flag')}</Button>)}
    </section>
  );
}

function CriticalItem({ orderId, result: r, canWrite }: { orderId: number; result: CriticalResult; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const open = r.status === 'open';
  return (
    <li data-testid="critical-result" data-status={r.status}>
      <p>
        <strong>{r.finding}</strong>{r.note && <> · {r.note}</>}
        <br />
        <span className="sub">{t('critical.foundBy', { who: r.foundByName, when: formatMoment(r.foundAt, locale) })}</span>
      </p>
      {open ? (
        <Notice tone="warning">
          {t('critical.open')}{r.escalations > 0 && <> · {t('critical.escalated', { count: r.escalations })}</>}
        </Notice>
      ) : (
        <Notice tone="ok">
          {t('critical.communicated', {
            to: r.communicatedTo, method: t(`critical.methods.${r.method as CommunicationMethod}`),
            when: formatMoment(r.receivedAt, locale),
          })}
        </Notice>
      )}
      {open && canWrite && <CommunicationForm orderId={orderId} result={r} />}
    </li>
  );
}

function FlagForm({ orderId, onDone }: { orderId: number; onDone: () => void }) {
  const { t } = useTranslation();
  const list = useCriticalFindings();
  const flag = useFlagCritical(orderId);
  const [finding, setFinding] = useState('');
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  return (
    <fieldset className="critical-form" data-testid="flag-form">
      <legend>{t('critical.flag')}</legend>
      <SelectField name="critical-finding" label={t('critical.finding')} value={finding} isRequired
        placeholder={t('report.coded.choose')} error={tried && !finding ? t('report.coded.required') : undefined}
        options={(list.data?.findings ?? []).map((f) => ({ value: f, label: f }))} onChange={setFinding} />
      <TextInput name="critical-note" label={t('critical.note')} value={note} onChange={setNote} maxLength={2000} />
      {flag.isError && <Notice tone="error">{reportProblemText(t, flag.error)}</Notice>}
      <div className="report-actions">
        <Button className="primary" isDisabled={flag.isPending} data-testid="flag-confirm"
          onPress={() => {
            setTried(true);
            if (finding) flag.mutate({ finding, note }, { onSuccess: onDone });
          }}>
          {t('critical.flagConfirm')}
        </Button>
        <Button onPress={onDone}>{t('report.coded.cancel')}</Button>
      </div>
    </fieldset>
  );
}

// When they received it: the last time it was that time of day, in this browser's zone (the
// clinic's workstation): today, or yesterday for a call before midnight recorded after it.
export function lastAt(hour: number, minute: number, now: Date = new Date()): string {
  const at = new Date(now);
  at.setHours(hour, minute, 0, 0);
  if (at.getTime() > now.getTime() + 60_000) at.setDate(at.getDate() - 1);
  return at.toISOString();
}

function CommunicationForm({ orderId, result }: { orderId: number; result: CriticalResult }) {
  const { t } = useTranslation();
  const record = useRecordCommunication(orderId);
  const now = new Date();
  const [to, setTo] = useState('');
  const [method, setMethod] = useState<CommunicationMethod | ''>('');
  const [received, setReceived] = useState<Time | null>(new Time(now.getHours(), now.getMinutes()));
  const [tried, setTried] = useState(false);
  const methods: CommunicationMethod[] = ['phone', 'in_person', 'secure_message'];
  return (
    <fieldset className="critical-form" data-testid="communication-form">
      <legend>{t('critical.record')}</legend>
      <TextInput name="critical-to" label={t('critical.to')} hint={t('critical.toHint')} value={to} onChange={setTo}
        isRequired maxLength={200} error={tried && !to.trim() ? t('report.coded.required') : undefined} />
      <SelectField name="critical-method" label={t('critical.method')} value={method} isRequired
        placeholder={t('report.coded.choose')} error={tried && !method ? t('report.coded.required') : undefined}
        options={methods.map((m) => ({ value: m, label: t(`critical.methods.${m}`) }))} onChange={setMethod} />
      <TimeField className="field" value={received} onChange={setReceived} isRequired hourCycle={24}>
        <Label>{t('critical.receivedAt')}</Label>
        <DateInput className="date-input">{(segment) => <DateSegment segment={segment} />}</DateInput>
      </TimeField>
      {record.isError && <Notice tone="error">{reportProblemText(t, record.error)}</Notice>}
      <div className="report-actions">
        <Button className="primary" isDisabled={record.isPending} data-testid="record-communication"
          onPress={() => {
            setTried(true);
            if (to.trim() && method && received) record.mutate({ id: result.id, to, method, receivedAt: lastAt(received.hour, received.minute) });
          }}>
          {t('critical.save')}
        </Button>
      </div>
    </fieldset>
  );
}

// The reading worklist's list of every critical result not yet communicated.
export function OpenCriticalResults() {
  const { t, i18n } = useTranslation();
  const open = useOpenCritical();
  const list = open.data?.results ?? [];
  if (list.length === 0) return null;
  const locale = formatLocale(i18n.language);
  return (
    <section className="open-critical" aria-labelledby="open-critical-title" data-testid="open-critical">
      <h2 id="open-critical-title">{t('critical.listTitle', { count: list.length })}</h2>
      <ul>
        {list.map((r) => (
          <li key={r.id}>
            <Link to={`/reading/${r.orderId}`}>{r.patientName}</Link> · {r.accessionNumber} · <strong>{r.finding}</strong>
            {' · '}{t('critical.foundBy', { who: r.foundByName, when: formatMoment(r.foundAt, locale) })}
            {r.escalations > 0 && <> · {t('critical.escalated', { count: r.escalations })}</>}
          </li>
        ))}
      </ul>
    </section>
  );
}
