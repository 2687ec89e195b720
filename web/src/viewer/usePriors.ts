// The patient's other studies, to compare with the one open: listed once the first image is
// drawn (by Patient ID and its issuer: a namesake of another hospital is not offered), and
// each prior's image series read when it is compared.
import { useCallback, useEffect, useState } from 'react';
import type { DicomJson } from '../api';
import { Tag, text } from '../dicom';
import { type SeriesInfo, isImageSeries, otherStudies, seriesOf } from '../studyData';

export interface Priors {
  priors: DicomJson[]; // the other studies (QIDO-RS results)
  priorSeries: Record<string, SeriesInfo[]>; // by prior: its image series, once compared
  load: (prior: string) => Promise<SeriesInfo[]>; // a prior's image series (rejects when unreadable)
}

export function usePriors(study: string, patient: DicomJson | null, settled: boolean, simple: boolean): Priors {
  const [priors, setPriors] = useState<DicomJson[]>([]);
  const [priorSeries, setPriorSeries] = useState<Record<string, SeriesInfo[]>>({});
  const patientId = patient ? text(patient, Tag.PatientID) : '';
  const patientIssuer = patient ? text(patient, Tag.IssuerOfPatientID) : '';
  useEffect(() => {
    if (!settled || simple) return;
    let gone = false;
    otherStudies({ id: patientId, issuer: patientIssuer }, study).then((list) => !gone && setPriors(list), () => undefined);
    return () => {
      gone = true;
    };
  }, [patientId, patientIssuer, study, settled, simple]);
  const load = useCallback(async (prior: string) => {
    const list = priorSeries[prior] ?? (await seriesOf(prior)).filter(isImageSeries);
    setPriorSeries((p) => ({ ...p, [prior]: list }));
    return list;
  }, [priorSeries]);
  return { priors, priorSeries, load };
}
