// The viewer's top bar: the way back, who the patient is (and a contrast allergy, whatever the
// overlay shows), downloads, what became of saving and exporting measurements, and the toolbar.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { DicomJson } from '../api';
import { Tag, text } from '../dicom';
import type { Navigate } from '../session';
import { DownloadLinks } from '../PatientHome';
import { useAllergies } from '../ris/allergies';
import { AllergiesUnknownBadge, ContrastAllergyBadge } from '../ris/PatientBadges';
import type { OverlayMode } from './overlays';
import type { StudySave } from './saveState';

export function ViewerHeader({ study, navigate, back, simple, patient, overlay, canExport, saveState, exported, children }: {
  study: string;
  navigate: Navigate;
  back: string; // where the way back leads (the list the study was opened from)
  simple: boolean;
  patient: DicomJson | null;
  overlay: OverlayMode;
  canExport: boolean;
  saveState: StudySave;
  exported: { state: string; text: string };
  children: ReactNode; // the toolbar
}) {
  const { t } = useTranslation();
  const patientId = patient ? text(patient, Tag.PatientID) : '';
  return (
    <header className="topbar">
      <button type="button" onClick={() => navigate(back)}>{simple ? t('viewer.back.patient') : t('viewer.back.staff')}</button>
      <span data-testid="patient-banner">{patient && overlay === 'full' ? `${text(patient, Tag.PatientName)} · ${patientId}` : ''}</span>
      {/* Whatever the overlay shows: a contrast allergy is never hidden. */}
      {!simple && patientId && <PatientAllergy mrn={patientId} issuer={text(patient!, Tag.IssuerOfPatientID)} />}
      <span className="spacer" />
      {canExport && <DownloadLinks study={study} />}
      <span className={saveState.state === 'failed' ? 'error' : 'hint'} data-testid="save-state" title={saveState.detail}>
        {saveState.state === 'idle' ? '' : t(`viewer.saveState.${saveState.state}`)}
      </span>
      <span className={exported.state === 'failed' ? 'error' : 'hint'} data-testid="sr-state">{exported.text}</span>
      {children}
    </header>
  );
}

// One page whether the study does not exist or the user may not see it: the answer must not
// tell which.
export function StudyNotFound({ navigate, back }: { navigate: Navigate; back: string }) {
  const { t } = useTranslation();
  return (
    <main className="not-found" data-testid="study-not-found">
      <h1>{t('viewer.notFound.title')}</h1>
      <p>{t('viewer.notFound.body')}</p>
      <button type="button" onClick={() => navigate(back)}>{t('notFound.back')}</button>
    </main>
  );
}

// The RIS's contrast allergy of the patient the study names (by Patient ID and issuer), with the
// allergies written out for screen readers and as the badge's tooltip.
function PatientAllergy({ mrn, issuer }: { mrn: string; issuer: string }) {
  const allergies = useAllergies([{ mrn, issuer }]);
  const found = allergies.of({ mrn, issuer });
  if (allergies.failed) return <AllergiesUnknownBadge />;
  if (!found?.contrastAllergy) return null;
  return (
    <span title={found.allergies}>
      <ContrastAllergyBadge patient={found} />
      {found.allergies && <span className="sr-only">: {found.allergies}</span>}
    </span>
  );
}
