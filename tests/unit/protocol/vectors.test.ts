import { createHash, createHmac } from 'node:crypto';
import { bodySign, verifyBodySign } from '../../../lib/protocol/body-sign';
import {
  decryptCredential,
  deriveAesKey,
  encryptCredential,
} from '../../../lib/protocol/credential-cipher';
import { signRequest, verifyRequestSignature } from '../../../lib/protocol/request-signature';
import { loadVectors } from '../../helpers/vectors';

const vectors = loadVectors();

describe('signRequest', () => {
  it.each(vectors.saasV2RequestSignature.map((v) => [v.nonce.slice(0, 8), v]))(
    'reproduces the independent vector %s',
    (_name, v) => {
      const inner = createHmac('sha256', v.accessKey)
        .update(Buffer.from(v.body, 'utf8'))
        .digest('hex');
      expect(inner).toBe(v.innerHexLower);
      expect(signRequest(v.accessKey, v.nonce, v.timestamp, Buffer.from(v.body, 'utf8'))).toBe(
        v.signature,
      );
    },
  );

  it('accepts each vector through verifyRequestSignature, lower-case hex included', () => {
    for (const v of vectors.saasV2RequestSignature) {
      const verdict = verifyRequestSignature(
        {
          signature: v.signature.toLowerCase(),
          timestamp: v.timestamp,
          nonce: v.nonce,
          body: Buffer.from(v.body),
        },
        ['another-key', v.accessKey],
        Number(v.timestamp) + 1000,
        60_000,
      );
      expect(verdict).toEqual({
        ok: true,
        key: v.accessKey,
        keyIndex: 1,
        timestampMs: Number(v.timestamp),
        bodyDigest: 'hmac',
      });
    }
  });

  it('refuses a vector whose body lost one byte', () => {
    const v = vectors.saasV2RequestSignature[0];
    if (!v) throw new Error('no vector');
    const verdict = verifyRequestSignature(
      {
        signature: v.signature,
        timestamp: v.timestamp,
        nonce: v.nonce,
        body: Buffer.from(v.body.slice(1)),
      },
      [v.accessKey],
      Number(v.timestamp),
      60_000,
    );
    expect(verdict).toEqual({ ok: false, reason: 'signature mismatch' });
  });
});

/**
 * The plain SHA-256 reading of the inner digest (#9 §4), computed here with node:crypto alone:
 * `HEX(HMAC(key, key + nonce + timestamp + lowerhex(SHA256(rawBody))))`.
 */
function sha256Reading(v: { accessKey: string; nonce: string; timestamp: string; body: string }) {
  const inner = createHash('sha256').update(Buffer.from(v.body, 'utf8')).digest('hex');
  return createHmac('sha256', v.accessKey)
    .update(`${v.accessKey}${v.nonce}${v.timestamp}${inner}`, 'utf8')
    .digest('hex')
    .toUpperCase();
}

describe('verifyRequestSignature with both readings of the inner digest (#9)', () => {
  const verify = (
    v: (typeof vectors.saasV2RequestSignature)[number],
    signature: string,
    keys: string[],
    setting?: 'auto' | 'hmac' | 'sha256',
  ) =>
    verifyRequestSignature(
      { signature, timestamp: v.timestamp, nonce: v.nonce, body: Buffer.from(v.body, 'utf8') },
      keys,
      Number(v.timestamp),
      60_000,
      setting,
    );

  it.each(vectors.saasV2RequestSignature.map((v) => [v.nonce.slice(0, 8), v]))(
    'signs and accepts the independently computed SHA-256 reading of vector %s',
    (_name, v) => {
      // Arrange
      const expected = sha256Reading(v);

      // Act
      const signed = signRequest(v.accessKey, v.nonce, v.timestamp, Buffer.from(v.body), 'sha256');
      const verdict = verify(v, expected, ['another-key', v.accessKey]);

      // Assert
      expect(signed).toBe(expected);
      expect(expected).not.toBe(v.signature);
      expect(verdict).toEqual({
        ok: true,
        key: v.accessKey,
        keyIndex: 1,
        timestampMs: Number(v.timestamp),
        bodyDigest: 'sha256',
      });
    },
  );

  it('says which reading matched and honours a pinned reading', () => {
    const v = vectors.saasV2RequestSignature[0];
    if (!v) throw new Error('no vector');
    const sha = sha256Reading(v);

    expect(verify(v, v.signature, [v.accessKey], 'auto')).toMatchObject({ bodyDigest: 'hmac' });
    expect(verify(v, v.signature, [v.accessKey], 'hmac')).toMatchObject({ bodyDigest: 'hmac' });
    expect(verify(v, sha, [v.accessKey], 'sha256')).toMatchObject({ bodyDigest: 'sha256' });
    expect(verify(v, sha, [v.accessKey], 'hmac')).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(verify(v, v.signature, [v.accessKey], 'sha256')).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('refuses a wrong key under both readings', () => {
    for (const v of vectors.saasV2RequestSignature) {
      const wrong = `${v.accessKey}-wrong`;
      for (const setting of ['auto', 'hmac', 'sha256'] as const) {
        expect(verify(v, v.signature, [wrong], setting).ok).toBe(false);
        expect(verify(v, sha256Reading(v), [wrong], setting).ok).toBe(false);
      }
      const signedWithWrong = sha256Reading({ ...v, accessKey: wrong });
      expect(verify(v, signedWithWrong, [v.accessKey]).ok).toBe(false);
    }
  });
});

describe('bodySign', () => {
  it.each(vectors.bodySign.map((v) => [v.accessKey, v]))(
    'reproduces the vector for key %s',
    (_k, v) => {
      expect(bodySign(v.accessKey, v.body)).toBe(v.header);
      expect(verifyBodySign(v.header, v.accessKey, v.body)).toEqual({ ok: true });
      expect(verifyBodySign(v.header, `${v.accessKey}x`, v.body).ok).toBe(false);
    },
  );
});

describe('credential encryption', () => {
  it.each(vectors.credentialEncryption.map((v) => [`${v.accessKey}/${v.encryptType}`, v]))(
    'reproduces the vector %s',
    (_name, v) => {
      expect(deriveAesKey(v.accessKey, v.encryptType).toString('hex')).toBe(v.aesKeyHex);
      expect(encryptCredential(v.plain, v.accessKey, v.encryptType, v.iv)).toBe(v.value);
      expect(decryptCredential(v.value, v.accessKey, v.encryptType)).toBe(v.plain);
    },
  );

  it('round-trips with a random IV and fails with another key', () => {
    const value = encryptCredential('P@ss w0rd!', 'key-one');
    expect(value).toMatch(/^[A-Za-z0-9]{16}/);
    expect(decryptCredential(value, 'key-one')).toBe('P@ss w0rd!');
    let other: string | undefined;
    try {
      other = decryptCredential(value, 'key-two');
    } catch {
      other = undefined;
    }
    expect(other).not.toBe('P@ss w0rd!');
  });
});
