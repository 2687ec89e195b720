// Images to reconcile: studies that arrived without an order, or naming another patient than the
// order their accession number names. Nothing was linked for them; a technician finds the right
// patient and order and links them, and the server corrects the images to name that patient and
// accession (the old values kept inside, the change in the study's history).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { formatLocale } from '../i18n';
import { formatCalendarDate, formatMoment } from '../i18n/format';
import { can, useSession } from '../session';
import { StaffPage } from '../ui/StaffPage';
import { FormDialog } from '../ui/FormDialog';
import { Notice, TextInput } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { useLiveChanges } from './live';
import { usePatientOrders } from './orders';
import { usePatientSearch } from './patients';
import { displayName } from './patientForm';
import { dicomDay, dicomName, useLinkStudy, useUnmatchedStudies } from './reconcile';
import type { components } from '../types/api.gen';

type Unmatched = components['schemas']['UnmatchedStudy'];

export function ReconcilePage() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  useLiveChanges();
  const list = useUnmatchedStudies();
  const [linking, setLinking] = useState<Unmatched | null>(null);
  const [done, setDone] = useState('');
  const rows = list.data ?? [];
  const linker = can(session, 'ris.exam.perform');
  return (
    <StaffPage title={t('reconcile.title')} className="reconcile">
      <p className="hint">{t('reconcile.hint')}</p>
      {done && <Notice tone="ok" testId="reconcile-done">{done}</Notice>}
      {list.isError && <Notice tone="error">{errorText(t, list.error)}</Notice>}
      {list.isSuccess && rows.length === 0 && <Notice testId="nothing-to-reconcile">{t('reconcile.none')}</Notice>}
      {rows.length > 0 && (
        <table className="studies" data-testid="unmatched">
          <caption className="sr-only">{t('reconcile.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reconcile.columns.arrived')}</th>
              <th scope="col">{t('reconcile.columns.patient')}</th>
              <th scope="col">{t('reconcile.columns.study')}</th>
              <th scope="col">{t('reconcile.columns.why')}</th>
              <th scope="col"><span className="sr-only">{t('reconcile.columns.action')}</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => {
              const born = dicomDay(u.birthDate);
              const day = dicomDay(u.studyDate);
              return (
                <tr key={u.id} data-study={u.studyInstanceUid}>
                  <td>{formatMoment(u.createdAt, locale)}</td>
                  <td>
                    {dicomName(u.patientName) || t('reconcile.noName')}
                    <div className="sub">
                      <code>{u.patientId}</code>{u.issuer && ` (${u.issuer})`}
                      {born && ` · ${t('reconcile.born', { date: formatCalendarDate(born, locale) })}`}
                    </div>
                  </td>
                  <td>
                    {day && formatCalendarDate(day, locale)} {u.modalities}
                    <div className="sub">{u.accessionNumber ? t('reconcile.accession', { accession: u.accessionNumber }) : t('reconcile.noAccession')}</div>
                  </td>
                  <td>{t(`reconcile.reason.${u.reason}`)}</td>
                  <td>
                    {u.reconciledTo > 0 ? (
                      <span className="sub">{t('reconcile.correcting')}</span>
                    ) : linker && (
                      <Button onPress={() => { setDone(''); setLinking(u); }}
                        aria-label={t('reconcile.linkLabel', { patient: dicomName(u.patientName) || u.patientId })}>
                        {t('reconcile.link')}
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <FormDialog isOpen={linking !== null} onClose={() => setLinking(null)} testId="link-dialog"
        title={t('reconcile.dialogTitle')}>
        {linking && <LinkForm study={linking} onCancel={() => setLinking(null)}
          onDone={(text) => { setLinking(null); setDone(text); }} />}
      </FormDialog>
    </StaffPage>
  );
}

// Find the patient, choose their order, link.
function LinkForm({ study, onDone, onCancel }: { study: Unmatched; onDone: (text: string) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [q, setQ] = useState(study.patientId);
  const [patient, setPatient] = useState<{ id: number; name: string } | null>(null);
  const found = usePatientSearch(q, '', 8);
  return (
    <div className="link-form">
      <p className="hint">
        {t('reconcile.studySays', { patient: dicomName(study.patientName) || study.patientId, id: study.patientId })}
      </p>
      <TextInput name="patientSearch" label={t('reconcile.search')} value={q}
        onChange={(v) => { setQ(v); setPatient(null); }} />
      {!patient && found.isSuccess && found.data.patients.length === 0 && <Notice>{t('reconcile.noPatients')}</Notice>}
      {!patient && (found.data?.patients.length ?? 0) > 0 && (
        <ul className="choices" aria-label={t('reconcile.patients')}>
          {found.data!.patients.map((p) => (
            <li key={p.id}>
              <Button onPress={() => setPatient({ id: p.id, name: displayName(p) })}>
                {displayName(p)} · {p.mrn} · {formatCalendarDate(p.birthDate, locale)}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {patient && <OrderChoice study={study} patient={patient} onDone={onDone} onBack={() => setPatient(null)} />}
      <div className="dialog-actions">
        <Button onPress={onCancel}>{t('reconcile.cancel')}</Button>
      </div>
    </div>
  );
}

function OrderChoice({ study, patient, onDone, onBack }: {
  study: Unmatched; patient: { id: number; name: string }; onDone: (text: string) => void; onBack: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const orders = usePatientOrders(patient.id);
  const link = useLinkStudy();
  const [problem, setProblem] = useState('');
  const open = (orders.data ?? []).filter((o) => o.status !== 'cancelled');
  const choose = (orderId: number) => {
    setProblem('');
    link.mutateAsync({ id: study.id, orderId }).then(
      () => onDone(t('reconcile.done', { patient: patient.name })),
      (e: unknown) => setProblem(e instanceof ApiProblem && e.status === 400 ? t('reconcile.orderGone') : errorText(t, e)));
  };
  return (
    <div>
      <p><strong>{patient.name}</strong> <Button onPress={onBack}>{t('reconcile.otherPatient')}</Button></p>
      {orders.isSuccess && open.length === 0 && <Notice>{t('reconcile.noOrders')}</Notice>}
      {open.length > 0 && (
        <ul className="choices" aria-label={t('reconcile.orders')}>
          {open.map((o) => (
            <li key={o.id}>
              <Button className="primary" isDisabled={link.isPending} onPress={() => choose(o.id)}>
                {t('reconcile.linkTo', { accession: o.accessionNumber, ordered: formatMoment(o.createdAt, locale),
                  status: t(`orders.status.${o.status}`) })}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {problem && <Notice tone="error">{problem}</Notice>}
    </div>
  );
}
