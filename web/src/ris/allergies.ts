// The RIS's allergies of the patients the archive's studies name (Patient ID and Issuer of
// Patient ID, compared exactly, never by name), so that the study list and the viewer show a
// contrast allergy as the RIS pages do. Asked only by accounts that may read RIS patients.
import { useQuery } from '@tanstack/react-query';
import { jsonApi, unwrap } from '../apiClient';
import { can, useSession } from '../session';

export type PatientIdentifier = { mrn: string; issuer: string };
export type Allergies = { id: number; contrastAllergy: boolean; allergies: string };

const keyOf = (p: PatientIdentifier) => `${p.issuer}\u0000${p.mrn}`;

export function useAllergies(patients: PatientIdentifier[]) {
  const { session } = useSession();
  const allowed = !!session && can(session, 'ris.patients.read');
  const unique = [...new Map(patients.filter((p) => p.mrn).map((p) => [keyOf(p), p])).values()]
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
    .slice(0, 200);
  const query = useQuery({
    queryKey: ['ris', 'patients', 'allergies', unique.map(keyOf)],
    enabled: allowed && unique.length > 0,
    staleTime: 30_000,
    queryFn: ({ signal }) => unwrap(jsonApi.POST('/api/ris/allergies', { body: { patients: unique }, signal }))
      .then((r) => new Map(r.patients.map((p) => [keyOf(p), p as Allergies]))),
  });
  return {
    of: (p: PatientIdentifier): Allergies | undefined => query.data?.get(keyOf(p)),
    // Asked and not answered: nobody may take silence for "no allergy".
    failed: query.isError,
  };
}
