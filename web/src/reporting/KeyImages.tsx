// The report's key images: the image the viewer shows added with one action, in the window it is
// shown in; each drawn by the archive as the signed PDF will print it, with a caption and a way
// to take it out again.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Input, Label, TextField } from 'react-aria-components';
import { useViewerSelection } from '../viewer/ViewerSelection';
import { Notice } from '../ui/fields';
import { type KeyImageAdded, keyImageUrl, withCaption, withKeyImage, withoutKeyImage } from './keyImages';
import type { ReportContent } from './types';

export function KeyImages({ study, content, onChange }: {
  study: string;
  content: ReportContent;
  onChange: (change: (c: ReportContent) => ReportContent) => void;
}) {
  const { t } = useTranslation();
  const selection = useViewerSelection();
  const [refused, setRefused] = useState<Exclude<KeyImageAdded, 'added'> | null>(null);
  const list = content.keyImages ?? [];
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const add = () => {
    const why = selection.unavailable?.() ?? null;
    setUnavailable(why);
    if (why) return setRefused(null);
    const shown = selection.currentImage();
    const { outcome } = withKeyImage(content, shown, study);
    if (outcome !== 'added') return setRefused(outcome);
    setRefused(null);
    onChange((c) => withKeyImage(c, shown, study).content);
  };
  return (
    <section className="key-images" aria-labelledby="key-images-title">
      <div className="section-head">
        <h3 id="key-images-title">{t('report.keyImages.title')}</h3>
        <Button onPress={add} data-testid="add-key-image">{t('report.keyImages.add')}</Button>
      </div>
      {list.length === 0 && <p className="hint">{t('report.keyImages.hint')}</p>}
      {refused && <Notice tone="warning" testId="key-image-refused">{t(`report.keyImages.${refused}`)}</Notice>}
      {unavailable && <Notice tone="warning" testId="key-image-refused">{t(unavailable as 'report.imagesWindow.notThisExam')}</Notice>}
      {list.length > 0 && (
        <ol className="key-image-list">
          {list.map((k, i) => (
            <li key={`${k.sopInstanceUid}/${k.frame}`} data-testid="key-image">
              <KeyImagePicture src={keyImageUrl(study, k)} label={t('report.keyImages.picture', { n: i + 1 })}
                missing={t('report.keyImages.missing')} />
              <TextField className="field" value={k.caption} maxLength={200}
                onChange={(caption) => onChange((c) => withCaption(c, i, caption))}>
                <Label>{t('report.keyImages.caption', { n: i + 1 })}</Label>
                <Input placeholder={t('report.keyImages.captionHint')} />
              </TextField>
              <Button onPress={() => { setRefused(null); onChange((c) => withoutKeyImage(c, i)); }}
                aria-label={t('report.keyImages.remove', { n: i + 1 })}>
                {t('report.keyImages.removeShort')}
              </Button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

// The archive's drawing of a key image; where it cannot draw it (the image deleted since), says so
// in its place, for the reader and for a screen reader.
function KeyImagePicture({ src, label, missing }: { src: string; label: string; missing: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) return <span className="key-image-missing" role="img" aria-label={`${label}: ${missing}`}>{missing}</span>;
  return <img src={src} alt={label} width={96} height={96} onError={() => setFailed(true)} />;
}
