import { describe, expect, it } from 'vitest';
import { imageFailureText, syntaxName } from './messages';

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
