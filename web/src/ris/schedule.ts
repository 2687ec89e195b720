// The appointment book through the query cache: the clinic (its zone and today), a calendar of
// days, an order's free slots, and the changes (book, move, cancel, check-in, no-show). Every
// change, refused or not, has the calendar and the slots read again: a conflict means they moved.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';

const SCHEDULE = ['ris', 'schedule'] as const;

export function useClinic() {
  return useQuery({
    queryKey: [...SCHEDULE, 'clinic'],
    staleTime: 60_000,
    refetchInterval: 60_000,  // "today" turns at the clinic's midnight
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/clinic', { signal })),
  });
}

export function useCalendar(from: string, days: number, room: number | undefined) {
  return useQuery({
    queryKey: [...SCHEDULE, 'calendar', { from, days, room }],
    staleTime: 0,
    refetchInterval: 30_000,
    enabled: from !== '',
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/calendar', { params: { query: { from, days, room } }, signal })),
  });
}

export function useSlots(order: number | undefined, from: string, days: number) {
  return useQuery({
    queryKey: [...SCHEDULE, 'slots', { order, from, days }],
    staleTime: 0,
    enabled: order !== undefined && from !== '',
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/slots', { params: { query: { order: order!, from, days } }, signal })),
  });
}

export function useAppointment(id: number, enabled = true) {
  return useQuery({
    queryKey: [...SCHEDULE, 'appointment', id],
    enabled,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/appointments/{id}', { params: { path: { id } }, signal })),
  });
}

export function useOrderAppointments(order: number, enabled: boolean) {
  return useQuery({
    queryKey: [...SCHEDULE, 'of-order', order],
    staleTime: 0,
    enabled,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/appointments', { params: { query: { order } }, signal }))
      .then((r) => r.appointments),
  });
}

// Reads again what a change may have moved: the calendars, slots, appointments and orders.
function useChange<A, R>(fn: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => {
      void client.invalidateQueries({ queryKey: SCHEDULE });
      void client.invalidateQueries({ queryKey: ['ris', 'orders'] });
    },
  });
}

export function useBook() {
  return useChange(({ orderId, roomId, startsAt }: { orderId: number; roomId: number; startsAt: string }) =>
    unwrap(jsonApi.POST('/api/ris/appointments', { body: { orderId, roomId, startsAt } })));
}

export function useMove() {
  return useChange(({ id, version, roomId, startsAt }: { id: number; version: number; roomId: number; startsAt: string }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/move', { params: { path: { id } }, body: { version, roomId, startsAt } })));
}

export function useCancelAppointment() {
  return useChange(({ id, version, reason }: { id: number; version: number; reason: string }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/cancel', { params: { path: { id } }, body: { version, reason } })));
}

export function useArrive() {
  return useChange(({ id, version }: { id: number; version: number }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/arrive', { params: { path: { id } }, body: { version } })));
}

export function useNoShow() {
  return useChange(({ id, version }: { id: number; version: number }) =>
    unwrap(jsonApi.POST('/api/ris/appointments/{id}/no-show', { params: { path: { id } }, body: { version } })));
}
