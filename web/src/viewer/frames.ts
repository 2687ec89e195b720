// What a frame request asks for and what its answer says (kept apart from Cornerstone, so
// that it is tested on its own).

// Each frame as a single part payload, as stored (PS3.18 8.6; the archive offers it for one
// frame): its body is the frame, with nothing to search or copy out.
export const FRAME_ACCEPT = 'application/octet-stream; transfer-syntax=*';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

// The transfer syntax a frame answer names ("...; transfer-syntax=1.2.840.10008.1.2.4.80").
export function frameTransferSyntax(contentType: string | null): string {
  const m = /transfer-syntax\s*=\s*"?([0-9.]+)"?/i.exec(contentType ?? '');
  return m ? m[1] : EXPLICIT_VR_LITTLE_ENDIAN;
}

// A failed request, as the viewport reports it.
export class FrameRequestError extends Error {
  constructor(readonly status: number) {
    super(status ? `the archive answered HTTP ${status}` : 'the archive could not be reached');
  }
}

