// The patient's reports of her other exams, to compare with, the latest exam first: each exam
// (when, what, its accession number), who signed it and when, its impression; the whole text of
// every signed version and its signed PDF one click further. Only signed versions are shown: a
// text nobody signed is not a report. Beside the report being written, and from the reading
// worklist without opening the exam.
import { useTranslation } from 'react-i18next';
import { formatLocale } from '../i18n';
import { formatDay, formatMoment } from '../i18n/format';
import { useClinic } from '../ris/schedule';
import { errorText } from '../ui/errorText';
import { Notice } from '../ui/fields';
import { signedPdfUrl, usePriorReports } from './reading';
import type { PriorReport } from './types';
import { VersionContent } from './VersionHistory';

// The list, fetched when shown.
export function PriorReportList({ orderId }: { orderId: number }) {
  const { t } = useTranslation();
  const priors = usePriorReports(orderId);
  if (priors.isError) return <Notice tone="error">{errorText(t, priors.error)}</Notice>;
  if (!priors.data) return <p className="hint">{t('report.priors.loading')}</p>;
  if (priors.data.items.length === 0) return <p className="hint" data-testid="prior-reports-none">{t('report.priors.none')}</p>;
  return (
    <ol className="prior-reports" data-testid="prior-reports">
      {priors.data.items.map((p) => <PriorItem key={p.exam.orderId} prior={p} />)}
    </ol>
  );
}

// Beside the report: how many there are, the list one click away.
export function PriorReportsSection({ orderId }: { orderId: number }) {
  const { t } = useTranslation();
  const priors = usePriorReports(orderId);
  const count = priors.data?.items.length;
  return (
    <section className="prior-reports-section" aria-labelledby="prior-reports-title">
      <details data-testid="prior-reports-section">
        <summary>
          <h3 id="prior-reports-title">{count === undefined ? t('report.priors.title') : t('report.priors.titleCount', { count })}</h3>
        </summary>
        <PriorReportList orderId={orderId} />
      </details>
    </section>
  );
}

function PriorItem({ prior }: { prior: PriorReport }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const zone = useClinic().data?.timeZone;
  const a = prior.exam.appointment;
  const first = prior.versions[0];
  const latest = prior.versions[prior.versions.length - 1];
  const impression = [...prior.versions].reverse().flatMap((v) => v.content.sections)
    .find((s) => s.key === 'impression' && s.text.trim() !== '');
  return (
    <li data-accession={a.accessionNumber}>
      <p className="prior-exam">
        <strong>{prior.exam.procedures.join(', ')}</strong> · {formatDay(a.startsAt, locale, zone)} · {a.accessionNumber}
        {prior.status === 'amended' && <> <span className="badge report-amended">{t('report.status.amended')}</span></>}
      </p>
      {first?.signature && (
        <p className="sub">{t('report.priors.signedBy', { who: first.signature.signerName, when: formatMoment(first.signature.signedAt, locale, zone) })}</p>
      )}
      {impression && <p className="prior-impression"><span className="prior-label">{impression.title}:</span> {impression.text}</p>}
      <details>
        <summary>{t('report.priors.whole')}</summary>
        {prior.versions.map((v) => (
          <div key={v.number} className="prior-version" data-kind={v.kind}>
            <h4><span className={`badge version-${v.kind}`}>{t(`report.kind.${v.kind}`)}</span>{' '}
              {v.signature && t('report.versionBy', { who: v.signature.signerName, when: formatMoment(v.signature.signedAt, locale, zone) })}
            </h4>
            <VersionContent version={v} study={a.studyInstanceUid} />
          </div>
        ))}
      </details>
      {latest && (
        <a href={signedPdfUrl(prior.exam.orderId, latest.number)} target="_blank" rel="noreferrer">
          {t('report.priors.pdf', { exam: prior.exam.procedures.join(', ') })}
        </a>
      )}
    </li>
  );
}
