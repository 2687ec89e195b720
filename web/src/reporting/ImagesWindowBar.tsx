// Where the images of the exam being reported are, above its report: beside it (a way to put
// them in a window of their own), or in their own window, and then whether that window shows
// this exam. That it shows another patient's, or that several windows answer, is said as a
// warning with the way to fix it; the report then takes nothing from there (imagesWindow.ts).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { Notice } from '../ui/fields';
import type { ImagesPlace, ImagesWindow } from './useImagesWindow';

export function ImagesWindowBar({ place, images, onPlace, moved }: {
  place: ImagesPlace;
  images: ImagesWindow;
  onPlace: (place: ImagesPlace) => void;
  moved: boolean; // the reader just moved the images: the focus goes on from the button pressed
}) {
  const { t } = useTranslation();
  const [blocked, setBlocked] = useState(false);
  // The bar of each layout is another element: the button pressed went with the layout it was in.
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (moved) first.current?.focus();
  }, [moved]);
  const open = () => {
    const opened = images.open();
    setBlocked(!opened);
    if (opened) onPlace('window');
  };
  const here = () => {
    images.close();
    setBlocked(false);
    onPlace('beside');
  };
  const blockedNotice = blocked && <Notice tone="warning" testId="images-window-blocked">{t('report.imagesWindow.blocked')}</Notice>;
  if (place === 'beside')
    return (
      <div className="images-window-bar">
        <Button ref={first} onPress={open} data-testid="images-window-open">{t('report.imagesWindow.open')}</Button>
        {blockedNotice}
      </div>
    );
  const { status, shown } = images;
  const warning = status === 'other'
    ? (shown ? t('report.imagesWindow.other', { patient: shown.patient, accession: shown.accession }) : t('report.imagesWindow.otherLoading'))
    : status === 'several' ? t('report.imagesWindow.several') : '';
  return (
    <div className="images-window-bar" data-testid="images-window" data-status={status}>
      {/* One status line whose words change, so that a screen reader says each change. */}
      <p className="hint" role="status">
        {status === 'asking' && t('report.imagesWindow.asking')}
        {status === 'same' && t('report.imagesWindow.same')}
        {status === 'none' && t('report.imagesWindow.none')}
      </p>
      {warning && <Notice tone="warning" testId={`images-window-${status}`}>{warning}</Notice>}
      <div className="actions">
        {status === 'other' && (
          <Button className="primary" onPress={images.show} data-testid="images-window-show">{t('report.imagesWindow.show')}</Button>
        )}
        {status === 'none' && (
          <Button className="primary" onPress={open} data-testid="images-window-open">{t('report.imagesWindow.reopen')}</Button>
        )}
        <Button ref={first} onPress={here} data-testid="images-here">{t('report.imagesWindow.here')}</Button>
      </div>
      {blockedNotice}
    </div>
  );
}
