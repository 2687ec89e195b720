// Rows that keep their places while someone is about to click one (the technician's worklist):
// held, a row changed elsewhere is updated where it stands, a new one comes at the end, and one
// that left the list stays, marked gone; not held, the rows are as the server ordered them.
export interface SteadyRow<T> {
  row: T;
  gone: boolean;
}

export function steadyRows<T extends { id: number }>(shown: SteadyRow<T>[], items: T[], held: boolean): SteadyRow<T>[] {
  if (!held) return items.map((row) => ({ row, gone: false }));
  const now = new Map(items.map((a) => [a.id, a]));
  const kept = shown.map(({ row }) => ({ row: now.get(row.id) ?? row, gone: !now.has(row.id) }));
  const known = new Set(kept.map((k) => k.row.id));
  return [...kept, ...items.filter((a) => !known.has(a.id)).map((row) => ({ row, gone: false }))];
}
