import { describe, expect, it } from 'vitest';
import { cineRate, ownCineRate } from './cine';

const ds = (tags: Record<string, number | string>) =>
  Object.fromEntries(Object.entries(tags).map(([t, v]) => [t, { vr: 'DS', Value: [v] }]));

describe('cine rate', () => {
  it('takes the object’s own rate: Recommended Display Frame Rate, Cine Rate, then Frame Time', () => {
    expect(ownCineRate(ds({ '00082144': 12, '00180040': 25, '00181063': 33.3 }))).toBe(12);
    expect(ownCineRate(ds({ '00180040': 25, '00181063': 33.3 }))).toBe(25);
    expect(ownCineRate(ds({ '00181063': '40' }))).toBe(25);
  });
  it('plays 20 a second when the object says nothing usable', () => {
    expect(ownCineRate(undefined)).toBe(20);
    expect(ownCineRate(ds({}))).toBe(20);
    expect(ownCineRate(ds({ '00082144': 0, '00180040': 500, '00181063': 0 }))).toBe(20);
  });
  it('prefers the reader’s choice', () => {
    expect(cineRate(ds({ '00082144': 12 }), 5)).toBe(5);
    expect(cineRate(ds({ '00082144': 12 }), null)).toBe(12);
    expect(cineRate(undefined, 1000)).toBe(20);
  });
});
