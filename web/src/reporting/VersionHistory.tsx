// Every version handed on or signed, newest first, each as it was: who, when, the text, and for
// a signed one its PDF and a check of its signature (the file against the hash recorded apart,
// the PAdES signature, the chain to the clinic's CA), and when it goes out to the referrer and
// the patient: released, or held by the clinic's rule for a sensitive result until a time (a
// radiologist may release it now).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { letterUrl, signedPdfUrl, useReleaseReport, useVerifyVersion } from './reading';
import { reportProblemText } from './problems';
import { CodedFindingList } from './StructuredFindings';
import { keyImageUrl } from './keyImages';
import type { ReportVersion } from './types';

export function VersionHistory({ orderId, study, versions }: { orderId: number; study: string; versions: ReportVersion[] }) {
  const { t } = useTranslation();
  if (versions.length === 0) return null;
  return (
    <section className="report-versions" aria-labelledby="report-versions-title">
      <h3 id="report-versions-title">{t('report.versions')}</h3>
      <ul>
        {[...versions].reverse().map((v) => <VersionItem key={v.number} orderId={orderId} study={study} version={v} />)}
      </ul>
    </section>
  );
}

// What a version says: its sections, its structured findings and its key images (of `study`).
export function VersionContent({ version: v, study }: { version: ReportVersion; study: string }) {
  const { t } = useTranslation();
  return (
    <>
      {v.content.sections.filter((s) => s.text.trim() !== '').map((s) => (
        <div key={s.key} className="version-section">
          <h4>{s.title}</h4>
          <p className="version-text">{s.text}</p>
        </div>
      ))}
      {(v.content.findings ?? []).length > 0 && (
        <div className="version-section">
          <h4>{t('report.coded.title')}</h4>
          <CodedFindingList findings={v.content.findings ?? []} />
        </div>
      )}
      {(v.content.keyImages ?? []).length > 0 && (
        <div className="version-section">
          <h4>{t('report.keyImages.title')}</h4>
          <ol className="version-key-images">
            {(v.content.keyImages ?? []).map((k, i) => (
              <li key={`${k.sopInstanceUid}/${k.frame}`}>
                <img src={keyImageUrl(study, k, 128)} alt={t('report.keyImages.picture', { n: i + 1 })} width={64} height={64} />
                <span>{k.caption}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </>
  );
}

function VersionItem({ orderId, study, version: v }: { orderId: number; study: string; version: ReportVersion }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const [checking, setChecking] = useState(false);
  const check = useVerifyVersion(orderId, v.number, checking);
  const who = v.signature?.signerName ?? v.authorName;
  const when = formatMoment(v.signature?.signedAt ?? v.createdAt, locale);
  return (
    <li data-version={v.number} data-kind={v.kind}>
      <details>
        <summary>
          <span className={`badge version-${v.kind}`}>{t(`report.kind.${v.kind}`)}</span>{' '}
          {t('report.versionBy', { who, when })}
        </summary>
        <VersionContent version={v} study={study} />
      </details>
      {v.signature && (
        <div className="version-signature">
          <a href={signedPdfUrl(orderId, v.number)} target="_blank" rel="noreferrer" data-testid="signed-pdf">
            {t('report.openPdf')}
          </a>
          {v.release?.releasedAt && (v.content.findings ?? []).some((f) => f.system === 'birads') && (
            <a href={letterUrl(orderId, i18n.language)} target="_blank" rel="noreferrer" data-testid="patient-letter">
              {t('report.patientLetter')}
            </a>
          )}
          <Button onPress={() => setChecking(true)} data-testid="verify">{t('report.verify')}</Button>
          {check.data && (
            <span role="status" className={check.data.valid ? 'verified' : 'not-verified'} data-testid="verified">
              {check.data.valid ? t('report.verified', { signer: check.data.signer }) : t('report.notVerified')}
            </span>
          )}
          {check.isError && <span role="status" className="not-verified">{t('report.verifyFailed')}</span>}
        </div>
      )}
      {v.release && <ReleaseState orderId={orderId} release={v.release} />}
    </li>
  );
}

function ReleaseState({ orderId, release }: { orderId: number; release: NonNullable<ReportVersion['release']> }) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const releaseNow = useReleaseReport(orderId);
  const [confirming, setConfirming] = useState(false);
  if (release.releasedAt) {
    return (
      <p className="version-release" data-testid="release-state" data-state="released">
        {t('report.release.released', { when: formatMoment(release.releasedAt, locale) })}
      </p>
    );
  }
  return (
    <div className="version-release" data-testid="release-state" data-state="held">
      <p>{t('report.release.held', { when: formatMoment(release.dueAt, locale) })}</p>
      {/* A sensitive result goes out on purpose: said once more before it does. */}
      {!confirming ? (
        <Button onPress={() => setConfirming(true)} data-testid="release-now">{t('report.release.now')}</Button>
      ) : (
        <div role="group" aria-label={t('report.release.now')} className="release-confirm">
          <p>{t('report.release.confirm')}</p>
          <Button onPress={() => releaseNow.mutate()} isDisabled={releaseNow.isPending} className="primary"
            data-testid="confirm-release">{t('report.release.confirmButton')}</Button>
          <Button onPress={() => setConfirming(false)}>{t('report.cancel')}</Button>
        </div>
      )}
      {releaseNow.isError && <span role="alert" className="not-verified">{reportProblemText(t, releaseNow.error)}</span>}
    </div>
  );
}
