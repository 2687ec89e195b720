// A patient's orders through the query cache.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { OrderFields } from './types';

const ofPatient = (patient: number) => ['ris', 'orders', { patient }] as const;

export function usePatientOrders(patient: number) {
  return useQuery({
    queryKey: ofPatient(patient),
    staleTime: 0,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/orders', { params: { query: { patient } }, signal }))
      .then((r) => r.orders),
  });
}

export function useCreateOrder(patient: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: OrderFields) => unwrap(jsonApi.POST('/api/ris/orders', { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ofPatient(patient) }),
  });
}

export function useCancelOrder(patient: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, version, reason }: { id: number; version: number; reason: string }) =>
      unwrap(jsonApi.POST('/api/ris/orders/{id}/cancel', { params: { path: { id } }, body: { version, reason } })),
    // Refused or not, the list is read again: a 409 means it changed.
    onSettled: () => void client.invalidateQueries({ queryKey: ofPatient(patient) }),
  });
}
