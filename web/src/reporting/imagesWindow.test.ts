import { describe, expect, it } from 'vitest';
import { GONE_AFTER_MS, type ImagesState, ImagesMirror, fromImages, imagesPath, toImages } from './imagesWindow';

const exam = (orderId: number) => ({ orderId, study: `1.2.${orderId}`, patient: 'Ferrer i Vidal, Montserrat', accession: `A${orderId}` });
const length = (uid: string, mm: number) => ({
  uid, tool: 'Length', label: '', values: [{ name: 'length' as const, value: mm, unit: 'mm' }],
  image: { study: '1.2.7', series: '1.2.7.1', sop: '1.2.7.1.1', frame: 1 }, spacing: 'PixelSpacing' as const,
});
const state = (orderId: number, measurements = [length('a', 12)]): ImagesState => ({
  kind: 'state', exam: exam(orderId), measurements,
  currentImage: { study: `1.2.${orderId}`, series: 's', sop: 'i', frame: 1, window: { center: 40, width: 400 } },
});

describe('what the images window says', () => {
  it('is believed only in the shape this version sends', () => {
    expect(fromImages(state(7))).toEqual(state(7));
    expect(fromImages(JSON.parse(JSON.stringify({ ...state(7), currentImage: null })))).toEqual({ ...state(7), currentImage: null });
    expect(fromImages({ kind: 'closed', orderId: 7 })).toEqual({ kind: 'closed', orderId: 7 });
    for (const wrong of [null, 'state', {}, { kind: 'closed', orderId: '7' }, { ...state(7), exam: { ...exam(7), orderId: 0 } },
      { ...state(7), exam: { orderId: 7, study: '1.2' } }, { ...state(7), measurements: [{ uid: 'a' }] },
      { ...state(7), measurements: [{ ...length('a', 1), values: [{ name: 'length', value: '1', unit: 'mm' }] }] },
      { ...state(7), currentImage: { study: '1', series: '2', sop: '3', frame: 1 } }, { ...state(7), measurements: undefined }]) {
      expect(fromImages(wrong)).toBeNull();
    }
    expect(toImages({ kind: 'show', orderId: 8 })).toEqual({ kind: 'show', orderId: 8 });
    expect(toImages({ kind: 'where', extra: 1 })).toEqual({ kind: 'where' });
    expect(toImages({ kind: 'show', orderId: 1.5 })).toBeNull();
    expect(toImages({ kind: 'navigate', to: '/admin' })).toBeNull();
    expect(imagesPath(8)).toBe('/reading/8/images');
  });
});

describe('the report window\'s picture of the images window', () => {
  it('knows whether it shows this exam, another, or is gone', () => {
    const mirror = new ImagesMirror();
    expect(mirror.status(7, 1000)).toBe('none');
    mirror.ask(7, 1000);
    expect(mirror.status(7, 1000 + GONE_AFTER_MS - 1)).toBe('asking');
    expect(mirror.status(7, 1000 + GONE_AFTER_MS)).toBe('none');
    // While it loads the exam it was asked to show, it may still say the one before: no warning.
    mirror.hear(state(6), 2000);
    expect(mirror.status(7, 2000)).toBe('asking');
    mirror.hear(state(6), 1000 + GONE_AFTER_MS);
    expect(mirror.status(7, 1000 + GONE_AFTER_MS)).toBe('other');
    expect(mirror.shown(2000)).toEqual(exam(6));
    mirror.ask(7, 7000);
    expect(mirror.status(7, 7000)).toBe('asking');
    mirror.hear(state(7), 7500);
    expect(mirror.status(7, 7500)).toBe('same');
    expect(mirror.status(6, 7500)).toBe('other');
    // Silent (closed without a word, or frozen): gone.
    expect(mirror.status(7, 7500 + GONE_AFTER_MS)).toBe('none');
    expect(mirror.shown(7500 + GONE_AFTER_MS)).toBeNull();
    mirror.hear(state(7), 20000);
    // Another window's last word about an exam it no longer shows changes nothing.
    mirror.hear({ kind: 'closed', orderId: 6 }, 20001);
    expect(mirror.status(7, 20002)).toBe('same');
    mirror.hear({ kind: 'closed', orderId: 7 }, 20003);
    expect(mirror.status(7, 20004)).toBe('none');
  });

  it('gives the editor what the images window shows, and says when its measurements change', () => {
    const mirror = new ImagesMirror();
    let changes = 0;
    const stop = mirror.onMeasurementsChange(() => changes++);
    expect(mirror.measurements()).toEqual([]);
    expect(mirror.currentImage()).toBeNull();
    const now = Date.now();
    mirror.hear(state(7), now);
    expect(mirror.measurements()).toEqual([length('a', 12)]);
    expect(mirror.currentImage()).toEqual(state(7).currentImage);
    expect(changes).toBe(1);
    mirror.hear(state(7), now + 1); // the same, said again when asked
    expect(changes).toBe(1);
    mirror.hear(state(7, [length('a', 12), length('b', 3)]), now + 2);
    expect(changes).toBe(2);
    mirror.hear({ kind: 'closed', orderId: 7 }, now + 3);
    expect(changes).toBe(3);
    expect(mirror.measurements()).toEqual([]);
    expect(mirror.currentImage()).toBeNull();
    stop();
    mirror.hear(state(7), now + 4);
    expect(changes).toBe(3);
  });
});
