// The patient register through the query cache: one key family, so that a save shows at once
// on every page that lists or shows the patient.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { Patient, PatientFields } from './types';

export const PAGE = 25;

export interface SearchPage {
  patients: Patient[];
  more: boolean; // there are patients after these
}

const keys = {
  all: ['ris', 'patients'] as const,
  search: (q: string, birthDate: string, limit: number) => ['ris', 'patients', 'search', { q, birthDate, limit }] as const,
  one: (id: number) => ['ris', 'patients', 'one', id] as const,
};

// A search runs when there is something to look for; "show more" asks for a longer page,
// keeping the rows already shown while it loads.
export function usePatientSearch(q: string, birthDate: string, limit: number) {
  return useQuery<SearchPage>({
    queryKey: keys.search(q, birthDate, limit),
    enabled: q.trim().length > 0 || birthDate !== '',
    placeholderData: (previous: SearchPage | undefined) => previous,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/patients', {
      params: { query: { ...(q.trim() ? { q: q.trim() } : {}), ...(birthDate ? { birthDate } : {}), limit: limit + 1 } },
      signal,
    })).then((r) => ({ patients: r.patients.slice(0, limit), more: r.patients.length > limit })),
  });
}

// A record is read again whenever a page shows it and when the window comes back to the
// front: another desk's change (an allergy added) must not wait for the cache to age.
export function usePatient(id: number | null) {
  return useQuery({
    queryKey: keys.one(id ?? 0),
    enabled: id !== null,
    staleTime: 0,
    refetchOnWindowFocus: true,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/patients/{id}', { params: { path: { id: id! } }, signal })),
  });
}

// After "someone else changed this patient": the cached copy is known to be old.
export function useForgetPatient() {
  const client = useQueryClient();
  return (id: number) => client.invalidateQueries({ queryKey: keys.one(id) });
}

function useRemember() {
  const client = useQueryClient();
  return (p: Patient) => {
    client.setQueryData(keys.one(p.id), p);
    void client.invalidateQueries({ queryKey: [...keys.all, 'search'] });
  };
}

export function useRegisterPatient() {
  const remember = useRemember();
  return useMutation({
    mutationFn: (body: PatientFields & { confirmedNew?: boolean }) =>
      unwrap(jsonApi.POST('/api/ris/patients', { body })),
    onSuccess: remember,
  });
}

export function useEditPatient(id: number) {
  const remember = useRemember();
  return useMutation({
    mutationFn: (body: PatientFields & { version: number }) =>
      unwrap(jsonApi.PUT('/api/ris/patients/{id}', { params: { path: { id } }, body })),
    onSuccess: remember,
  });
}
