import { describe, expect, it } from 'vitest';
import { type LinkedStack, SliceLink, followIndex } from './sliceLink';
import { nearestSlice } from './series';

function stack(positions: number[] | null, start = 0, count = positions?.length ?? 10): LinkedStack & { at: number } {
  const s = {
    at: start,
    count,
    geometry: positions ? { normal: [0, 0, 1], positions } : null,
    current: () => s.at,
    go: (i: number) => { s.at = i; },
  };
  return s;
}

describe('linked scrolling', () => {
  it('finds the nearest slice', () => {
    expect(nearestSlice([100, 95, 90, 85], 91)).toBe(2);
    expect(nearestSlice([100, 95, 90, 85], 500)).toBe(0);
  });
  it('keeps the offset the viewports had when linked, in millimetres', () => {
    // The current study: 5 mm slices from 100 down; the prior: 2.5 mm slices from 80 down.
    const current = stack([100, 95, 90, 85, 80, 75], 1);
    const prior = stack([80, 77.5, 75, 72.5, 70, 67.5, 65, 62.5, 60], 0);
    const link = new SliceLink();
    link.register('a', current);
    link.register('b', prior);
    link.setEnabled(true);
    current.at = 3; // 10 mm further down
    link.moved('a', 3);
    expect(prior.at).toBe(4); // 80 - 10 = 70
    prior.at = 8; // the prior moves 10 mm further: the current follows
    link.moved('b', 8);
    expect(current.at).toBe(5);
  });
  it('does nothing while unlinked, and follows by fraction without geometry', () => {
    const a = stack(null, 0, 11), b = stack(null, 0, 21);
    const link = new SliceLink();
    link.register('a', a);
    link.register('b', b);
    link.moved('a', 5);
    expect(b.at).toBe(0);
    link.setEnabled(true);
    a.at = 5;
    link.moved('a', 5);
    expect(b.at).toBe(10);
  });
  it('does not match positions across planes', () => {
    const axial = stack([10, 5, 0]);
    const sagittal = { ...stack([10, 5, 0]), geometry: { normal: [1, 0, 0], positions: [10, 5, 0] } };
    expect(followIndex(axial, 10, 2, sagittal, 10)).toBe(2); // by fraction, not by millimetres
  });
});
