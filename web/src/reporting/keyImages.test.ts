import { describe, expect, it } from 'vitest';
import type { ReportContent } from './types';
import { MAX_KEY_IMAGES, keyImageUrl, sameKeyImages, withCaption, withKeyImage, withoutKeyImage } from './keyImages';
import { sameContent } from './reportDraft';

const STUDY = '1.2.3';
const empty: ReportContent = { templateCode: '', sections: [{ key: 'findings', title: 'Findings', text: '' }], findings: [] };
const shown = (sop: string, frame = 1, window: { center: number; width: number } | null = { center: 40, width: 400 }) =>
  ({ study: STUDY, series: '1.2.3.4', sop, frame, window });

describe('key images', () => {
  it('adds the image shown once, in the window it is shown in', () => {
    const first = withKeyImage(empty, shown('1.2.3.4.5'), STUDY);
    expect(first.outcome).toBe('added');
    expect(first.content.keyImages).toEqual([
      { seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 1, windowCenter: 40, windowWidth: 400, caption: '' }]);
    expect(withKeyImage(first.content, shown('1.2.3.4.5'), STUDY).outcome).toBe('already');
    // Another frame of the same image is another key image; no window known: none sent.
    const second = withKeyImage(first.content, shown('1.2.3.4.5', 2, null), STUDY);
    expect(second.outcome).toBe('added');
    expect(second.content.keyImages?.[1]).toEqual({ seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 2, caption: '' });
  });

  it('says why nothing was added: nothing shown, a prior, or a full report', () => {
    expect(withKeyImage(empty, null, STUDY).outcome).toBe('none');
    expect(withKeyImage(empty, { ...shown('9.9'), study: '9' }, STUDY).outcome).toBe('other_study');
    let c = empty;
    for (let i = 0; i < MAX_KEY_IMAGES; i++) c = withKeyImage(c, shown(`1.2.${i}`), STUDY).content;
    const full = withKeyImage(c, shown('1.2.99'), STUDY);
    expect(full.outcome).toBe('full');
    expect(full.content).toBe(c);
  });

  it('captions and removes, and a change is something to save', () => {
    const one = withKeyImage(empty, shown('1.2.3.4.5'), STUDY).content;
    expect(sameContent(one, empty)).toBe(false);
    const captioned = withCaption(one, 0, 'Nódulo');
    expect(captioned.keyImages?.[0].caption).toBe('Nódulo');
    expect(sameKeyImages(captioned.keyImages ?? [], one.keyImages ?? [])).toBe(false);
    expect(withoutKeyImage(captioned, 0).keyImages).toEqual([]);
    expect(sameContent(withoutKeyImage(captioned, 0), { ...empty, keyImages: [] })).toBe(true);
  });

  it('is drawn by the archive in its window', () => {
    const [k] = withKeyImage(empty, shown('1.2.3.4.5', 3, { center: -600, width: 1500 }), STUDY).content.keyImages ?? [];
    expect(keyImageUrl(STUDY, k)).toBe(
      '/dicom-web/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/frames/3/rendered?viewport=192,192&window=-600,1500,linear');
  });
});
