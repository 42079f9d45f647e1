import { InvalidRequestError } from '../errors';

/**
 * A UTF-16 surrogate without its other half. JSON escapes (`"\udfff"`) and platform events can
 * carry one; no UTF-8 encoder can write it, so the store, the logs and every signature over it
 * would fail or differ later. Matched on code units (no `u` flag), which is the point.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * `text` with each unpaired surrogate replaced by U+FFFD, for encoders that throw on one
 * (`encodeURIComponent`); what was signed over the original then no longer verifies.
 */
export function toWellFormedText(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}

/** Deeper than any request KooGallery sends; a deeper value is refused rather than walked. */
const MAX_DEPTH = 32;

/**
 * The path of the first string (a value or an object key) in `value` holding a lone surrogate,
 * `''` for `value` itself; undefined when every string is well-formed. Walks parsed JSON or query
 * parameters; a structure deeper than {@link MAX_DEPTH} answers its path as if ill-formed.
 */
export function illFormedPath(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return path;
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value);
  for (const [key, item] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && LONE_SURROGATE.test(key)) return at;
    const found = illFormedPath(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses (`000002`, naming the field) a request whose parsed strings are not well-formed UTF-16:
 * the one check every protocol's parsing runs (V2.0 and License 2.0 bodies, V1.0 and License 1.0
 * parameters), before any scenario reads a field (#14).
 *
 * @example assertWellFormed(JSON.parse(text)); // throws InvalidRequestError for {"orderLineId":"X\udfff"}
 */
export function assertWellFormed(value: unknown, what = 'field'): void {
  const path = illFormedPath(value);
  if (path === undefined) return;
  throw new InvalidRequestError(
    `${what} ${path || '(value)'} holds an unpaired UTF-16 surrogate; send well-formed Unicode text`,
  );
}
