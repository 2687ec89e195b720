// Where the images of the exam being reported are, above its report: beside it (a way to put
// them in a window of their own), or in their own window, and then whether that window shows
// this exam. That it shows another patient's is said as a warning, with the way to fix it.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'react-aria-components';
import { Notice } from '../ui/fields';
import type { ImagesPlace, ImagesWindow } from './useImagesWindow';

export function ImagesWindowBar({ place, images, onPlace }: {
  place: ImagesPlace;
  images: ImagesWindow;
  onPlace: (place: ImagesPlace) => void;
}) {
  const { t } = useTranslation();
  const [blocked, setBlocked] = useState(false);
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
  const hereButton = <Button onPress={here} data-testid="images-here">{t('report.imagesWindow.here')}</Button>;
  const blockedNotice = blocked && <Notice tone="warning" testId="images-window-blocked">{t('report.imagesWindow.blocked')}</Notice>;
  if (place === 'beside')
    return (
      <div className="images-window-bar">
        <Button onPress={open} data-testid="images-window-open">{t('report.imagesWindow.open')}</Button>
        {blockedNotice}
      </div>
    );
  const { status, shown } = images;
  return (
    <div className="images-window-bar" data-testid="images-window" data-status={status}>
      {status === 'asking' && <p className="hint" role="status">{t('report.imagesWindow.asking')}</p>}
      {status === 'same' && <p className="hint" role="status">{t('report.imagesWindow.same')}</p>}
      {status === 'none' && <Notice testId="images-window-none">{t('report.imagesWindow.none')}</Notice>}
      {status === 'other' && shown && (
        <Notice tone="warning" testId="images-window-other">
          {t('report.imagesWindow.other', { patient: shown.patient, accession: shown.accession })}
        </Notice>
      )}
      <div className="actions">
        {status === 'other' && (
          <Button className="primary" onPress={images.show} data-testid="images-window-show">{t('report.imagesWindow.show')}</Button>
        )}
        {status === 'none' && (
          <Button className="primary" onPress={open} data-testid="images-window-open">{t('report.imagesWindow.reopen')}</Button>
        )}
        {hereButton}
      </div>
      {blockedNotice}
    </div>
  );
}
