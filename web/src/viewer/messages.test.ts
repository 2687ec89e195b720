import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { imageFailureText, syntaxName } from './messages';
import { FrameRequestError, frameOf, frameTransferSyntax } from './frames';

describe('image failure messages', () => {
  it('names an encoding the browser cannot decode, and what to do', () => {
    const text = imageFailureText(new Error('No decoder for transfer syntax 1.2.840.10008.1.2.4.102'));
    expect(text).toContain('MPEG-4 AVC/H.264 video');
    expect(text).toContain('1.2.840.10008.1.2.4.102');
    expect(text).toContain('cannot decode');
    expect(text).not.toContain('No decoder');
  });
  it('finds the reason inside a loader event detail', () => {
    expect(imageFailureText({ error: 'No decoder for transfer syntax 1.2.3.4' })).toContain('an encoding (transfer syntax 1.2.3.4)');
  });
  it('says plainly that other failures concern this image only', () => {
    expect(imageFailureText(new Error('integrity check failed'))).toBe(
      'This image cannot be shown: integrity check failed. The other images of the series still can.');
    expect(imageFailureText(undefined)).toBe('This image cannot be shown. The other images of the series still can.');
    expect(syntaxName('1.2.840.10008.1.2.4.100')).toBe('MPEG-2 video');
  });
});

describe('frame answers', () => {
  it('reads the transfer syntax a frame is sent in, uncompressed when it says none', () => {
    expect(frameTransferSyntax('image/jls; transfer-syntax=1.2.840.10008.1.2.4.80')).toBe('1.2.840.10008.1.2.4.80');
    expect(frameTransferSyntax('application/octet-stream; transfer-syntax="1.2.840.10008.1.2.1"')).toBe('1.2.840.10008.1.2.1');
    expect(frameTransferSyntax('application/octet-stream')).toBe('1.2.840.10008.1.2.1');
    expect(frameTransferSyntax(null)).toBe('1.2.840.10008.1.2.1');
  });
  it('says which answer a failed frame request had', () => {
    expect(imageFailureText(new FrameRequestError(500))).toBe(
      'This image cannot be shown: the archive answered HTTP 500. The other images of the series still can.');
    expect(imageFailureText(new FrameRequestError(0))).toContain('the archive could not be reached');
    expect(imageFailureText(new FrameRequestError(401))).toContain('your session has ended; sign in again');
    expect(imageFailureText(new FrameRequestError(404))).toContain('no longer has this image');
  });
});

describe('the frame in an answer', () => {
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  it('takes a single part as it is', () => {
    const body = bytes('\x01\x02\x03');
    const got = frameOf(body, 'image/jls; transfer-syntax=1.2.840.10008.1.2.4.80');
    expect(got.bytes).toBe(body);
    expect(got.type).toBe('image/jls; transfer-syntax=1.2.840.10008.1.2.4.80');
  });
  it('finds the one part of a multipart answer, with its own type', () => {
    const frame = '\r\n--xyz\r\nnot the end\x00\xff';
    const body = bytes(`--xyz\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\n${frame}\r\n--xyz--\r\n`);
    const got = frameOf(body, 'multipart/related; type="application/octet-stream"; boundary=xyz');
    expect(Array.from(got.bytes)).toEqual(Array.from(bytes(frame)));
    expect(frameTransferSyntax(got.type)).toBe('1.2.840.10008.1.2.1');
  });
  it('refuses a multipart answer it cannot read', () => {
    expect(() => frameOf(bytes('garbage'), 'multipart/related; boundary=xyz')).toThrow(/cannot be read/);
  });
});
