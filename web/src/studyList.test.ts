import { describe, expect, it } from 'vitest';
import { EMPTY_FILTERS, NEWEST_FIRST, nextOrder, presetRange, studyQuery } from './studyList';

describe('the study list query', () => {
  it('asks the archive for one page more than it shows, in the chosen order', () => {
    const q = new URL(studyQuery({ ...EMPTY_FILTERS, modalities: ['CT', 'MR'], from: '2026-12-01', to: '' }, NEWEST_FIRST, 50), 'https://x');
    expect(q.searchParams.get('limit')).toBe('51');
    expect(q.searchParams.get('offset')).toBe('50');
    expect(q.searchParams.get('orderby')).toBe('-StudyDate,-StudyTime');
    expect(q.searchParams.get('ModalitiesInStudy')).toBe('CT\\MR');
    expect(q.searchParams.get('StudyDate')).toBe('20261201-');
    expect(q.searchParams.getAll('includefield')).toContain('00080090');
    const byName = new URL(studyQuery(EMPTY_FILTERS, { key: 'PatientName', descending: false }, 0), 'https://x');
    expect(byName.searchParams.get('orderby')).toBe('PatientName');
    expect(byName.searchParams.has('offset')).toBe(false);
  });
  it('turns a column round on a second click; dates start newest first', () => {
    expect(nextOrder(NEWEST_FIRST, 'StudyDate')).toEqual({ key: 'StudyDate', descending: false });
    expect(nextOrder(NEWEST_FIRST, 'PatientName')).toEqual({ key: 'PatientName', descending: false });
    expect(nextOrder({ key: 'PatientName', descending: false }, 'StudyDate')).toEqual(NEWEST_FIRST);
  });
  it('gives today, yesterday and the last seven days in local time, across a month', () => {
    const now = new Date(2026, 2, 1, 0, 30); // 1 March, just after midnight
    expect(presetRange('today', now)).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(presetRange('yesterday', now)).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    expect(presetRange('week', now)).toEqual({ from: '2026-02-23', to: '2026-03-01' });
  });
});
