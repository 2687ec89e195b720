import '../i18n/testLanguage';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { ApiProblem } from '../apiClient';
import { acknowledgementOf, checksOfProblem, signCheckText, stopsSigning } from './signChecks';
import type { SignCheck } from './types';

const check = (rule: SignCheck['rule'], level: SignCheck['level'], field: string, examSide: SignCheck['examSide'] = '',
  namedSide: SignCheck['namedSide'] = '', blank = ''): SignCheck =>
  ({ rule, level, field, detail: 'in English', examSide, namedSide, blank });

describe('the checks of a report at signing', () => {
  const side = check('finding_side', 'block', 'findings/1/laterality', 'left', 'right');
  const text = check('text_side', 'warn', 'impression', 'left', 'right');
  const images = check('images_side', 'warn', '', 'right', 'left');

  it('stop the signature while one blocks or a warning is not acknowledged', () => {
    expect(stopsSigning([], [])).toBe(false);
    expect(stopsSigning([text], [])).toBe(true);
    expect(stopsSigning([text, images], ['text_side'])).toBe(true);
    expect(stopsSigning([text, images], ['text_side', 'images_side'])).toBe(false);
    expect(stopsSigning([side, text], ['finding_side', 'text_side'])).toBe(true);
    // One by one: the impression's acknowledged does not cover the findings'.
    expect(stopsSigning([text], ['text_side/impression'])).toBe(false);
    expect(stopsSigning([text, { ...text, field: 'findings' }], ['text_side/impression'])).toBe(true);
    expect(acknowledgementOf(images)).toBe('images_side');
  });

  it('say which finding, section and sides, in the reader\'s language', () => {
    const t = i18n.t.bind(i18n);
    expect(signCheckText(t, side)).toBe('Structured finding 2 is on the right side; this exam is of the left side.');
    expect(signCheckText(t, text)).toBe('The Impression section names the right side; this exam is of the left side.');
    expect(signCheckText(t, images)).toBe('The images are of the left side; the exam was ordered for the right side.');
    expect(signCheckText(t, check('finding_required', 'block', 'findings'))).toMatch(/BI-RADS assessment/);
    expect(signCheckText(t, check('finding_uncoded', 'warn', 'impression'))).toMatch(/^The Impression section names a classification/);
    expect(signCheckText(t, check('side_unknown', 'warn', ''))).toMatch(/^Neither the order nor the images say which side/);
    expect(signCheckText(t, check('field_required', 'block', 'findings', '', '', 'Placenta'))).toBe(
      'The Findings section still has the blank “Placenta”, which the template requires: fill it in before signing.');
    expect(signCheckText(i18n.getFixedT('ca'), check('field_unfilled', 'warn', 'findings', '', '', 'BPD'))).toBe(
      'La secció Troballes encara té el camp “BPD”: ompliu-lo, o esborreu-lo si no escau, abans de signar.');
    expect(signCheckText(i18n.getFixedT('es'), side)).toBe(
      'El hallazgo estructurado 2 es del lado derecho; esta exploración es del lado izquierdo.');
  });

  it('are read from a refused signature', () => {
    expect(checksOfProblem(new ApiProblem(409, { conflict: { rule: 'text_side', checks: [text] } }))).toEqual([text]);
    expect(checksOfProblem(new ApiProblem(409, { conflict: { rule: 'stale' } }))).toBeNull();
    expect(checksOfProblem(new Error('offline'))).toBeNull();
  });
});
