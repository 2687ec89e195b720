// Patient merges through the query cache: the merges a patient took part in (with the studies
// the archive moved for each), merging a duplicate into a record, and an administrator's undoing.
// Every answer has the whole RIS and the archive's lists read again: orders, appointments and
// studies changed patients.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { components } from '../types/api.gen';

export type PatientMerge = components['schemas']['PatientMerge'];

export function usePatientMerges(patientId: number) {
  return useQuery({
    queryKey: ['ris', 'patients', 'merges', patientId],
    staleTime: 0,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/patients/{id}/merges', { params: { path: { id: patientId } }, signal }))
      .then((r) => r.merges),
  });
}

function useChange<A, R>(fn: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['ris'] });
      void client.invalidateQueries({ queryKey: ['archive'] });
    },
  });
}

export function useMergePatients() {
  return useChange((body: { sourceId: number; sourceVersion: number; targetId: number; targetVersion: number; reason: string }) =>
    unwrap(jsonApi.POST('/api/ris/patient-merges', { body })));
}

export function useUndoMerge() {
  return useChange(({ id, version, reason }: { id: number; version: number; reason: string }) =>
    unwrap(jsonApi.POST('/api/ris/patient-merges/{id}/undo', { params: { path: { id } }, body: { version, reason } })));
}
