// The order form: its values, checks (src/ris/orders.cpp said again) and what is sent.
import { z } from 'zod';
import type { OrderFields, Priority } from './types';

export const PRIORITIES: Priority[] = ['routine', 'urgent', 'stat'];

const printable = (s: string, multiline: boolean) =>
  ![...s].some((ch) => {
    const c = ch.codePointAt(0)!;
    return (c < 0x20 && !(multiline && (c === 10 || c === 13 || c === 9))) || (c >= 0x7f && c <= 0x9f);
  });
const text = (max: number, multiline = false) =>
  z.string().trim().refine((s) => printable(s, multiline), 'format').refine((s) => [...s].length <= max, 'too_long');

export const orderSchema = z.object({
  procedureIds: z.array(z.string()).refine((a) => a.length > 0, 'required').refine((a) => a.length <= 5, 'too_long'),
  priority: z.enum(PRIORITIES),
  reason: text(1024, true).refine((s) => s.length > 0, 'required'),
  clinicalInfo: text(4000, true),
  referringPhysician: text(64).refine((s) => !/[\\^=]/.test(s), 'format'),
  requestingDepartment: text(64).refine((s) => !s.includes('\\'), 'format'),
});
export type OrderFormValues = z.input<typeof orderSchema>;

export const EMPTY_ORDER: OrderFormValues = {
  procedureIds: [], priority: 'routine', reason: '', clinicalInfo: '', referringPhysician: '', requestingDepartment: '',
};

export function orderFieldsOf(patientId: number, v: OrderFormValues): OrderFields {
  return {
    patientId, procedureIds: v.procedureIds.map(Number), priority: v.priority, reason: v.reason.trim(),
    clinicalInfo: v.clinicalInfo.trim(), referringPhysician: v.referringPhysician.trim(),
    requestingDepartment: v.requestingDepartment.trim(),
  };
}
