// The radiologists' side through the query cache: the reading worklist (kept current by the live
// stream), an exam with its report, opening it to read (the claim), leaving it, saving the
// working text, handing it on, signing, and checking a signed version.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { Priority } from '../ris/types';
import type { CommunicationMethod, ExamReport, PeerScore, ReportContent, SignCheck } from './types';

export const READING = ['ris', 'reading'] as const;

export interface ReadingFilter {
  scope: 'mine' | 'all';
  modality?: string;
  priority?: Priority;
  limit?: number;
  offset?: number;
}

export function useReadingList(filter: ReadingFilter) {
  return useQuery({
    queryKey: [...READING, 'list', filter],
    staleTime: 0,
    // The live stream says when to read again; this is in case it cannot.
    refetchInterval: 60_000,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reading', { params: { query: filter }, signal })),
  });
}

export function useExamReport(orderId: number) {
  return useQuery({
    queryKey: [...READING, 'exam', orderId],
    staleTime: 0,
    queryFn: ({ signal }) =>
      unwrap(jsonApi.GET('/api/reading/{orderId}', { params: { path: { orderId } }, signal })),
  });
}

// A change whose answer is the exam and its report as they are now: put in the cache at once.
function useReportChange<A>(orderId: number, fn: (args: A) => Promise<ExamReport>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (data) => client.setQueryData([...READING, 'exam', orderId], data),
    onSettled: () => void client.invalidateQueries({ queryKey: [...READING, 'list'] }),
  });
}

export function useClaim(orderId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(jsonApi.POST('/api/reading/{orderId}/claim', { params: { path: { orderId } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: READING }),
  });
}

export function useRelease(orderId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(jsonApi.DELETE('/api/reading/{orderId}/claim', { params: { path: { orderId } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: READING }),
  });
}

export type DraftKind = 'report' | 'addendum';

export function useSaveDraft(orderId: number) {
  return useReportChange(orderId, ({ kind, revision, content }: { kind: DraftKind; revision: number; content: ReportContent }) =>
    kind === 'report'
      ? unwrap(jsonApi.PUT('/api/reading/{orderId}/report', { params: { path: { orderId } }, body: { revision, ...content } }))
      : unwrap(jsonApi.PUT('/api/reading/{orderId}/report/addendum', { params: { path: { orderId } }, body: { revision, ...content } })));
}

export function useSubmitPreliminary(orderId: number) {
  return useReportChange(orderId, (revision: number) =>
    unwrap(jsonApi.POST('/api/reading/{orderId}/report/preliminary', { params: { path: { orderId } }, body: { revision } })));
}

export function useSignReport(orderId: number) {
  return useReportChange(orderId, ({ revision, reauthentication, acknowledged }:
  { revision: number; reauthentication: string; acknowledged: string[] }) =>
    unwrap(jsonApi.POST('/api/reading/{orderId}/report/sign',
      { params: { path: { orderId } }, body: { revision, reauthentication, acknowledged } })));
}

// A held sensitive result released now, by the radiologist who has spoken to the referrer.
export function useReleaseReport(orderId: number) {
  return useReportChange(orderId, () =>
    unwrap(jsonApi.POST('/api/reading/{orderId}/report/release', { params: { path: { orderId } } })));
}

// Peer review: the signed reports offered to me (not my own).
export function usePeerReviews(enabled: boolean) {
  return useQuery({
    queryKey: [...READING, 'peer-reviews'],
    enabled,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reporting/peer-reviews', { signal })),
  });
}

export function useScorePeerReview(orderId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { score: PeerScore; comment: string }) =>
      unwrap(jsonApi.POST('/api/reading/{orderId}/peer-review', { params: { path: { orderId } }, body })),
    onSettled: () => void client.invalidateQueries({ queryKey: [...READING, 'peer-reviews'] }),
  });
}

export function usePeerSummary(days: number) {
  return useQuery({
    queryKey: ['reporting', 'peer-summary', days],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reporting/peer-review/summary', { params: { query: { days } }, signal })),
  });
}

// What the working text fails at signing now (the side it names, the finding its template asks
// for): read when the signature is asked for, after the text is saved.
export async function signChecks(orderId: number): Promise<SignCheck[]> {
  const answer = await unwrap(jsonApi.GET('/api/reading/{orderId}/report/checks', { params: { path: { orderId } } }));
  return answer.checks;
}

export function useVerifyVersion(orderId: number, number: number, enabled: boolean) {
  return useQuery({
    queryKey: [...READING, 'verify', orderId, number],
    enabled,
    queryFn: ({ signal }) =>
      unwrap(jsonApi.GET('/api/reading/{orderId}/report/versions/{number}/verify', { params: { path: { orderId, number } }, signal })),
  });
}

// The vocabularies of structured findings, in the reader's language: they change only with Vireo.
export function useVocabularies(language: 'en' | 'es' | 'ca') {
  return useQuery({
    queryKey: ['reporting', 'vocabularies', language],
    staleTime: Infinity,
    queryFn: ({ signal }) =>
      unwrap(jsonApi.GET('/api/reporting/vocabularies', { params: { query: { language } }, signal })),
  });
}

// The report templates offered for exams of a modality: the administrator changes them seldom.
export function useTemplates(modality: string) {
  return useQuery({
    queryKey: ['reporting', 'templates', modality],
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reporting/templates', { params: { query: { modality } }, signal })),
  });
}

// Critical results: the clinic's list, an exam's, those still open everywhere (kept current by
// the live stream: report.critical.* events), flagging one, recording its communication.
export function useCriticalFindings() {
  return useQuery({
    queryKey: [...READING, 'critical-findings'],
    staleTime: 300_000,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reporting/critical-findings', { signal })),
  });
}

export function useExamCritical(orderId: number) {
  return useQuery({
    queryKey: [...READING, 'critical', orderId],
    queryFn: ({ signal }) =>
      unwrap(jsonApi.GET('/api/reading/{orderId}/critical', { params: { path: { orderId } }, signal })),
  });
}

export function useOpenCritical() {
  return useQuery({
    queryKey: [...READING, 'critical', 'open'],
    refetchInterval: 60_000,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/reporting/critical', { params: { query: { status: 'open' } }, signal })),
  });
}

function useCriticalChange<A>(fn: (args: A) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => void client.invalidateQueries({ queryKey: [...READING, 'critical'] }) });
}

export function useFlagCritical(orderId: number) {
  return useCriticalChange(({ finding, note }: { finding: string; note: string }) =>
    unwrap(jsonApi.POST('/api/reading/{orderId}/critical', { params: { path: { orderId } }, body: { finding, note } })));
}

export function useRecordCommunication(orderId: number) {
  return useCriticalChange(({ id, to, method, receivedAt }: { id: number; to: string; method: CommunicationMethod; receivedAt: string }) =>
    unwrap(jsonApi.POST('/api/reading/{orderId}/critical/{id}/communicated', {
      params: { path: { orderId, id } }, body: { to, method, receivedAt } })));
}

// The signed reports of the patient's exams before this one. Not under READING: an event anywhere
// in the clinic reads the worklists again, and these (audited as read) change only by a merge.
export function usePriorReports(orderId: number) {
  return useQuery({
    queryKey: ['ris', 'priors', orderId],
    staleTime: 10 * 60_000,
    queryFn: ({ signal }) =>
      unwrap(jsonApi.GET('/api/reading/{orderId}/priors', { params: { path: { orderId } }, signal })),
  });
}

export function signedPdfUrl(orderId: number, number: number): string {
  return `/api/reading/${orderId}/report/versions/${number}/pdf`;
}

// The patient's plain-language letter of a breast imaging result (a BI-RADS assessment signed
// and released), in `language`.
export function letterUrl(orderId: number, language: string): string {
  return `/api/reading/${orderId}/report/letter?language=${['es', 'ca'].includes(language) ? language : 'en'}`;
}
