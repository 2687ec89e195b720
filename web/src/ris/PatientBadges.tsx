// What must be seen wherever a patient appears: a contrast allergy.
import { useTranslation } from 'react-i18next';
import type { Patient } from './types';

export function ContrastAllergyBadge({ patient }: { patient: Pick<Patient, 'contrastAllergy'> }) {
  const { t } = useTranslation();
  if (!patient.contrastAllergy) return null;
  return <span className="badge danger" data-testid="contrast-allergy">⚠ {t('patients.contrastAllergy')}</span>;
}

// The RIS could not be asked (a study list or a viewer): said, never taken for "no allergy".
export function AllergiesUnknownBadge() {
  const { t } = useTranslation();
  return <span className="badge warn" data-testid="allergies-unknown" title={t('patients.allergiesUnknownHint')}>
    ? {t('patients.allergiesUnknown')}<span className="sr-only">: {t('patients.allergiesUnknownHint')}</span>
  </span>;
}

// A registration merged into another: found by its MRN, but the patient's record is the other.
export function MergedBadge({ patient }: { patient: Pick<Patient, 'mergedInto'> }) {
  const { t } = useTranslation();
  if (!patient.mergedInto) return null;
  return <span className="badge merged" data-testid="merged-badge">{t('merge.badge')}</span>;
}
