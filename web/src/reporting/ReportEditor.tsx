// The report beside the images: the exam (patient, procedure, why it was asked for), then what
// the radiologist may do with its report now: write it (the one reading it), an addendum (once
// signed), or see that a colleague is reading it; and every version handed on or signed.
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { ageOn, formatCalendarDate, formatMoment } from '../i18n/format';
import { useSession } from '../session';
import { Notice } from '../ui/fields';
import { ContrastAllergyBadge } from '../ris/PatientBadges';
import type { Patient } from '../ris/types';
import { CriticalResults } from './CriticalResults';
import { DraftEditor } from './DraftEditor';
import { PriorReportsSection } from './PriorReports';
import { useClaim, useTemplates } from './reading';
import { readingState } from './readingList';
import { startingAddendum, startingContent } from './reportDraft';
import { withMerges } from './blanks';
import { reportProblemText } from './problems';
import type { ExamReport, ReportContent, ReportTemplate } from './types';
import { VersionHistory } from './VersionHistory';

export function ReportEditor({ data, today }: { data: ExamReport; today: string }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const { session } = useSession();
  const { exam, report } = data;
  const formatDate = (iso: string) => (iso.length <= 10 ? formatCalendarDate(iso, locale) : formatMoment(iso, locale));
  const merge = (c: ReportContent, template: ReportTemplate) => withMerges(c, template, exam, formatDate);
  const a = exam.appointment;
  const claim = useClaim(exam.orderId);
  // The procedure's default template (and the others for its modality), before the editor opens.
  const templates = useTemplates(exam.modality);
  const state = readingState(exam, session.username);
  const signed = report?.status === 'final' || report?.status === 'amended';
  const age = ageOn(a.patient.birthDate, today);
  const title = (key: string) => t(`report.sections.${key}` as 'report.sections.findings');
  // Whose exam, which: named again where it is signed (the heading above has scrolled away by then).
  const subject = t('report.signSubject', { patient: a.patient.name, mrn: a.patient.mrn, exam: exam.procedures.join(', '),
    accession: a.accessionNumber });
  return (
    <div className="report-editor" data-testid="report-editor" data-status={report?.status ?? 'none'}>
      <header className="report-exam">
        <h2>{a.patient.name}</h2>
        <p className="sub">
          {a.patient.mrn}{age !== null && ` · ${t('exams.age', { count: age })}`} · {t(`patients.sex.${a.patient.sex as Patient['sex']}`)}
        </p>
        <ContrastAllergyBadge patient={a.patient} />
        <p>
          {a.priority !== 'routine' && <span className={`badge priority-${a.priority}`}>{t(`orders.priority.${a.priority}`)}</span>}{' '}
          <strong>{exam.procedures.join(', ')}</strong> · {a.accessionNumber}
        </p>
        {exam.referringPhysician && <p className="sub">{t('reading.referredBy', { name: exam.referringPhysician })}</p>}
        <p className="report-status">
          <span className={`badge report-${report?.status ?? 'none'}`}>{t(`report.status.${report?.status ?? 'none'}`)}</span>
        </p>
      </header>
      <PriorReportsSection orderId={exam.orderId} />
      {state === 'other' && !signed && (
        <Notice testId="read-by-other">{t('reading.readBy', { name: exam.readingByName || exam.readingBy })}</Notice>
      )}
      {claim.isError && <Notice tone="error">{reportProblemText(t, claim.error)}</Notice>}
      {state === 'waiting' && !signed && (
        <Button className="primary" onPress={() => claim.mutate()} isDisabled={claim.isPending}>{t('report.read')}</Button>
      )}
      {state === 'mine' && !signed && !templates.isPending && (
        <DraftEditor key={`report-${exam.orderId}`} orderId={exam.orderId} study={a.studyInstanceUid} kind="report" subject={subject}
          loaded={startingContent(exam, report, title, templates.data?.find((x) => x.code === exam.reportTemplate), merge,
            i18n.language)}
          revision={report?.revision ?? 0} canHandOn={report?.status !== 'preliminary'} templates={templates.data ?? []}
          merge={merge} />
      )}
      {signed && report && session.permissions.includes('reporting.sign') && (
        <section aria-labelledby="addendum-title">
          <h3 id="addendum-title">{t('report.addendum')}</h3>
          <p className="hint">{t('report.addendumHint')}</p>
          {report.draft.sections.some((s) => s.text.trim() !== '') && report.savedBy !== session.username && (
            <Notice testId="addendum-by-other">{t('report.addendumBy', { who: report.savedBy })}</Notice>
          )}
          <DraftEditor key={`addendum-${exam.orderId}-${report.versions.length}`} orderId={exam.orderId} subject={subject}
            study={a.studyInstanceUid} kind="addendum"
            loaded={startingAddendum(report, title('addendum'))} revision={report.revision} canHandOn={false} />
        </section>
      )}
      <CriticalResults orderId={exam.orderId} canWrite={session.permissions.includes('reporting.write')} />
      {report && <VersionHistory orderId={exam.orderId} study={a.studyInstanceUid} versions={report.versions} />}
    </div>
  );
}
