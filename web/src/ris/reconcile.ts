// Studies waiting to be linked to their order, through the query cache; linking one (its images
// are then corrected on the server, and the study leaves the list once linked).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';

const UNMATCHED = ['ris', 'unmatched'] as const;

export function useUnmatchedStudies() {
  return useQuery({
    queryKey: UNMATCHED,
    staleTime: 0,
    refetchInterval: 30_000,  // a correction finishes in the background; the live stream says when too
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/unmatched-studies', { params: { query: { limit: 200 } }, signal }))
      .then((r) => r.studies),
  });
}

export function useLinkStudy() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, orderId }: { id: number; orderId: number }) =>
      unwrap(jsonApi.POST('/api/ris/unmatched-studies/{id}/link', { params: { path: { id } }, body: { orderId } })),
    onSettled: () => void client.invalidateQueries({ queryKey: ['ris'] }),
  });
}

// "GARCIA^ANA" → "GARCIA, ANA": a DICOM person name as people write it.
export function dicomName(pn: string): string {
  const [family = '', given = ''] = pn.split('=')[0].split('^');
  return given ? `${family}, ${given}` : family;
}

// "19610709" → "1961-07-09" (empty when it is not a date).
export function dicomDay(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : '';
}
