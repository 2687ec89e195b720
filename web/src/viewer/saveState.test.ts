import { describe, expect, it } from 'vitest';
import { combinedSaveState } from './saveState';

describe('the save indicator for a study and its priors', () => {
  it('keeps a failure on screen while another study saves', () => {
    expect(combinedSaveState({ study: { state: 'saved' }, prior: { state: 'failed', detail: 'HTTP 503' } }))
      .toEqual({ state: 'failed', detail: 'HTTP 503' });
    expect(combinedSaveState({ study: { state: 'saving' }, prior: { state: 'saved' } }).state).toBe('saving');
    expect(combinedSaveState({ study: { state: 'saved' }, prior: { state: 'idle' } }).state).toBe('saved');
    expect(combinedSaveState({}).state).toBe('idle');
  });
});
