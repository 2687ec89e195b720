// /reading/{order}: an exam opened to be read, its images in the viewer and its report beside
// them. Opening it claims it (a colleague then sees who reads it, and cannot write or sign its
// report); an exam someone else reads opens to look at, its report read-only. The images can be
// put in a window of their own (a second screen; ReportImagesPage.tsx), the report then full width
// here, taking the measurements and key images from that window (useImagesWindow.ts).
import { Suspense, lazy, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAppNavigate, useSession } from '../session';
import { useClinic } from '../ris/schedule';
import { errorText } from '../ui/errorText';
import { Notice } from '../ui/fields';
import { StaffPage } from '../ui/StaffPage';
import { MovableSlot, useMovable } from '../ui/Movable';
import { NO_SELECTION, type ViewerSelection, ViewerSelectionContext } from '../viewer/ViewerSelection';
import { ViewerSelectionOut } from '../viewer/ViewerSelectionOut';
import { ImagesWindowBar } from './ImagesWindowBar';
import { useClaim, useExamReport, usePeerReviews } from './reading';
import { PeerReviewPanel } from './PeerReview';
import { readingState } from './readingList';
import { ReportEditor } from './ReportEditor';
import { useImagesPlace, useImagesWindow } from './useImagesWindow';

const ViewerPage = lazy(() => import('../viewer/ViewerPage'));

const OPEN_STATES = ['acquired', 'in_reading', 'preliminary'];

export function ReportPage() {
  const { t } = useTranslation();
  const orderId = Number(useParams().orderId);
  const navigate = useAppNavigate();
  const { session } = useSession();
  const clinic = useClinic();
  const exam = useExamReport(orderId);
  // Offered to me for peer review: my score beside the report.
  const offers = usePeerReviews(session.permissions.includes('reporting.peer_review'));
  const offer = offers.data?.items.find((o) => o.orderId === orderId);
  const claim = useClaim(orderId);
  const asked = useRef(0);  // the order whose claim was asked for (the page stays for the next order)
  const data = exam.data;
  const [place, setPlace] = useImagesPlace();
  const [moved, setMoved] = useState(false);
  const move = (next: typeof place) => {
    setMoved(true);
    setPlace(next);
  };
  const images = useImagesWindow(orderId, data?.exam.appointment.studyInstanceUid ?? '', place === 'window');
  const host = useMovable();
  const [beside, setBeside] = useState<ViewerSelection | null>(null);
  useEffect(() => {
    if (!data || asked.current === orderId || !session.permissions.includes('reporting.write')) return;
    if (readingState(data.exam, session.username) === 'waiting' && OPEN_STATES.includes(data.exam.appointment.orderStatus)) {
      asked.current = orderId;
      claim.mutate();
    }
  }, [data, session, claim, orderId]);
  if (exam.isError) return <div className="page-message" role="alert">{errorText(t, exam.error)}</div>;
  if (!data) return <div className="page-message">{t('report.loading')}</div>;
  const study = data.exam.appointment.studyInstanceUid;
  const bar = <ImagesWindowBar place={place} images={images} onPlace={move} moved={moved} />;
  // The editor is the same wherever it is shown (its text typed and not yet saved goes with it),
  // reading the images where they are.
  const editor = createPortal(
    <ViewerSelectionContext value={place === 'window' ? images.selection : (beside ?? NO_SELECTION)}>
      {offer && <PeerReviewPanel key={offer.id} review={offer} />}
      <ReportEditor key={orderId} data={data} today={clinic.data?.today ?? ''} />
    </ViewerSelectionContext>,
    host,
  );
  // An exam marked acquired whose images are not linked (yet): its report can still be written.
  const layout = !study || place === 'window' ? (
    <StaffPage title={t('report.pane')} className="report-only">
      {study ? bar : <Notice testId="no-images">{t('report.noImages')}</Notice>}
      <MovableSlot host={host} />
    </StaffPage>
  ) : (
    <Suspense fallback={<div className="page-message">{t('app.openingViewer')}</div>}>
      <ViewerPage key={study} study={study} navigate={navigate} asideLabel={t('report.pane')}
        aside={<>{bar}<MovableSlot host={host} /></>} missing={<NoImagesYet onBack={() => navigate('/reading')} />}>
        <ViewerSelectionOut onSelection={setBeside} />
      </ViewerPage>
    </Suspense>
  );
  // The editor in the same place of the tree whichever the layout, so that it is not mounted again.
  return <>{layout}{editor}</>;
}

// In place of the images of an exam whose images have not reached the archive (yet).
export function NoImagesYet({ onBack }: { onBack?: () => void }) {
  const { t } = useTranslation();
  return (
    <main className="not-found" data-testid="no-images">
      <p>{t('report.noImages')}</p>
      {onBack && <button type="button" onClick={onBack}>{t('report.backToWorklist')}</button>}
    </main>
  );
}
