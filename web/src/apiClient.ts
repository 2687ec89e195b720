// The server's JSON API from the browser: openapi-fetch over the types generated from
// docs/openapi.yaml, so a request or answer that does not match the document does not build.
// Requests that change state carry the session's CSRF token.
import createClient from 'openapi-fetch';
import type { components, paths } from './types/api.gen';
import { currentCsrfToken } from './api';

export const jsonApi = createClient<paths>({ credentials: 'same-origin' });

jsonApi.use({
  onRequest({ request }) {
    const token = currentCsrfToken();
    if (request.method !== 'GET' && token) request.headers.set('X-CSRF-Token', token);
    return request;
  },
});

// A refusal from the server, with its problem body: screens say it in the reader's language
// from the status and, for a form, from each field's rule.
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: components['schemas']['FieldError'][]; [k: string]: unknown },
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

// The answer's data, or an ApiProblem (a network failure stays a TypeError).
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const problem = (typeof error === 'object' && error !== null ? error : { detail: String(error ?? '') }) as ApiProblem['problem'];
    throw new ApiProblem(response.status, problem);
  }
  return data as T;
}
