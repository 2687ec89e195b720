// /reading/{order}/images: the images of an exam being reported, in a window of their own (a
// second screen), the report full width in the window that opened it (ReportPage.tsx). It tells
// the report what it shows and follows it to the next exam (useImagesWindow.ts); once the report
// is left it shows nothing, and while the report is of another exam it says so. It claims
// nothing: the report's window does.
import { Suspense, lazy, useCallback, useEffect, useMemo } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { useAppNavigate } from '../session';
import { errorText } from '../ui/errorText';
import { ViewerSelectionOut } from '../viewer/ViewerSelectionOut';
import { type ShownExam, imagesPath } from './imagesWindow';
import { useExamReport } from './reading';
import { NoImagesYet } from './ReportPage';
import { useImagesWindowEnd } from './useImagesWindow';

const ViewerPage = lazy(() => import('../viewer/ViewerPage'));

export function ReportImagesPage() {
  const { t } = useTranslation();
  const orderId = Number(useParams().orderId);
  const navigate = useAppNavigate();
  const go = useNavigate();
  const exam = useExamReport(orderId);
  const a = exam.data?.exam.appointment;
  const shown = useMemo<ShownExam | null>(() => (a ? {
    orderId, study: a.studyInstanceUid, patient: a.patient.name, accession: a.accessionNumber,
  } : null), [a, orderId]);
  // Following the report replaces this page in the window's history: going back never shows the
  // patient before.
  const follow = useCallback((next: number) => void go(imagesPath(next), { replace: true }), [go]);
  const end = useImagesWindowEnd(orderId, shown, follow);
  // Not the patient's name: a window's title shows on the taskbar and in shared screens.
  const title = t('report.imagesWindow.title');
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
  if (end.idle) return <div className="page-message" data-testid="images-idle">{t('report.imagesWindow.idle')}</div>;
  const elsewhere = end.reportOrder !== null && end.reportOrder !== orderId && (
    <div className="images-not-reported notice warning" role="alert" data-testid="images-not-reported">
      {t('report.imagesWindow.notReported')}{' '}
      <Button onPress={() => end.reportOrder !== null && follow(end.reportOrder)}>{t('report.imagesWindow.showReported')}</Button>
    </div>
  );
  if (exam.isError) return <div className="page-message" role="alert">{elsewhere}{errorText(t, exam.error)}</div>;
  if (!a) return <div className="page-message">{elsewhere}{t('report.loading')}</div>;
  if (!a.studyInstanceUid)
    return <div className="page-message" data-testid="no-images">{elsewhere}{t('report.noImages')}</div>;
  return (
    <>
      {elsewhere}
      <Suspense fallback={<div className="page-message">{t('app.openingViewer')}</div>}>
        <ViewerPage key={a.studyInstanceUid} study={a.studyInstanceUid} navigate={navigate} back="/reading"
          missing={<NoImagesYet />}>
          <ViewerSelectionOut onSelection={end.onSelection} />
        </ViewerPage>
      </Suspense>
    </>
  );
}
