// The technicians' worklist through the query cache: the day's exams (kept current by the live
// stream), the exam's steps, the radiologist who reads it, and the clinic's assignment rule.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { OrderStatus, Priority, ReadingAssignment } from './types';

const EXAMS = ['ris', 'exams'] as const;

export interface WorklistFilter {
  day: string;
  room?: number;
  status?: OrderStatus;
  priority?: Priority;
}

export function useWorklist(filter: WorklistFilter) {
  return useQuery({
    queryKey: [...EXAMS, 'worklist', filter],
    staleTime: 0,
    // The live stream says when to read again; this is in case it cannot.
    refetchInterval: 60_000,
    enabled: filter.day !== '',
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/worklist', { params: { query: filter }, signal })),
  });
}

export function useRisSettings() {
  return useQuery({
    queryKey: [...EXAMS, 'settings'],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/settings', { signal })),
  });
}

// A step read again whatever the answer: refused, it means the exam moved on meanwhile.
function useStep<A, R>(fn: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => void client.invalidateQueries({ queryKey: ['ris'] }),
  });
}

export function useStartExam() {
  return useStep(({ id, version }: { id: number; version: number }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/start', { params: { path: { id } }, body: { version } })));
}

export function useExamAcquired() {
  return useStep(({ id, version }: { id: number; version: number }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/acquired', { params: { path: { id } }, body: { version } })));
}

export function useAssignReader() {
  return useStep(({ id, version, radiologistId }: { id: number; version: number; radiologistId: number }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/reader', { params: { path: { id } }, body: { version, radiologistId } })));
}

export function useSaveRisSettings() {
  return useStep((readingAssignment: ReadingAssignment) =>
    unwrap(jsonApi.PUT('/api/ris/settings', { body: { readingAssignment } })));
}
