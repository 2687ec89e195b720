// The checks of the text at signing, in the reader's words, and which stop the signature: a
// blocking one always, a warning until the radiologist acknowledges it.
import type { TFunction } from 'i18next';
import { ApiProblem } from '../apiClient';
import type { SignCheck } from './types';

// A warning acknowledged one by one: its rule and field, as the server reads it.
export function acknowledgementOf(c: SignCheck): string {
  return c.field ? `${c.rule}/${c.field}` : c.rule;
}

export function stopsSigning(checks: readonly SignCheck[], acknowledged: readonly string[]): boolean {
  return checks.some((c) => c.level === 'block' || !(acknowledged.includes(c.rule) || acknowledged.includes(acknowledgementOf(c))));
}

// The checks a refused signature names (its conflict), or null when it was refused for another reason.
export function checksOfProblem(e: unknown): SignCheck[] | null {
  if (!(e instanceof ApiProblem)) return null;
  const checks = (e.problem.conflict as { checks?: SignCheck[] } | undefined)?.checks;
  return Array.isArray(checks) ? checks : null;
}

export function signCheckText(t: TFunction, c: SignCheck): string {
  const side = (s: string) => t(`report.checks.side.${s || 'none'}` as 'report.checks.side.left');
  const sides = { exam: side(c.examSide), named: side(c.namedSide) };
  switch (c.rule) {
    case 'finding_side':
      return t('report.checks.finding_side', { ...sides, n: Number(/^findings\/(\d+)/.exec(c.field)?.[1] ?? 0) + 1 });
    case 'text_side': {
      const section = t(`report.sections.${c.field}` as 'report.sections.findings', { defaultValue: c.field });
      return t('report.checks.text_side', { ...sides, section });
    }
    case 'images_side':
      return t('report.checks.images_side', sides);
    case 'side_unknown':
      return t('report.checks.side_unknown');
    case 'finding_required':
      return t('report.checks.finding_required');
    case 'field_required':
    case 'field_unfilled': {
      const section = t(`report.sections.${c.field}` as 'report.sections.findings', { defaultValue: c.field });
      return t(`report.checks.${c.rule}`, { section, blank: c.blank });
    }
    case 'finding_uncoded': {
      const section = t(`report.sections.${c.field}` as 'report.sections.findings', { defaultValue: c.field });
      return t('report.checks.finding_uncoded', { section });
    }
  }
  return c.detail;
}
