// The catalogue through the query cache: procedures, rooms and closures, each a key family so
// that a save shows at once on every page that lists them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { ClosureFields, Modality, ProcedureFields, RoomFields, StaffFields } from './types';

export const MODALITIES: Modality[] = ['CR', 'DX', 'CT', 'MR', 'US', 'MG', 'NM', 'PT', 'XA', 'RF', 'BMD', 'OT'];

const keys = {
  procedures: ['ris', 'procedures'] as const,
  rooms: ['ris', 'rooms'] as const,
  closures: ['ris', 'closures'] as const,
  staff: ['ris', 'staff'] as const,
};

export function useProcedures(retired: boolean) {
  return useQuery({
    queryKey: [...keys.procedures, { retired }],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/procedures', { params: { query: { retired } }, signal }))
      .then((r) => r.procedures),
  });
}

export function useRooms(retired: boolean) {
  return useQuery({
    queryKey: [...keys.rooms, { retired }],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/rooms', { params: { query: { retired } }, signal }))
      .then((r) => r.rooms),
  });
}

export function useClosures(from: string, to: string) {
  return useQuery({
    queryKey: [...keys.closures, { from, to }],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/closures', { params: { query: { from, to } }, signal }))
      .then((r) => r.closures),
  });
}

function useSaved(key: readonly string[]) {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: key });
}

// id 0 adds; otherwise replaces the fields of the version read.
export function useSaveProcedure() {
  const saved = useSaved(keys.procedures);
  return useMutation({
    mutationFn: ({ id, version, fields }: { id: number; version: number; fields: Required<ProcedureFields> }) =>
      id === 0
        ? unwrap(jsonApi.POST('/api/ris/procedures', { body: fields }))
        : unwrap(jsonApi.PUT('/api/ris/procedures/{id}', { params: { path: { id } }, body: { ...fields, version } })),
    onSuccess: saved,
  });
}

export function useSaveRoom() {
  const saved = useSaved(keys.rooms);
  return useMutation({
    mutationFn: ({ id, version, fields }: { id: number; version: number; fields: Required<RoomFields> }) =>
      id === 0
        ? unwrap(jsonApi.POST('/api/ris/rooms', { body: fields }))
        : unwrap(jsonApi.PUT('/api/ris/rooms/{id}', { params: { path: { id } }, body: { ...fields, version } })),
    onSuccess: saved,
  });
}

export function useAddClosure() {
  const saved = useSaved(keys.closures);
  return useMutation({
    mutationFn: (fields: ClosureFields) => unwrap(jsonApi.POST('/api/ris/closures', { body: fields })),
    onSuccess: saved,
  });
}

export function useRemoveClosure() {
  const saved = useSaved(keys.closures);
  return useMutation({
    mutationFn: (id: number) => unwrap(jsonApi.DELETE('/api/ris/closures/{id}', { params: { path: { id } } })),
    onSuccess: saved,
  });
}

export function useStaff(retired: boolean) {
  return useQuery({
    queryKey: [...keys.staff, { retired }],
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/staff', { params: { query: { retired } }, signal }))
      .then((r) => r.staff),
  });
}

export function useSaveStaff() {
  const saved = useSaved(keys.staff);
  return useMutation({
    mutationFn: ({ id, version, fields }: { id: number; version: number; fields: Required<StaffFields> }) =>
      id === 0
        ? unwrap(jsonApi.POST('/api/ris/staff', { body: fields }))
        : unwrap(jsonApi.PUT('/api/ris/staff/{id}', { params: { path: { id } }, body: { ...fields, version } })),
    onSuccess: saved,
  });
}
