// The administrator's report templates through the query cache: the list, a template written,
// edited (at the revision loaded), restored to Vireo's, imported from an IHE MRRT file, and
// exported as one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { ReportTemplate } from './types';

const TEMPLATES = ['reporting', 'admin-templates'] as const;

export function useAdminTemplates() {
  return useQuery({
    queryKey: TEMPLATES,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/admin/report-templates', { signal })).then((r) => r.items),
  });
}

// After any change the picker's templates are stale too.
function useTemplateChange<A>(fn: (args: A) => Promise<ReportTemplate>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all([
      client.invalidateQueries({ queryKey: TEMPLATES }),
      client.invalidateQueries({ queryKey: ['reporting', 'templates'] }),
    ]),
  });
}

export function useSaveTemplate() {
  return useTemplateChange(({ template, isNew }: { template: ReportTemplate; isNew: boolean }) => (isNew
    ? unwrap(jsonApi.POST('/api/admin/report-templates', { body: template }))
    : unwrap(jsonApi.PUT('/api/admin/report-templates/{code}', { params: { path: { code: template.code } }, body: template }))));
}

export function useRestoreTemplate() {
  return useTemplateChange(({ code, revision }: { code: string; revision: number }) =>
    unwrap(jsonApi.POST('/api/admin/report-templates/{code}/restore', { params: { path: { code } }, body: { revision } })));
}

export function useImportTemplate() {
  return useTemplateChange(({ file, code, modalities }: { file: string; code: string; modalities: string[] }) =>
    unwrap(jsonApi.POST('/api/admin/report-templates/import', {
      params: { query: { ...(code ? { code } : {}), ...(modalities.length ? { modalities: modalities.join(',') } : {}) } },
      body: file,
      bodySerializer: (b: string) => b,
      headers: { 'Content-Type': 'text/html' },
    })));
}

// The template as an MRRT file, saved by the browser as CODE.html.
export async function downloadMrrt(code: string): Promise<void> {
  const file = await unwrap(jsonApi.GET('/api/admin/report-templates/{code}/mrrt', {
    params: { path: { code } }, parseAs: 'text',
  }));
  const url = URL.createObjectURL(new Blob([file as string], { type: 'text/html' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${code}.html`;
  link.click();
  // Some browsers read the file after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
