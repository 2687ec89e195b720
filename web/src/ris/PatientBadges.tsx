// What must be seen wherever a patient appears: a contrast allergy.
import { useTranslation } from 'react-i18next';
import type { Patient } from './types';

export function ContrastAllergyBadge({ patient }: { patient: Pick<Patient, 'contrastAllergy'> }) {
  const { t } = useTranslation();
  if (!patient.contrastAllergy) return null;
  return <span className="badge danger" data-testid="contrast-allergy">⚠ {t('patients.contrastAllergy')}</span>;
}
