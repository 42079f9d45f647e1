/**
 * The simulator's own cryptography (#10), pinned by the known-answer vectors an independent
 * implementation computed, so neither the simulator nor the function can share a bug with the
 * other unseen; the SHA-256 reading of the V2.0 inner digest (#9) is computed here with
 * node:crypto alone.
 */
import { createCipheriv, createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import {
  BODY_SIGN_HEADER,
  bodySignMatches,
  decryptAppInfoValue,
  javaSha1Prng,
  verifyDefaultLicense,
} from '../../../lib/sim/answer-crypto';
import { v1TimeStamp, v1Token, v2Signature } from '../../../lib/sim/signing';
import { loadVectors } from '../../helpers/vectors';

const vectors = loadVectors();

describe('v2Signature', () => {
  it.each(vectors.saasV2RequestSignature.map((v) => [v.nonce.slice(0, 8), v]))(
    'reproduces the independent vector %s (access-key HMAC reading, the default)',
    (_name, v) => {
      expect(v2Signature(v.accessKey, v.nonce, v.timestamp, v.body)).toBe(v.signature);
      expect(v2Signature(v.accessKey, v.nonce, v.timestamp, Buffer.from(v.body), 'hmac')).toBe(
        v.signature,
      );
    },
  );

  it.each(vectors.saasV2RequestSignature.map((v) => [v.nonce.slice(0, 8), v]))(
    'signs vector %s with a plain SHA-256 inner digest under the sha256 reading (#9)',
    (_name, v) => {
      // Arrange: the reading computed with node:crypto directly
      const inner = createHash('sha256').update(v.body, 'utf8').digest('hex');
      const expected = createHmac('sha256', v.accessKey)
        .update(v.accessKey + v.nonce + v.timestamp + inner)
        .digest('hex')
        .toUpperCase();

      // Act
      const signature = v2Signature(v.accessKey, v.nonce, v.timestamp, v.body, 'sha256');

      // Assert
      expect(signature).toBe(expected);
      expect(signature).not.toBe(v.signature);
    },
  );
});

describe('v1Token and v1TimeStamp', () => {
  it.each(vectors.v1AuthToken.map((v) => [v.params.activity, v]))(
    'reproduces the independent %s vector',
    (_name, v) => {
      expect(v1Token(v.accessKey, v.params)).toBe(v.authToken);
      expect(v1Token(v.accessKey, { ...v.params, authToken: 'ignored' })).toBe(v.authToken);
    },
  );

  it('formats epoch ms as UTC yyyyMMddHHmmssSSS', () => {
    expect(v1TimeStamp(Date.UTC(2020, 6, 27, 7, 37, 11, 903))).toBe('20200727073711903');
    expect(v1TimeStamp(Date.UTC(2001, 0, 2, 3, 4, 5, 6))).toBe('20010102030405006');
  });
});

describe('bodySignMatches', () => {
  it.each(vectors.bodySign.map((v) => [v.accessKey, v]))(
    'accepts the vector for key %s and refuses another key or body',
    (_key, v) => {
      expect(BODY_SIGN_HEADER).toBe('Body-Sign');
      expect(bodySignMatches(v.header, v.accessKey, v.body)).toBe(true);
      expect(bodySignMatches(v.header, v.accessKey, Buffer.from(v.body))).toBe(true);
      expect(bodySignMatches(v.header, `${v.accessKey}x`, v.body)).toBe(false);
      expect(bodySignMatches(v.header, v.accessKey, `${v.body} `)).toBe(false);
    },
  );

  it('refuses a missing header, another sign_type and unquoted values', () => {
    const v = vectors.bodySign[0];
    if (!v) throw new Error('no vector');
    expect(bodySignMatches(undefined, v.accessKey, v.body)).toBe(false);
    expect(bodySignMatches(v.header.replace('HMAC-SHA256', 'HMAC-SHA1'), v.accessKey, v.body)).toBe(
      false,
    );
    expect(bodySignMatches(v.header.replace(/"/g, ''), v.accessKey, v.body)).toBe(false);
  });
});

describe('decryptAppInfoValue', () => {
  it.each(vectors.credentialEncryption.map((v) => [`${v.accessKey}/${v.encryptType}`, v]))(
    'derives the key and decrypts the independent vector %s',
    (_name, v) => {
      const bytes = v.encryptType === '2' ? 16 : 32;
      expect(javaSha1Prng(Buffer.from(v.accessKey, 'utf8'), bytes).toString('hex')).toBe(
        v.aesKeyHex,
      );
      expect(decryptAppInfoValue(v.value, v.accessKey, v.encryptType)).toBe(v.plain);
    },
  );

  it('throws for a value encrypted under another key', () => {
    // Arrange: AES-256-CBC under a key that is not the access key's
    const key = Buffer.alloc(32, 7);
    const iv = 'ABCDEFGH12345678';
    const cipher = createCipheriv('aes-256-cbc', key, Buffer.from(iv));
    const value = iv + Buffer.concat([cipher.update('secret'), cipher.final()]).toString('base64');

    // Act / Assert: wrong padding, or (rarely) unreadable text; never the plain value
    let clear: string | undefined;
    try {
      clear = decryptAppInfoValue(value, 'TestAccessKey-0123456789abcdef', '1');
    } catch {
      clear = undefined;
    }
    expect(clear).not.toBe('secret');
  });
});

describe('verifyDefaultLicense', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');

  /** A license in the documented format, built here from its description. */
  function license(payload: object, key = privateKey): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const signature = sign(null, Buffer.from(`KG1.${body}`), key).toString('base64url');
    return `KG1.${body}.${signature}`;
  }

  it('returns the claims of a license signed with the matching key', () => {
    const claims = verifyDefaultLicense(
      license({ v: 1, instanceId: 'i-1', expireTime: '2030-01-01T00:00:00.000Z', test: true }),
      publicKey,
    );

    expect(claims).toEqual({
      instanceId: 'i-1',
      expireTime: '2030-01-01T00:00:00.000Z',
      test: true,
    });
  });

  it('refuses another key, another prefix and a tampered payload', () => {
    const good = license({ v: 1, instanceId: 'i-1' });
    const [, body, sig] = good.split('.');
    const tampered = `KG1.${Buffer.from('{"v":1,"instanceId":"i-2"}').toString('base64url')}.${sig}`;

    expect(
      verifyDefaultLicense(license({ v: 1, instanceId: 'i-1' }, other.privateKey), publicKey),
    ).toBeUndefined();
    expect(verifyDefaultLicense(`KG2.${body}.${sig}`, publicKey)).toBeUndefined();
    expect(verifyDefaultLicense(tampered, publicKey)).toBeUndefined();
    expect(verifyDefaultLicense('not a license', publicKey)).toBeUndefined();
  });
});
