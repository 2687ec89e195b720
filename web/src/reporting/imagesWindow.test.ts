import { describe, expect, it } from 'vitest';
import { GONE_AFTER_MS, type ImagesState, ImagesMirror, OPENING_MS, fromImages, imagesPath, toImages } from './imagesWindow';

const study = (orderId: number) => `1.2.${orderId}`;
const exam = (orderId: number) => ({ orderId, study: study(orderId), patient: 'Ferrer i Vidal, Montserrat', accession: `A${orderId}` });
const length = (uid: string, mm: number, orderId = 7) => ({
  uid, tool: 'Length', label: '', values: [{ name: 'length' as const, value: mm, unit: 'mm' }],
  image: { study: study(orderId), series: '1.2.7.1', sop: '1.2.7.1.1', frame: 1 }, spacing: 'PixelSpacing' as const,
});
const state = (orderId: number, window = 'w1', measurements = [length('a', 12, orderId)]): ImagesState => ({
  kind: 'state', window, orderId, exam: exam(orderId), measurements,
  currentImage: { study: study(orderId), series: 's', sop: 'i', frame: 1, window: { center: 40, width: 400 } },
});
const loading = (orderId: number, window = 'w1'): ImagesState =>
  ({ kind: 'state', window, orderId, exam: null, measurements: [], currentImage: null });

describe('what the windows say to each other', () => {
  it('is believed only in the shape this version sends', () => {
    expect(fromImages(state(7))).toEqual(state(7));
    expect(fromImages(JSON.parse(JSON.stringify(loading(7))))).toEqual(loading(7));
    expect(fromImages({ kind: 'closed', window: 'w1' })).toEqual({ kind: 'closed', window: 'w1' });
    for (const wrong of [null, 'state', {}, { kind: 'closed' }, { kind: 'closed', window: '' }, { ...state(7), window: 7 },
      { ...state(7), orderId: 0 }, { ...state(7), exam: { ...exam(7), orderId: 8 } }, { ...state(7), exam: { orderId: 7, study: '1.2' } },
      { ...state(7), measurements: [{ uid: 'a' }] },
      { ...state(7), measurements: [{ ...length('a', 1), values: [{ name: 'length', value: '1', unit: 'mm' }] }] },
      { ...state(7), currentImage: { study: '1', series: '2', sop: '3', frame: 1 } }, { ...state(7), measurements: undefined }]) {
      expect(fromImages(wrong)).toBeNull();
    }
    expect(toImages({ kind: 'show', orderId: 8 })).toEqual({ kind: 'show', orderId: 8 });
    expect(toImages({ kind: 'where', orderId: 8, extra: 1 })).toEqual({ kind: 'where', orderId: 8 });
    expect(toImages({ kind: 'where', orderId: null })).toEqual({ kind: 'where', orderId: null });
    expect(toImages({ kind: 'idle' })).toEqual({ kind: 'idle' });
    expect(toImages({ kind: 'show', orderId: 1.5 })).toBeNull();
    expect(toImages({ kind: 'where' })).toBeNull();
    expect(toImages({ kind: 'navigate', to: '/admin' })).toBeNull();
    expect(imagesPath(8)).toBe('/reading/8/images');
  });
});

describe('the report window\'s picture of the images window', () => {
  it('knows whether it shows this exam, another, several, or is gone', () => {
    const mirror = new ImagesMirror();
    expect(mirror.status(7, study(7), 1000)).toBe('none');
    mirror.ask(7, 1000);
    expect(mirror.status(7, study(7), 1000 + OPENING_MS - 1)).toBe('asking');
    expect(mirror.status(7, study(7), 1000 + OPENING_MS)).toBe('none');
    // While it loads the exam it was asked to show, it may still say the one before: no warning.
    mirror.ask(7, 20000);
    mirror.hear(state(6), 20500);
    expect(mirror.status(7, study(7), 20500)).toBe('asking');
    mirror.hear(loading(7), 21000);
    expect(mirror.status(7, study(7), 21000)).toBe('asking');
    mirror.hear(state(7), 21500);
    expect(mirror.status(7, study(7), 21500)).toBe('same');
    // The same order with another study (its images linked again since): not this exam's images.
    expect(mirror.status(7, '1.2.other', 21500)).toBe('asking');
    expect(mirror.status(6, study(6), 21500)).toBe('other');
    expect(mirror.shown(21500)).toEqual(exam(7));
    // Once there, it shows another exam: a warning at once.
    mirror.hear(state(6), 22000);
    expect(mirror.status(7, study(7), 22000)).toBe('other');
    mirror.ask(7, 22500);
    expect(mirror.status(7, study(7), 22500)).toBe('asking');
    // Asked long ago, it shows another exam still: a warning.
    mirror.hear(state(6), 22500 + OPENING_MS - 100);
    expect(mirror.status(7, study(7), 22500 + OPENING_MS)).toBe('other');
    // Silent (closed without a word, or frozen): gone.
    expect(mirror.status(7, study(7), 22400 + GONE_AFTER_MS + OPENING_MS)).toBe('none');
    expect(mirror.shown(22400 + GONE_AFTER_MS + OPENING_MS)).toBeNull();
    // Two windows answering: neither is believed.
    mirror.hear(state(7, 'w1'), 60000);
    mirror.hear(state(7, 'w2'), 60001);
    expect(mirror.status(7, study(7), 60002)).toBe('several');
    expect(mirror.shown(60002)).toBeNull();
    mirror.hear({ kind: 'closed', window: 'w2' }, 60003);
    expect(mirror.status(7, study(7), 60004)).toBe('same');
    mirror.hear({ kind: 'closed', window: 'w1' }, 60005);
    expect(mirror.status(7, study(7), 60006)).toBe('none');
  });

  it('gives the editor what the one window shows of the exam reported, and nothing else', () => {
    const mirror = new ImagesMirror();
    mirror.follow(7, study(7));
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
    mirror.hear(state(7, 'w1', [length('a', 12), length('b', 3)]), now + 2);
    expect(changes).toBe(2);
    // Another patient's exam there: nothing from it, though it has measurements and an image.
    mirror.hear(state(6), now + 3);
    expect(mirror.measurements()).toEqual([]);
    expect(mirror.currentImage()).toBeNull();
    expect(changes).toBe(3);
    mirror.hear(state(7), now + 4);
    mirror.hear(state(7, 'w2'), now + 5);
    expect(mirror.measurements()).toEqual([]);
    expect(mirror.currentImage()).toBeNull();
    mirror.hear({ kind: 'closed', window: 'w2' }, now + 6);
    expect(mirror.measurements()).toEqual([length('a', 12)]);
    mirror.hear({ kind: 'closed', window: 'w1' }, now + 7);
    expect(mirror.measurements()).toEqual([]);
    expect(mirror.currentImage()).toBeNull();
    const seen = changes;
    stop();
    mirror.hear(state(7), now + 8);
    expect(changes).toBe(seen);
  });
});
