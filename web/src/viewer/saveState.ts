// What the page says about saving measurements, when a study and the priors beside it each
// save their own: a failure anywhere must stay on screen until that study saves again, not be
// covered by another study's "saved".
export type SaveState = 'idle' | 'saving' | 'saved' | 'failed';

export interface StudySave {
  state: SaveState;
  detail?: string;
}

export function combinedSaveState(byStudy: Record<string, StudySave>): StudySave {
  const all = Object.values(byStudy);
  return all.find((s) => s.state === 'failed') ?? all.find((s) => s.state === 'saving') ??
    all.find((s) => s.state === 'saved') ?? { state: 'idle' };
}
