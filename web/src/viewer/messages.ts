// What the viewport says when an image cannot be shown: in the reader's terms (which
// encoding, what to do), not the loader's, in their language.
import i18n from '../i18n';

const SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (retired processes 3 and 5)',
  '1.2.840.10008.1.2.4.94': 'JPIP referenced pixel data',
  '1.2.840.10008.1.2.4.95': 'JPIP referenced pixel data (deflate)',
  '1.2.840.10008.1.2.4.100': 'MPEG-2 video',
  '1.2.840.10008.1.2.4.101': 'MPEG-2 video (high level)',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 video (BD-compatible)',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 video (2D)',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 video (3D)',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 stereo video',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 video',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 video (Main 10)',
};

export function syntaxName(uid: string): string {
  return SYNTAX_NAMES[uid] ?? i18n.t('viewer.image.anEncoding');
}

function detailOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  const inner = (error as { error?: unknown } | null)?.error;
  return inner !== undefined && inner !== error ? detailOf(inner) : '';
}

export function imageFailureText(error: unknown): string {
  const detail = detailOf(error);
  const syntax = /no decoder for transfer syntax\s+([\d.]+)/i.exec(detail);
  if (syntax) {
    return i18n.t('viewer.image.undecodable', { syntax: syntaxName(syntax[1]), uid: syntax[1] });
  }
  return detail ? i18n.t('viewer.image.failedBecause', { detail }) : i18n.t('viewer.image.failed');
}
