import { describe, expect, it } from 'vitest';
import { readableName } from './distinguishedName';

describe('a certificate name as read', () => {
  it('is the common name, with the organization', () => {
    expect(readableName('serialNumber=IDCES-12345678Z,CN=Laia Ferrer i Puig,C=ES')).toBe('Laia Ferrer i Puig');
    expect(readableName('CN=COMB Signatura Professional,O=Col·legi Oficial de Metges de Barcelona,C=ES'))
      .toBe('COMB Signatura Professional (Col·legi Oficial de Metges de Barcelona)');
  });
  it('keeps escaped commas and falls back to the whole name', () => {
    expect(readableName('CN=Serra\\, Joan,O=Clínica Diagonal')).toBe('Serra, Joan (Clínica Diagonal)');
    expect(readableName('no name here')).toBe('no name here');
  });
});
