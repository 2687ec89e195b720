// What the archive said when it refused objects sent with STOW-RS (PS3.18 10.5.3): its answer
// lists each failed object with a Failure Reason (0008,1197), a DICOM status code; the reader
// gets the reason in words, not "HTTP 409".
import type { DicomJson } from './api';
import i18n from './i18n';

// Each status's words in the reader's language (archive.*).
const REASONS: Record<number, 'outOfResources' | 'mismatch' | 'unreadable' | 'processing' | 'sopClass'> = {
  0xa700: 'outOfResources', // Refused: Out of Resources
  0xa900: 'mismatch', // Error: Data Set Does Not Match SOP Class
  0xc000: 'unreadable', // Error: Cannot Understand
  0x0110: 'processing', // Processing Failure
  0x0122: 'sopClass', // Referenced SOP Class Not Supported
};

export function failureReason(code: number): string {
  const reason = REASONS[code];
  return reason ? i18n.t(`archive.${reason}`) : i18n.t('archive.code', { code: code.toString(16).toUpperCase().padStart(4, '0') });
}

// "The archive refused 1 of 1 objects: <reasons>", or null when nothing failed.
export function stowRefusal(answer: DicomJson | null, sent: number): string | null {
  const failed = (answer?.['00081198']?.Value ?? []) as DicomJson[];
  if (failed.length === 0) return null;
  const reasons = [...new Set(failed.map((item) => {
    const code = Number(item['00081197']?.Value?.[0]);
    return Number.isFinite(code) ? failureReason(code) : i18n.t('archive.noReason');
  }))];
  return i18n.t('archive.refused', { failed: failed.length, count: sent, reasons: reasons.join('; ') });
}
