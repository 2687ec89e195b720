// What the archive said when it refused objects sent with STOW-RS (PS3.18 10.5.3): its answer
// lists each failed object with a Failure Reason (0008,1197), a DICOM status code; the reader
// gets the reason in words, not "HTTP 409".
import type { DicomJson } from './api';

const REASONS: Record<number, string> = {
  0xa700: 'the archive is out of resources (storage full or not writable)',
  0xa900: 'the object does not match its SOP class or lacks a required attribute',
  0xc000: 'the archive cannot read the object',
  0x0110: 'the archive failed to process it',
  0x0122: 'the archive does not take this kind of object (SOP class)',
};

export function failureReason(code: number): string {
  return REASONS[code] ?? `failure reason 0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

// "The archive refused 1 of 1 objects: <reasons>", or null when nothing failed.
export function stowRefusal(answer: DicomJson | null, sent: number): string | null {
  const failed = (answer?.['00081198']?.Value ?? []) as DicomJson[];
  if (failed.length === 0) return null;
  const reasons = [...new Set(failed.map((item) => {
    const code = Number(item['00081197']?.Value?.[0]);
    return Number.isFinite(code) ? failureReason(code) : 'no reason given';
  }))];
  return `the archive refused ${failed.length} of ${sent} objects: ${reasons.join('; ')}`;
}
