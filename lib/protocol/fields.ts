import { InvalidRequestError } from '../errors';

/**
 * Readers of one field of a parsed JSON body, shared by the JSON protocols (SaaS V2.0, License 2.0)
 * and the V1.0 query parameters: each failure throws `InvalidRequestError` naming the field.
 */

/** The maximum length of a field and whether it must be present. */
export type FieldSpec = { max: number; required: boolean };

/** Characters refused in identifiers: control characters can break logs and keys. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Reads an optional or required string field: present, a string, within `spec.max`, without
 * control characters; throws `InvalidRequestError` naming the field. Shared by the JSON protocols.
 */
export function readString(
  body: Record<string, unknown>,
  name: string,
  spec: FieldSpec,
): string | undefined {
  if (!Object.hasOwn(body, name) || body[name] === null || body[name] === undefined) {
    if (spec.required) throw new InvalidRequestError(`missing required field: ${name}`);
    return undefined;
  }
  const value = body[name];
  if (typeof value !== 'string') throw new InvalidRequestError(`field ${name} must be a string`);
  if (spec.required && value.trim() === '') {
    throw new InvalidRequestError(`missing required field: ${name} (empty)`);
  }
  if (value.length > spec.max) {
    throw new InvalidRequestError(`field ${name} is longer than ${spec.max} characters`);
  }
  if (CONTROL.test(value))
    throw new InvalidRequestError(`field ${name} contains control characters`);
  return value;
}

/**
 * Reads the `testFlag` of a V2.0 or License 2.0 JSON body: "1" is a debug or probe call, absent or
 * "0" a real one (docs/protocol.md, decision 8). V1.0 and License 1.0 calls must carry it instead
 * (refused in `front-ends/v1-transport.ts`, #14). The number 1 or 0 reads the same: the documents call it a string, but their examples
 * are not all quoted.
 */
export function readTestFlag(body: Record<string, unknown>): boolean {
  const raw = body.testFlag;
  if (typeof raw === 'number') {
    if (raw === 1) return true;
    if (raw === 0) return false;
    throw new InvalidRequestError('field testFlag must be "0" or "1"');
  }
  const flag = readString(body, 'testFlag', { max: 2, required: false });
  if (flag === undefined || flag === '' || flag === '0') return false;
  if (flag === '1') return true;
  throw new InvalidRequestError('field testFlag must be "0" or "1"');
}

/** Checks that `value` is one of `allowed`; throws `InvalidRequestError` naming the field. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidRequestError(`field ${field} must be one of ${allowed.join(', ')}`);
}

/** Reads the `activity` of a parsed body, or undefined when it has none that is a string. */
export function activityOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const a = (body as Record<string, unknown>).activity;
  return typeof a === 'string' ? a : undefined;
}
