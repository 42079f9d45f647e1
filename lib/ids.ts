import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Sources of identifiers and secrets; the only place random values are minted. */
export interface Ids {
  /** A random token for leases and nonces (32 hex characters). */
  token(): string;
  /** A strong random password: 20 characters from upper, lower, digits and symbols, each class present. */
  password(): string;
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=@^_';
const ALL = UPPER + LOWER + DIGITS + SYMBOLS;

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)] as string;
}

/** Random ids from `node:crypto`. */
export const cryptoIds: Ids = {
  token: () => randomBytes(16).toString('hex'),
  password: () => {
    const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS)];
    while (chars.length < 20) chars.push(pick(ALL));
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
    }
    return chars.join('');
  },
};

/**
 * The instance id for one purchase: derived from the namespace and the order (line), so that every
 * retry, replay and concurrent duplicate of the same purchase names the same instance without a
 * second item to map orders to instances. Formatted as a UUID (32 hex digits, version nibble 8).
 */
export function instanceIdFor(namespace: string, orderId: string, orderLineId: string): string {
  const hex = createHash('sha256')
    .update(`koogallery-instance\u0000${namespace}\u0000${orderId}\u0000${orderLineId}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The instance id of a License 2.0 license code: a UUID derived from the code, so that every
 * notification about one code names one record, and logs (which carry instance ids) never show
 * the buyer's code.
 */
export function licenseInstanceIdFor(licenseCode: string): string {
  const hex = createHash('sha256')
    .update(`koogallery-license-code\u0000${licenseCode}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
