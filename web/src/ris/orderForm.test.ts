import { describe, expect, it } from 'vitest';
import { EMPTY_ORDER, orderFieldsOf, orderSchema } from './orderForm';

describe('the order form', () => {
  const valid = { ...EMPTY_ORDER, procedureIds: ['3', '1'], reason: 'Knee pain' };
  const problems = (v: object) => {
    const r = orderSchema.safeParse({ ...valid, ...v });
    return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
  };
  it('checks as the server does', () => {
    expect(problems({})).toEqual({});
    expect(problems({ procedureIds: [], reason: '  ' })).toEqual({ procedureIds: 'required', reason: 'required' });
    expect(problems({ procedureIds: ['1', '2', '3', '4', '5', '6'] })).toEqual({ procedureIds: 'too_long' });
    expect(problems({ referringPhysician: 'Serra^Joan' })).toEqual({ referringPhysician: 'format' });
    expect(problems({ reason: 'x'.repeat(1025) })).toEqual({ reason: 'too_long' });
    expect(problems({ clinicalInfo: 'line one\nline two' })).toEqual({});
  });
  it('sends the procedures in the order chosen, as numbers', () => {
    const sent = orderFieldsOf(7, { ...valid, reason: ' Knee pain ' });
    expect(sent).toMatchObject({ patientId: 7, procedureIds: [3, 1], reason: 'Knee pain', priority: 'routine' });
  });
});
