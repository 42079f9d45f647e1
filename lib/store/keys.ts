/**
 * Item keys and argument checks shared by every {@link InstanceStore} implementation, so the
 * dynamoose adapter and the memory fake agree on what is one item and what is a caller's bug.
 */
import { type InstanceRecord, NAMESPACE, type Namespace } from './instance-store';

const NAMESPACES: readonly string[] = Object.values(NAMESPACE);

/** What every instance item's key starts with (and no nonce item's). */
export const INSTANCE_KEY_PREFIX = 'INSTANCE#';

/**
 * The key of an instance item: `INSTANCE#<namespace>#<instanceId>`. The namespace never contains
 * `#`, so the key is unambiguous whatever the instance id holds.
 */
export function instanceKey(namespace: Namespace, instanceId: string): string {
  if (!NAMESPACES.includes(namespace)) {
    throw new RangeError(`unknown namespace "${namespace}"`);
  }
  return `${INSTANCE_KEY_PREFIX}${namespace}#${instanceId}`;
}

/** What every nonce item's key starts with (see {@link nonceKey}). */
export const NONCE_KEY_PREFIX = 'NONCE#';

/**
 * The key of a nonce item: `NONCE#<family>#<nonce>`. A family containing `#` is refused: it would
 * make `("a#b", "c")` and `("a", "b#c")` the same item.
 */
export function nonceKey(family: string, nonce: string): string {
  if (family === '' || family.includes('#')) {
    throw new RangeError(`nonce family "${family}" must be non-empty and must not contain "#"`);
  }
  if (nonce === '') throw new RangeError('nonce must be non-empty');
  return `${NONCE_KEY_PREFIX}${family}#${nonce}`;
}

/** Refuses a record `createInstance` must not write (the port requires version 1). */
export function assertCreatable(record: InstanceRecord): void {
  if (record.version !== 1) {
    throw new RangeError(`createInstance needs version 1, got ${record.version}`);
  }
}

/** Refuses a record `updateInstance` must not write (its version follows a stored one). */
export function assertUpdatable(record: InstanceRecord): void {
  if (!Number.isSafeInteger(record.version) || record.version < 2) {
    throw new RangeError(`updateInstance needs a version of 2 or more, got ${record.version}`);
  }
}

/** Refuses a nonce expiry that is not a finite number of epoch milliseconds. */
export function assertExpiry(expiresAtMs: number): void {
  if (!Number.isFinite(expiresAtMs) || expiresAtMs < 0) {
    throw new RangeError(`nonce expiry must be epoch milliseconds, got ${expiresAtMs}`);
  }
}
