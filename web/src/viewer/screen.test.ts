import { describe, expect, it } from 'vitest';
import type { DicomJson } from '../api';
import type { SeriesInfo } from '../studyData';
import type { Hanging } from './hanging';
import {
  type Screen, type ScreenSegmentation, comparison, firstView, initialScreen, screenReducer, segmentationPlacement, seriesMarked,
  seriesOnScreen,
} from './screen';

const info = (uid: string, modality = 'CT', count = 10): SeriesInfo => ({ uid, number: 1, modality, description: '', count });
const at = (patch: Partial<Screen>): Screen => ({ ...initialScreen, ...patch });
const seg = (patch: Partial<ScreenSegmentation> = {}): ScreenSegmentation =>
  ({ study: 'st', series: 'seg', sop: 'sop', meta: {}, viewport: 0, imageSeries: 'ct', ...patch });

describe('what a study opens with', () => {
  const hung = { layout: '2x2', viewports: [{ key: 'mg:1', images: [], flipH: false }, { key: 'mg:2', images: [], flipH: true }] } as Hanging;

  it('is not found without series; a document when it has no images', () => {
    expect(firstView([], [], null)).toEqual({ kind: 'notFound' });
    expect(firstView([info('sr', 'SR'), info('doc', 'DOC')], [], null)).toEqual({ kind: 'document', series: 'sr' });
  });

  it('hangs mammograms, else shows the first image series', () => {
    const all = [info('a'), info('b')];
    expect(firstView(all, all, hung)).toEqual({ kind: 'hung', hanging: hung });
    expect(firstView(all, all, null)).toEqual({ kind: 'series', shown: ['a'] });
  });

  it('puts the hanging on screen in its layout, and a document in place of the grid', () => {
    expect(screenReducer(initialScreen, { type: 'open', view: { kind: 'hung', hanging: hung } }))
      .toMatchObject({ layout: '2x2', shown: ['mg:1', 'mg:2'] });
    expect(screenReducer(initialScreen, { type: 'open', view: { kind: 'document', series: 'sr' } }))
      .toMatchObject({ document: 'sr', shown: [null] });
  });
});

describe('layouts and viewports', () => {
  it('keeps what the viewports showed, fills new ones, and keeps the active viewport in the layout', () => {
    const two = screenReducer(at({ shown: ['a'] }), { type: 'layout', layout: '1x2', series: ['a', 'b', 'c'] });
    expect(two).toMatchObject({ layout: '1x2', shown: ['a', 'b'] });
    const one = screenReducer({ ...two, active: 1 }, { type: 'layout', layout: '1x1', series: ['a', 'b', 'c'] });
    expect(one).toMatchObject({ layout: '1x1', shown: ['a'], active: 0 });
  });

  it('drops a series on a viewport; opening one from its card also leaves a document', () => {
    const s = at({ shown: ['a', 'b'], document: 'sr' });
    expect(screenReducer(s, { type: 'drop', viewport: 1, series: 'c' })).toMatchObject({ shown: ['a', 'c'], document: 'sr' });
    expect(screenReducer(s, { type: 'openSeries', viewport: 0, series: 'c' })).toMatchObject({ shown: ['c', 'b'], document: null });
  });

  it('activating the active viewport changes nothing', () => {
    const s = at({ shown: ['a', 'b'], active: 1 });
    expect(screenReducer(s, { type: 'activate', viewport: 1 })).toBe(s);
    expect(screenReducer(s, { type: 'activate', viewport: 0 }).active).toBe(0);
  });

  it('marks the series on screen, also under a hung mammogram or a segmentation', () => {
    const s = at({ shown: ['mg:1', null], segmentation: seg() });
    const onScreen = seriesOnScreen(s.shown, (k) => (k === 'mg:1' ? 'mgSeries' : ''));
    expect(['mg:1', 'mgSeries', 'seg', 'other'].map((uid) => seriesMarked(s, onScreen, uid))).toEqual([true, true, true, false]);
    // A document shown: only its card.
    expect(seriesMarked({ ...s, document: 'sr' }, onScreen, 'mgSeries')).toBe(false);
    expect(seriesMarked({ ...s, document: 'sr' }, onScreen, 'sr')).toBe(true);
  });
});

describe('comparing with a prior', () => {
  const series = [info('ct'), info('mr', 'MR')];

  it('puts its series of the same modality beside the active one, linked', () => {
    const s = at({ layout: '2x2', shown: ['ct', 'mr', null, null], active: 1 });
    const action = comparison(s, series, [info('pct'), info('pmr', 'MR')]);
    expect(action).toEqual({ type: 'compare', left: 'mr', right: 'pmr' });
    expect(screenReducer(s, action!)).toMatchObject({ layout: '1x2', shown: ['mr', 'pmr'], active: 0, linked: true });
  });

  it('takes its first series when none has the modality, and nothing from a prior without series', () => {
    expect(comparison(at({ shown: [null] }), series, [info('px', 'XA')])).toEqual({ type: 'compare', left: 'ct', right: 'px' });
    expect(comparison(at({ shown: ['ct'] }), series, [])).toBeNull();
  });
});

describe('MPR and links', () => {
  it('opens the active viewport\'s series in MPR with the crosshairs, and closes it', () => {
    const s = at({ shown: ['a', 'b'], active: 1, mprTool: 'WindowLevel' });
    const on = screenReducer(s, { type: 'toggleMpr' });
    expect(on).toMatchObject({ mpr: 'b', mprTool: 'Crosshairs' });
    expect(screenReducer(on, { type: 'toggleMpr' }).mpr).toBeNull();
    expect(screenReducer(s, { type: 'toggleLink' }).linked).toBe(true);
  });
});

describe('segmentations', () => {
  const refersTo = (series: string): DicomJson => ({ '00081115': { vr: 'SQ', Value: [{ '0020000E': { vr: 'UI', Value: [series] } }] } });

  it('opens over an image series of the study it refers to', () => {
    const series = [info('ct'), info('seg', 'SEG')];
    expect(segmentationPlacement([refersTo('elsewhere'), refersTo('ct')], series)).toEqual({ meta: refersTo('ct'), imageSeries: 'ct' });
    expect(segmentationPlacement([refersTo('elsewhere')], series)).toBeNull();
    expect(segmentationPlacement([refersTo('seg')], series)).toBeNull(); // not images
    expect(segmentationPlacement([], series)).toBeNull();
  });

  it('shows on the stacks, over its images in its viewport; described as a document otherwise', () => {
    const s = at({ shown: ['a', 'b'], mpr: 'a', document: 'sr' });
    const shown = screenReducer(s, { type: 'showSegmentation', segmentation: seg({ viewport: 1 }) });
    expect(shown).toMatchObject({ shown: ['a', 'ct'], mpr: null, document: null, segmentation: seg({ viewport: 1 }) });
    expect(screenReducer(shown, { type: 'closeSegmentation' }).segmentation).toBeNull();
    expect(screenReducer(shown, { type: 'segmentationAsDocument', series: 'seg2' })).toMatchObject({ segmentation: null, document: 'seg2' });
  });
});
