// Two registrations of one person made one, from the record that stays: find the duplicate,
// compare the two side by side (what differs stands out), say why, merge. The duplicate's record
// then says where its patient went; the merges a record took part in are listed on it, with the
// images each moved, and an administrator can undo one.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Button } from 'react-aria-components';
import { ApiProblem } from '../apiClient';
import { FormDialog } from '../ui/FormDialog';
import { Notice, TextInput } from '../ui/fields';
import { ReasonForm } from '../ui/ReasonForm';
import { errorText } from '../ui/errorText';
import { formatCalendarDate, formatMoment } from '../i18n/format';
import { formatLocale } from '../i18n';
import { can, useSession } from '../session';
import { usePatient, usePatientSearch } from './patients';
import { displayName } from './patientForm';
import { type PatientMerge, useMergePatients, usePatientMerges, useUndoMerge } from './merges';
import { useClinic } from './schedule';
import type { Patient } from './types';

const TYPING_PAUSE_MS = 250;
const KNOWN_RULES = ['self', 'merged', 'stale', 'merge_state', 'merged_later', 'merge_used'] as const;

function mergeProblemText(t: TFunction, e: unknown): string {
  if (e instanceof ApiProblem && (e.status === 400 || e.status === 409)) {
    const rule = e.status === 409 ? (e.problem.conflict as { rule?: string } | undefined)?.rule : e.problem.errors?.[0]?.rule;
    const known = KNOWN_RULES.find((r) => r === rule);
    if (known) return t(`merge.problem.${known}`);
  }
  return errorText(t, e);
}

// On a merged record, at the top: where the patient is now.
export function MergedBanner({ patient: p }: { patient: Patient }) {
  const { t } = useTranslation();
  const kept = usePatient(p.mergedInto || null);
  if (!p.mergedInto) return null;
  return (
    <div className="merged-banner" role="note" data-testid="merged-banner">
      <strong>{t('merge.mergedTitle')}</strong>{' '}
      {t('merge.mergedInto')}{' '}
      <Link to={`/patients/${p.mergedInto}`}>
        {kept.data ? `${displayName(kept.data)} (${kept.data.mrn})` : t('merge.openKept')}
      </Link>
    </div>
  );
}

export function MergeButton({ kept, onMerged }: { kept: Patient; onMerged: (text: string) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onPress={() => setOpen(true)} data-testid="merge-open">{t('merge.open')}</Button>
      <FormDialog isOpen={open} onClose={() => setOpen(false)} testId="merge-dialog"
        title={t('merge.title', { patient: displayName(kept) })}>
        {open && <MergeForm kept={kept} onDone={(text) => { setOpen(false); onMerged(text); }} />}
      </FormDialog>
    </>
  );
}

function MergeForm({ kept, onDone }: { kept: Patient; onDone: (text: string) => void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<Patient | null>(null);
  if (!chosen) return <FindDuplicate kept={kept} onChoose={setChosen} />;
  return <ConfirmMerge kept={kept} duplicate={chosen} onBack={() => setChosen(null)} onDone={onDone} t={t} />;
}

function FindDuplicate({ kept, onChoose }: { kept: Patient; onChoose: (p: Patient) => void }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [text, setText] = useState(`${kept.familyName}`);
  const [q, setQ] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setQ(text), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const search = usePatientSearch(q, '', 10);
  const others = (search.data?.patients ?? []).filter((p) => p.id !== kept.id);
  return (
    <div className="merge-find">
      <p className="hint">{t('merge.findHint', { patient: displayName(kept) })}</p>
      <TextInput name="merge-search" label={t('merge.search')} value={text} onChange={setText} />
      {search.isError && <Notice tone="error">{errorText(t, search.error)}</Notice>}
      {search.isSuccess && others.length === 0 && <p className="hint">{t('merge.noneFound')}</p>}
      {others.length > 0 && (
        <ul className="merge-candidates" aria-label={t('merge.candidates')}>
          {others.map((p) => (
            <li key={p.id}>
              <span>
                <strong>{displayName(p)}</strong> · {p.mrn} · {formatCalendarDate(p.birthDate, locale)}
                {p.phone && ` · ${p.phone}`}
              </span>
              {p.mergedInto ? (
                <span className="muted">{t('merge.alreadyMerged')}</span>
              ) : (
                <Button onPress={() => onChoose(p)} aria-label={`${t('merge.choose')}: ${displayName(p)} (${p.mrn})`}>
                  {t('merge.choose')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ConfirmMerge({ kept, duplicate, onBack, onDone, t }: {
  kept: Patient; duplicate: Patient; onBack: () => void; onDone: (text: string) => void; t: TFunction;
}) {
  const { i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const merge = useMergePatients();
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [problem, setProblem] = useState('');
  const rows: [string, (p: Patient) => string][] = [
    [t('merge.name'), (p) => displayName(p)],
    [t('patients.fields.mrn'), (p) => `${p.mrn} (${p.mrnIssuer})`],
    [t('patients.fields.birthDate'), (p) => formatCalendarDate(p.birthDate, locale)],
    [t('patients.fields.sex'), (p) => t(`patients.sex.${p.sex}`)],
    [t('patients.fields.nationalId'), (p) => p.nationalId],
    [t('patients.fields.phone'), (p) => p.phone],
    [t('patients.fields.allergies'), (p) => [p.contrastAllergy ? t('patients.contrastAllergy') : '', p.allergies].filter(Boolean).join(' · ')],
  ];
  const submit = () => {
    setError('');
    setProblem('');
    if (!reason.trim()) return setError(t('merge.reasonRequired'));
    merge.mutateAsync({ sourceId: duplicate.id, sourceVersion: duplicate.version, targetId: kept.id, targetVersion: kept.version, reason })
      .then(() => onDone(t('merge.done', { from: duplicate.mrn, to: displayName(kept) })), (e: unknown) => setProblem(mergeProblemText(t, e)));
  };
  return (
    <form className="merge-confirm" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <table className="merge-compare" data-testid="merge-compare">
        <thead>
          <tr><th scope="col"><span className="sr-only">{t('merge.field')}</span></th>
            <th scope="col">{t('merge.goes')}</th><th scope="col">{t('merge.stays')}</th></tr>
        </thead>
        <tbody>
          {rows.map(([label, of]) => {
            const a = of(duplicate), b = of(kept);
            return (
              <tr key={label} className={a !== b ? 'differs' : undefined}>
                <th scope="row">{label}</th><td>{a || '—'}</td><td>{b || '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Notice tone="warning">{t('merge.explain', { from: duplicate.mrn, to: displayName(kept) })}</Notice>
      <TextInput name="reason" label={t('merge.reason')} value={reason} onChange={setReason} error={error}
        isRequired multiline maxLength={500} />
      {problem && <Notice tone="error">{problem}</Notice>}
      <div className="dialog-actions">
        <Button onPress={onBack}>{t('merge.back')}</Button>
        <Button type="submit" className="primary danger" isDisabled={merge.isPending}>
          {t('merge.confirm', { from: duplicate.mrn, to: kept.mrn })}
        </Button>
      </div>
    </form>
  );
}

// The merges this record took part in: who went where, when, why, the images moved; undo.
export function PatientMerges({ patient: p }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const merges = usePatientMerges(p.id);
  const zone = useClinic().data?.timeZone;
  const [undoing, setUndoing] = useState<PatientMerge | null>(null);
  const [done, setDone] = useState('');
  if (merges.isError) return <Notice tone="error">{errorText(t, merges.error)}</Notice>;
  if (!merges.data?.length && !done) return null;
  return (
    <section className="patient-merges" data-testid="patient-merges">
      <h2>{t('merge.history')}</h2>
      {done && <Notice tone="ok" testId="unmerged">{done}</Notice>}
      <ul>
        {merges.data?.map((m) => {
          const moved = m.studies.filter((s) => s.direction === 'merged').length;
          const back = m.studies.filter((s) => s.direction === 'undone').length;
          return (
            <li key={m.id} data-testid={`merge-${m.id}`}>
              <p>
                <PatientLink id={m.sourceId} /> → <PatientLink id={m.targetId} />{' · '}
                {t('merge.when', { when: formatMoment(m.mergedAt, locale, zone), who: m.mergedBy })}
              </p>
              <p className="hint">
                {t('merge.why', { reason: m.reason })} · {t('merge.moved', { orders: t('merge.orders', { count: m.ordersMoved }), studies: t('merge.studies', { count: moved }) })}
              </p>
              {m.status === 'merged' && m.studiesWaiting > 0 && (
                <p className="hint" data-testid="merge-waiting">{t('merge.waiting', { count: m.studiesWaiting })}</p>
              )}
              {m.status === 'undone' && (
                <p className="hint" data-testid="merge-undone">
                  {t('merge.undoneWhen', { when: formatMoment(m.undoneAt, locale, zone), who: m.undoneBy, reason: m.undoReason })}
                  {' · '}{t('merge.movedBack', { count: back })}
                </p>
              )}
              {m.status === 'merged' && can(session, 'ris.patients.unmerge') && (
                <Button className="danger" onPress={() => setUndoing(m)}>{t('merge.undo')}</Button>
              )}
            </li>
          );
        })}
      </ul>
      <FormDialog isOpen={undoing !== null} onClose={() => setUndoing(null)} testId="undo-merge-dialog" title={t('merge.undoTitle')}>
        {undoing && <UndoForm merge={undoing} onCancel={() => setUndoing(null)} onDone={(text) => { setUndoing(null); setDone(text); }} />}
      </FormDialog>
    </section>
  );
}

function PatientLink({ id }: { id: number }) {
  const p = usePatient(id);
  return <Link to={`/patients/${id}`}>{p.data ? `${displayName(p.data)} (${p.data.mrn})` : `#${id}`}</Link>;
}

function UndoForm({ merge, onCancel, onDone }: { merge: PatientMerge; onCancel: () => void; onDone: (text: string) => void }) {
  const { t } = useTranslation();
  const undo = useUndoMerge();
  return (
    <ReasonForm hint={t('merge.undoHint')} label={t('merge.undoReason')} required={t('merge.reasonRequired')}
      confirm={t('merge.undoConfirm')} cancel={t('merge.keep')} onCancel={onCancel} pending={undo.isPending}
      failure={(e) => mergeProblemText(t, e)}
      send={(reason) => undo.mutateAsync({ id: merge.id, version: merge.version, reason }).then(() => onDone(t('merge.undoDone')))} />
  );
}
