// Viewport layouts and which series each viewport shows.

export type LayoutName = '1x1' | '1x2' | '2x2';

export const LAYOUTS: Record<LayoutName, { rows: number; columns: number }> = {
  '1x1': { rows: 1, columns: 1 },
  '1x2': { rows: 1, columns: 2 },
  '2x2': { rows: 2, columns: 2 },
};

export function viewportCount(layout: LayoutName): number {
  const { rows, columns } = LAYOUTS[layout];
  return rows * columns;
}

// The series shown in each viewport after switching to `layout`: viewports keep what they
// showed; new ones get the next series not yet on screen, in the series panel's order.
export function assignSeries(current: (string | null)[], layout: LayoutName, series: string[]): (string | null)[] {
  const n = viewportCount(layout);
  const out = current.slice(0, n);
  while (out.length < n) out.push(null);
  const shown = new Set(out.filter((s): s is string => s !== null));
  const unseen = series.filter((s) => !shown.has(s));
  for (let i = 0; i < n; i++) {
    if (out[i] === null && unseen.length > 0) out[i] = unseen.shift()!;
  }
  return out;
}

// Dropping a series on a viewport puts it there (a series may show in several viewports).
export function dropSeries(current: (string | null)[], viewport: number, series: string): (string | null)[] {
  const out = current.slice();
  if (viewport >= 0 && viewport < out.length) out[viewport] = series;
  return out;
}
