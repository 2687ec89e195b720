// /reading/{order}/images: the images of an exam being reported, in a window of their own (a
// second screen), the report full width in the window that opened it (ReportPage.tsx). It tells
// the report what it shows and follows it to the next exam (useImagesWindow.ts). It claims
// nothing: the report's window does.
import { Suspense, lazy, useCallback, useEffect, useMemo } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAppNavigate } from '../session';
import { errorText } from '../ui/errorText';
import { useViewerSelection } from '../viewer/ViewerSelection';
import { type ShownExam, imagesPath } from './imagesWindow';
import { useExamReport } from './reading';
import { useImagesWindowSender } from './useImagesWindow';

const ViewerPage = lazy(() => import('../viewer/ViewerPage'));

export function ReportImagesPage() {
  const { t } = useTranslation();
  const orderId = Number(useParams().orderId);
  const navigate = useAppNavigate();
  const exam = useExamReport(orderId);
  const a = exam.data?.exam.appointment;
  const shown = useMemo<ShownExam | null>(() => (a ? {
    orderId, study: a.studyInstanceUid ?? '', patient: a.patient.name, accession: a.accessionNumber,
  } : null), [a, orderId]);
  const follow = useCallback((next: number) => navigate(imagesPath(next)), [navigate]);
  const title = a ? t('report.imagesWindow.title', { patient: a.patient.name }) : t('report.imagesWindow.titleLoading');
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
  const sender = <ImagesSender exam={shown} onShow={follow} />;
  if (exam.isError) return <div className="page-message" role="alert">{errorText(t, exam.error)}</div>;
  if (!a) return <div className="page-message">{t('report.loading')}</div>;
  if (!a.studyInstanceUid)
    return <div className="page-message" data-testid="no-images">{sender}{t('report.noImages')}</div>;
  return (
    <Suspense fallback={<div className="page-message">{sender}{t('app.openingViewer')}</div>}>
      <ViewerPage key={a.studyInstanceUid} study={a.studyInstanceUid} navigate={navigate} back="/reading">{sender}</ViewerPage>
    </Suspense>
  );
}

// Within the viewer, its measurements and image; elsewhere, the exam alone.
function ImagesSender({ exam, onShow }: { exam: ShownExam | null; onShow: (orderId: number) => void }) {
  useImagesWindowSender(exam, useViewerSelection(), onShow);
  return null;
}
