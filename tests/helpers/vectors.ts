import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The known-answer vectors computed by an independent implementation, kept in the repository at
 * `tests/fixtures/vectors.json` (see docs/protocol.md#known-answer-vectors).
 */
export interface Vectors {
  saasV2RequestSignature: {
    accessKey: string;
    timestamp: string;
    nonce: string;
    body: string;
    innerHexLower: string;
    signature: string;
  }[];
  bodySign: { accessKey: string; body: string; header: string }[];
  credentialEncryption: {
    accessKey: string;
    encryptType: '1' | '2';
    aesKeyHex: string;
    iv: string;
    plain: string;
    value: string;
  }[];
  v1AuthToken: {
    accessKey: string;
    params: Record<string, string>;
    authToken: string;
    query: string;
  }[];
  apigAkSk: {
    ak: string;
    sk: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string;
    authorization: string;
  }[];
}

/** Loads the known-answer vectors from the repository's own fixtures. */
export function loadVectors(): Vectors {
  const file = join(__dirname, '..', 'fixtures', 'vectors.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Vectors;
}
