// What a failed request means to the person at the screen, in their language: never a status
// code alone, never a permission name.
import type { TFunction } from 'i18next';
import { ApiProblem } from '../apiClient';

export function errorText(t: TFunction, e: unknown): string {
  if (e instanceof ApiProblem) {
    if (e.status === 401) return t('errors.signedOut');
    if (e.status === 403) return t('errors.forbidden');
    if (e.status === 404) return t('errors.notFound');
    if (e.status === 413) return t('errors.tooLarge');
    return t('errors.server');
  }
  return t('errors.network');
}
