// What a refused report step means to the radiologist, in their language: the rule the server
// named (stale, already signed, another reading it, a wrong code...), never a status code.
import type { TFunction } from 'i18next';
import { ApiProblem } from '../apiClient';
import { errorText } from '../ui/errorText';

const RULES = ['stale', 'reading_claimed', 'assigned_to_another', 'not_claimed', 'already_signed', 'not_signed',
  'empty_report', 'exam_state', 'reauthentication', 'not_your_draft', 'template_mismatch', 'already_communicated', 'not_held', 'own_report',
  'already_reviewed', 'key_image_missing', 'certificate_unusable'] as const;
type Rule = (typeof RULES)[number];

export function problemRule(e: unknown): Rule | null {
  if (!(e instanceof ApiProblem)) return null;
  const rule = (e.problem.conflict as { rule?: string } | undefined)?.rule;
  return RULES.find((r) => r === rule) ?? null;
}

// The text's checks at signing (signChecks.ts), which the dialog lists one by one.
const SIGN_CHECK_RULES = ['finding_side', 'text_side', 'images_side', 'finding_required', 'finding_uncoded'];

export function reportProblemText(t: TFunction, e: unknown): string {
  if (e instanceof ApiProblem && SIGN_CHECK_RULES.includes((e.problem.conflict as { rule?: string } | undefined)?.rule ?? '')) {
    return t('report.rules.sign_checks');
  }
  const rule = problemRule(e);
  if (rule) return t(`report.rules.${rule}`);
  if (e instanceof ApiProblem && e.status === 429) return t('report.rules.locked');
  if (e instanceof ApiProblem && e.status === 400) {
    // The first field the server named, in words: which part of the report, or of the critical result.
    const field = e.problem.errors?.[0]?.field ?? '';
    if (field === 'reauthentication') return t('report.rules.code');
    if (field.startsWith('findings')) return t('report.rules.findings');
    if (field.startsWith('keyImages')) {
      const rule = e.problem.errors?.[0]?.rule;
      if (rule === 'not_in_study') return t('report.rules.keyImages');
      if (field.endsWith('/caption')) return t('report.rules.keyImageCaption');
      return t('report.rules.keyImageInvalid');
    }
    if (field === 'templateCode') return t('report.rules.template');
    if (field === 'receivedAt') return t('report.rules.receivedAt');
    if (field === 'to' || field === 'method' || field === 'finding') return t('report.rules.critical');
    return t('report.rules.invalid');
  }
  return errorText(t, e);
}
