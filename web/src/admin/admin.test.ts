import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { formatBytes, storageWarning } from './AdminStatus';
import { describeScopes } from './AdminTokens';
import { adminPagesFor } from './AdminNav';

const session = (permissions: string[]) => ({ username: 'x', roles: [], permissions, totpEnrolmentRequired: false });

describe('administration pages', () => {
  it('offers each page only to the permission that opens it', () => {
    expect(adminPagesFor(session(['audit.read'])).map((p) => p.path)).toEqual(['/admin/audit']);
    expect(adminPagesFor(session(['archive.admin', 'users.admin'])).map((p) => p.path))
      .toEqual(['/admin/users', '/admin/tokens', '/admin/peers', '/admin/status']);
    expect(adminPagesFor(session(['archive.read']))).toEqual([]);
  });

  it('warns before the store is full, and says when it is', () => {
    const floor = 100e6;
    expect(storageWarning({ archiveBytes: 1, freeBytes: 10 * floor, minFreeBytes: floor })).toBeNull();
    expect(storageWarning({ archiveBytes: 1, freeBytes: 1.5 * floor, minFreeBytes: floor })).toMatch(/nearly full/);
    expect(storageWarning({ archiveBytes: 1, freeBytes: floor - 1, minFreeBytes: floor })).toMatch(/refused/);
    expect(storageWarning({ archiveBytes: 1, freeBytes: null, minFreeBytes: floor })).toMatch(/cannot be read/);
  });

  it('writes sizes in binary units and permissions in words', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100 MiB');
    expect(formatBytes(1.5 * 1024 ** 3).replace(/\s/g, ' ')).toMatch(/^1[.,]5 GiB$/);
    expect(describeScopes(['*'])).toBe('Everything the account may do');
    expect(describeScopes(['archive.read', 'archive.export'])).toBe('Find and read studies, Download DICOM files');
  });
});
