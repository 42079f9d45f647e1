import { randomBytes } from 'node:crypto';
import { createCredentialsVault } from '../../lib/credentials-vault';

describe('credentials vault: sealed text (#14)', () => {
  const key = randomBytes(32);

  it('seals a license so the stored value never shows it, and opens it again', () => {
    const vault = createCredentialsVault({ key });
    const license = 'KG1.eyJpbnN0YW5jZUlkIjoiaS0xIn0.c2lnbmF0dXJl';

    const sealed = vault.sealText(license);

    expect(sealed).not.toContain(license);
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(vault.openText(sealed)).toBe(license);
    expect(vault.sealText(license)).not.toBe(sealed);
  });

  it('refuses a value sealed under a key it does not hold, or tampered with', () => {
    const vault = createCredentialsVault({ key });
    const other = createCredentialsVault({ key: randomBytes(32) });
    const sealed = vault.sealText('PL123456');
    const [v, id, iv, data, tag] = sealed.split('.');
    const flipped = Buffer.from(data as string, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;

    expect(() => other.openText(sealed)).toThrow(/not configured/);
    expect(() => vault.openText([v, id, iv, flipped.toString('base64'), tag].join('.'))).toThrow();
  });
});
