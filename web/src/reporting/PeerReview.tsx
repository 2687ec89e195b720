// Peer review, RADPEER style: the colleagues' signed reports offered to me on my reading worklist;
// beside the images of one, my score of their report (1 concur; 2 or 3 a discrepancy, a or b
// unlikely or likely to matter clinically) with what I found; and, for the administrator, the
// results per radiologist. A review is never part of the report, nor shown to the patient.
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { formatLocale } from '../i18n';
import { formatMoment } from '../i18n/format';
import { AdminPage } from '../admin/AdminNav';
import { useAppNavigate, useSession } from '../session';
import { ChoiceField, Notice, SelectField, TextInput } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { usePeerReviews, usePeerSummary, useScorePeerReview } from './reading';
import { reportProblemText } from './problems';
import { PEER_SCORES, type PeerReview, type PeerScore } from './types';

export function PeerReviewOffers() {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const offers = usePeerReviews(session.permissions.includes('reporting.peer_review'));
  const list = offers.data?.items ?? [];
  if (list.length === 0) return null;
  const locale = formatLocale(i18n.language);
  return (
    <section className="peer-offers" aria-labelledby="peer-offers-title" data-testid="peer-offers">
      <h2 id="peer-offers-title">{t('peer.offersTitle', { count: list.length })}</h2>
      <ul>
        {list.map((r) => (
          <li key={r.id}>
            <Link to={`/reading/${r.orderId}`}>{r.procedures.join(', ') || r.modality}</Link> · {r.accessionNumber}
            {' · '}{t('peer.signedBy', { who: r.readerName, when: formatMoment(r.signedAt, locale) })}
          </li>
        ))}
      </ul>
    </section>
  );
}

// Beside the images of an exam offered to me: my score.
export function PeerReviewPanel({ review }: { review: PeerReview }) {
  const { t } = useTranslation();
  const score = useScorePeerReview(review.orderId);
  const [value, setValue] = useState<PeerScore | ''>('');
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState('');
  const needsComment = value !== '' && value !== '1';
  const send = async () => {
    setProblem('');
    try {
      if (value === '') return;
      await score.mutateAsync({ score: value, comment });
    } catch (e) {
      setProblem(reportProblemText(t, e));
    }
  };
  if (score.data) {
    return (
      <section className="peer-review" data-testid="peer-review">
        <Notice tone="ok" testId="peer-recorded">{t('peer.recorded', { score: score.data.score })}</Notice>
      </section>
    );
  }
  return (
    <section className="peer-review" aria-labelledby="peer-review-title" data-testid="peer-review">
      <h2 id="peer-review-title">{t('peer.title')}</h2>
      <p className="hint">{t('peer.intro', { who: review.readerName })}</p>
      <form onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <ChoiceField name="peer-score" label={t('peer.score')} value={value} onChange={setValue} isRequired className="peer-scores"
          options={PEER_SCORES.map((s) => ({ value: s, label: t(`peer.scores.${s}`) }))} />
        <TextInput name="peer-comment" label={t('peer.comment')} value={comment} onChange={setComment} multiline
          isRequired={needsComment} hint={needsComment ? t('peer.commentHint') : undefined} />
        {problem && <Notice tone="error" testId="peer-problem">{problem}</Notice>}
        <Button type="submit" className="primary" isDisabled={value === '' || (needsComment && comment.trim() === '') || score.isPending}
          data-testid="peer-submit">{t('peer.submit')}</Button>
      </form>
    </section>
  );
}

const PERIODS = ['30', '90', '365'] as const;

// For the administrator: each radiologist's reports reviewed, and how they were scored.
export function PeerReviewResultsPage() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const navigate = useAppNavigate();
  const [params, setParams] = useSearchParams();
  const period = PERIODS.find((p) => p === params.get('days')) ?? '365';
  const summary = usePeerSummary(Number(period));
  const items = summary.data?.items ?? [];
  return (
    <AdminPage session={session} navigate={navigate} onSignOut={signOut} current="/admin/peer-review" title={t('peer.resultsTitle')}>
      <p className="hint">{t('peer.resultsIntro')}</p>
      <div className="filters">
        <SelectField name="days" label={t('peer.period')} value={period}
          onChange={(v) => setParams(v === '365' ? {} : { days: v }, { replace: true })}
          options={PERIODS.map((p) => ({ value: p, label: t('turnaround.lastDays', { count: Number(p) }) }))} />
      </div>
      {summary.isError && <Notice tone="error">{errorText(t, summary.error)}</Notice>}
      {summary.isSuccess && items.length === 0 && <Notice testId="no-peer-results">{t('peer.noResults')}</Notice>}
      {items.length > 0 && (
        <table className="studies" data-testid="peer-results">
          <caption className="sr-only">{t('peer.resultsTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('peer.radiologist')}</th>
              <th scope="col">{t('peer.reviewed')}</th>
              {PEER_SCORES.map((s) => <th key={s} scope="col">{s}</th>)}
              <th scope="col">{t('peer.significant')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.reader} data-reader={r.reader}>
                <th scope="row">{r.readerName}</th>
                <td>{r.reviewed}</td>
                {PEER_SCORES.map((s) => <td key={s}>{r.scores[s] ?? 0}</td>)}
                <td>{r.significant}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminPage>
  );
}
