// A referring physician's orders through the query cache: the ones naming them (the server
// decides whose), open ones or all.
import { useQuery } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import type { components } from '../types/api.gen';

export type Referral = components['schemas']['Referral'];

export function useReferrals(status: 'open' | 'all') {
  return useQuery({
    queryKey: ['ris', 'referrals', status],
    staleTime: 0,
    refetchInterval: 60_000,  // a booking or the images of a patient they sent, within a minute
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/ris/referrals', { params: { query: { status } }, signal }))
      .then((r) => r.referrals),
  });
}
