// The patient's reports of her exams before this one, to compare with, the latest first: each exam
// (when, what, its accession number), who signed it and when, its impression; the whole text of
// every signed version and its signed PDF one click further. Only signed versions are shown: a
// text nobody signed is not a report. Beside the report being written, and from the reading
// worklist without opening the exam.
import { useTranslation } from 'react-i18next';
import { Button, Disclosure, DisclosurePanel, Heading } from 'react-aria-components';
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
  const { items, total } = priors.data;
  return (
    <>
      {total > items.length && <p className="hint">{t('report.priors.latest', { shown: items.length, total })}</p>}
      <ol className="prior-reports" data-testid="prior-reports">
        {items.map((p) => <PriorItem key={p.exam.orderId} prior={p} />)}
      </ol>
    </>
  );
}

// Beside the report: how many there are, the list one click away.
export function PriorReportsSection({ orderId }: { orderId: number }) {
  const { t } = useTranslation();
  const priors = usePriorReports(orderId);
  const count = priors.data?.total;
  return (
    <Disclosure className="prior-reports-section" data-testid="prior-reports-section">
      <Heading level={3}>
        <Button slot="trigger">{count === undefined ? t('report.priors.title') : t('report.priors.titleCount', { count })}</Button>
      </Heading>
      <DisclosurePanel>
        <PriorReportList orderId={orderId} />
      </DisclosurePanel>
    </Disclosure>
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
  const exam = prior.exam.procedures.join(', ');
  const day = formatDay(a.startsAt, locale, zone);
  return (
    <li data-accession={a.accessionNumber}>
      <p className="prior-exam">
        <strong>{exam}</strong> · {day} · {a.accessionNumber}
        {prior.status === 'amended' && <> <span className="badge report-amended">{t('report.status.amended')}</span></>}
      </p>
      {first?.signature && (
        <p className="sub">{t('report.priors.signedBy', { who: first.signature.signerName, when: formatMoment(first.signature.signedAt, locale, zone) })}</p>
      )}
      {impression && <p className="prior-impression"><span className="prior-label">{impression.title}:</span> {impression.text}</p>}
      <details>
        <summary>{t('report.priors.whole')}<span className="sr-only"> {t('report.priors.of', { exam, day })}</span></summary>
        {prior.versions.map((v) => (
          <div key={v.number} className="prior-version" data-kind={v.kind}>
            <p className="prior-version-title"><span className={`badge version-${v.kind}`}>{t(`report.kind.${v.kind}`)}</span>{' '}
              {v.signature && t('report.versionBy', { who: v.signature.signerName, when: formatMoment(v.signature.signedAt, locale, zone) })}
            </p>
            <VersionContent version={v} study={a.studyInstanceUid} />
          </div>
        ))}
      </details>
      {latest && (
        <a href={signedPdfUrl(prior.exam.orderId, latest.number)} target="_blank" rel="noreferrer">
          {t('report.priors.pdf', { exam, day })}
        </a>
      )}
    </li>
  );
}
