import { describe, expect, it } from 'vitest';
import { steadyRows } from './steadyRows';

const row = (id: number, status = 'arrived') => ({ id, status });

describe('steadyRows', () => {
  it('follows the server while nobody is about to click', () => {
    const shown = steadyRows([], [row(1), row(2)], false);
    expect(steadyRows(shown, [row(3), row(2)], false).map((r) => r.row.id)).toEqual([3, 2]);
  });

  it('keeps every row in its place while held: updated, gone, or new at the end', () => {
    const shown = steadyRows([], [row(1), row(2), row(3)], false);
    // Row 1 was acquired (the server sorts it last), row 2 left the filter, 9 is a new stat exam.
    const held = steadyRows(shown, [row(9), row(3), row(1, 'acquired')], true);
    expect(held.map((r) => [r.row.id, r.row.status, r.gone])).toEqual([
      [1, 'acquired', false], [2, 'arrived', true], [3, 'arrived', false], [9, 'arrived', false]]);
    // Released: the server's order again, the gone row gone.
    expect(steadyRows(held, [row(9), row(3), row(1, 'acquired')], false).map((r) => r.row.id)).toEqual([9, 3, 1]);
  });
});
