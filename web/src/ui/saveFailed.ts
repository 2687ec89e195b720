// What a form says when the server refused a save: each field's rule on its field (the first
// focused), a stale copy in `staleText`, anything else in plain words.
import type { TFunction } from 'i18next';
import type { FieldValues, Path, UseFormReturn } from 'react-hook-form';
import { ApiProblem } from '../apiClient';
import { errorText } from './errorText';

export function saveFailed<T extends FieldValues>(form: UseFormReturn<T>, e: unknown, t: TFunction, say: (text: string) => void,
  { staleText, fieldOf = (f) => f }: { staleText?: string; fieldOf?: (field: string) => string } = {}) {
  if (e instanceof ApiProblem && e.status === 400 && e.problem.errors?.length) {
    e.problem.errors.forEach((x, i) => form.setError(fieldOf(x.field) as Path<T>, { type: 'server', message: x.rule },
      { shouldFocus: i === 0 }));
  } else if (e instanceof ApiProblem && e.status === 409 && staleText) {
    say(staleText);
  } else {
    say(errorText(t, e));
  }
}
