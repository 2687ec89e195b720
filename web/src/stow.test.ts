import { describe, expect, it } from 'vitest';
import './i18n/testLanguage';
import { failureReason, stowRefusal } from './stow';

describe('STOW-RS refusals', () => {
  it('says why the archive refused, in words', () => {
    const answer = { '00081198': { vr: 'SQ', Value: [{ '00081197': { vr: 'US', Value: [0xa700] } }, { '00081197': { vr: 'US', Value: [0xa700] } }] } };
    expect(stowRefusal(answer, 3)).toBe('the archive refused 2 of 3 objects: the archive is out of resources (storage full or not writable)');
    expect(stowRefusal({ '00081198': { vr: 'SQ', Value: [{}] } }, 1)).toBe('the archive refused 1 of 1 object: no reason given');
    expect(failureReason(0xb000)).toBe('failure reason 0xB000');
  });
  it('says nothing when nothing failed', () => {
    expect(stowRefusal({ '00081199': { vr: 'SQ', Value: [{}] } }, 1)).toBeNull();
    expect(stowRefusal(null, 1)).toBeNull();
  });
});
