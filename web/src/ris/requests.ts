// Appointment requests through the query cache: the list by status, one request, and the
// answers (confirmed by booking a time, declined with a reason). Every answer has the requests,
// the calendar and the slots read again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { formatCalendarDate } from '../i18n/format';
import { jsonApi, unwrap } from '../apiClient';
import type { AppointmentRequest, RequestStatus } from './types';

const REQUESTS = ['ris', 'requests'] as const;

export function useAppointmentRequests(status: RequestStatus) {
  return useQuery({
    queryKey: [...REQUESTS, 'list', status],
    staleTime: 0,
    refetchInterval: 60_000,  // the live stream says when; this is in case it cannot
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/appointment-requests', { params: { query: { status } }, signal }))
      .then((r) => r.requests),
  });
}

export function useAppointmentRequest(id: number | undefined) {
  return useQuery({
    queryKey: [...REQUESTS, 'one', id],
    enabled: id !== undefined,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/appointment-requests/{id}', { params: { path: { id: id! } }, signal })),
  });
}

function useAnswer<A, R>(fn: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => void client.invalidateQueries({ queryKey: ['ris'] }),
  });
}

export function useConfirmRequest() {
  return useAnswer(({ id, version, orderId, roomId, startsAt }: { id: number; version: number; orderId: number; roomId: number; startsAt: string }) =>
    unwrap(jsonApi.POST('/api/ris/appointment-requests/{id}/confirm', { params: { path: { id } }, body: { version, orderId, roomId, startsAt } })));
}

export function useDeclineRequest() {
  return useAnswer(({ id, version, reason }: { id: number; version: number; reason: string }) =>
    unwrap(jsonApi.POST('/api/ris/appointment-requests/{id}/decline', { params: { path: { id } }, body: { version, reason } })));
}

// "between 3 and 7 March · mornings": the days and part of the day that suit the patient.
export function requestPreferences(r: AppointmentRequest, locale: string, t: TFunction): string {
  const from = r.preferredFrom ? formatCalendarDate(r.preferredFrom, locale) : '';
  const to = r.preferredTo ? formatCalendarDate(r.preferredTo, locale) : '';
  const days = from && to ? t('requests.between', { from, to }) : from ? t('requests.from', { from }) : to ? t('requests.until', { to }) : t('requests.anyDay');
  return `${days} · ${t(`requests.time.${r.preferredTime}`)}`;
}

// A referring physician's request for one of their orders (the server checks that it is theirs).
export function useAskForAppointment() {
  return useAnswer((body: { orderId: number; preferredFrom: string; preferredTo: string; preferredTime: 'any' | 'morning' | 'afternoon'; note: string }) =>
    unwrap(jsonApi.POST('/api/ris/appointment-requests', { body })));
}
