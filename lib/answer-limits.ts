/**
 * KooGallery's documented maxima for the fields of an answer (docs/protocol.md#answer-field-limits),
 * one table for every protocol (SaaS V2.0, V1.0, License 1.0 and 2.0): the debugger and the probes
 * refuse an answer with a longer field, so a field that cannot fit is never sent. Lengths count
 * UTF-16 code units, as KooGallery's Java `String.length()` does, on the value as sent (credentials
 * after encryption, IV included).
 *
 * Scenarios use it to refuse a provisioner's delivery info where it is produced (provisioning.ts);
 * the front ends check every answer against it on the way out (wire-answers.ts). Pure arithmetic:
 * no wire format is imported, so both layers may use it.
 */

/**
 * Each limited answer field by its path in the answer body: `info[]` entries and the V1.0 purchase
 * answer share the `instanceId` and `appInfo.*` rows; `usageInfo.*` are the fields of each
 * `info[].usageInfo[]` entry (pay-per-use and packages). `appInfo.memo` is counted as sent
 * ({@link SENT_AS_ESCAPED}).
 */
export const ANSWER_FIELD_LIMITS = {
  /** Always 6 digits: every code this project answers is one (a seller's odd code is refused). */
  resultCode: 6,
  resultMsg: 255,
  instanceId: 64,
  'appInfo.frontEndUrl': 512,
  'appInfo.adminUrl': 512,
  'appInfo.userName': 128,
  'appInfo.password': 128,
  'appInfo.memo': 1024,
  'usageInfo.relatedInstanceId': 64,
  'usageInfo.usageValue': 20,
  'usageInfo.statisticalTime': 20,
  'usageInfo.dashboardUrl': 512,
} as const;
/** One limited field of {@link ANSWER_FIELD_LIMITS}. */
export type LimitedField = keyof typeof ANSWER_FIELD_LIMITS;

/**
 * Fields counted as written on the wire, where every non-ASCII character is a 6-character `\uXXXX`
 * escape: KooGallery asks for `memo`'s non-ASCII text escaped and does not say whether its 1024
 * counts the escapes, so the count that fits either reading is used.
 */
export const SENT_AS_ESCAPED: ReadonlySet<string> = new Set(['appInfo.memo']);

/** The length of `text` as written on the wire: each UTF-16 unit above `~` as a `\uXXXX` escape. */
export function sentLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) n += text.charCodeAt(i) > 0x7e ? 6 : 1;
  return n;
}

/** The length a limited field counts: as sent for {@link SENT_AS_ESCAPED}, else UTF-16 units. */
function countedLength(field: string, text: string): number {
  return SENT_AS_ESCAPED.has(field) ? sentLength(text) : text.length;
}

/** The fields a limit problem can name: a limited field, possibly with its position. */
export interface FieldProblem {
  /** The field's path in the answer, e.g. `info[0].appInfo.password`. */
  field: string;
  /** The documented maximum it breaks. */
  limit: number;
  /** What is wrong and what to do, never the value itself. */
  problem: string;
}

/** The length of an encrypted credential: a 16-character IV, then base64 of the PKCS#5 ciphertext. */
export function encryptedCredentialLength(plaintextBytes: number): number {
  // AES-CBC (128 or 256: the block is 16 bytes either way) with PKCS#5 padding always adds 1 to 16
  // bytes, so the ciphertext is the next multiple of 16 above the plaintext.
  const cipherBytes = 16 * (Math.floor(plaintextBytes / 16) + 1);
  return 16 + 4 * Math.ceil(cipherBytes / 3);
}

/**
 * The most UTF-8 bytes a user name or password may have to fit in 128 characters once encrypted:
 * 79, for both `encryptType` "1" and "2" (80 bytes pad to 96, whose base64 is 128, plus the IV).
 */
export const MAX_ENCRYPTED_CREDENTIAL_BYTES: number = (() => {
  let bytes = 0;
  while (encryptedCredentialLength(bytes + 1) <= ANSWER_FIELD_LIMITS['appInfo.password']) bytes++;
  return bytes;
})();

/** True for a UTF-16 high (leading) surrogate code unit. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * `text` cut to at most `max` UTF-16 code units, ending with `marker` when cut, and never between
 * the two halves of a surrogate pair (KooGallery would read a lone half as a malformed string).
 *
 * @example shorten('x'.repeat(300), 255).length // 255, ending in '...'
 */
export function shorten(text: string, max: number, marker = '...'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return `${text.slice(0, end)}${marker}`.slice(0, max);
}

/** A `resultMsg` that fits its 255 characters (shortened safely when longer). */
export function fitResultMsg(message: string): string {
  return shorten(message, ANSWER_FIELD_LIMITS.resultMsg);
}

/** How credentials leave: encrypted (`encryptType` "1" or "2") or in plain text. */
export interface CredentialMode {
  credentialsPlaintext: boolean;
}

/** The delivery info fields a provisioner returns (the shape of `AppInfo`, without importing it). */
interface DeliveryFields {
  frontEndUrl?: unknown;
  adminUrl?: unknown;
  userName?: unknown;
  password?: unknown;
  memo?: unknown;
}

/** What to do about a delivery info field that is too long. */
const FIX_PROVISIONER = 'return a shorter value from the provisioner';

function tooLong(field: string, limit: number, length: number, fix: string): FieldProblem {
  return {
    field,
    limit,
    problem: `${field} is ${length} characters; KooGallery accepts at most ${limit}: ${fix}`,
  };
}

/**
 * The problems of a provisioner's delivery info before it is stored: each field over its limit, a
 * missing `frontEndUrl`, and a user name or password that would exceed 128 characters once encrypted
 * (more than {@link MAX_ENCRYPTED_CREDENTIAL_BYTES} UTF-8 bytes), or in plain text more than 128
 * characters. Empty when the info can be sent as it is.
 */
export function deliveryProblems(info: DeliveryFields, mode: CredentialMode): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (typeof info.frontEndUrl !== 'string' || info.frontEndUrl === '') {
    out.push({
      field: 'appInfo.frontEndUrl',
      limit: ANSWER_FIELD_LIMITS['appInfo.frontEndUrl'],
      problem:
        'appInfo.frontEndUrl is missing; KooGallery requires it: return the URL buyers sign in at',
    });
  }
  for (const name of ['frontEndUrl', 'adminUrl', 'memo'] as const) {
    const value = info[name];
    const field = `appInfo.${name}` as const;
    const limit = ANSWER_FIELD_LIMITS[field];
    const length = typeof value === 'string' ? countedLength(field, value) : 0;
    if (length > limit) out.push(tooLong(field, limit, length, FIX_PROVISIONER));
  }
  for (const name of ['userName', 'password'] as const) {
    const value = info[name];
    if (typeof value !== 'string') continue;
    const field = `appInfo.${name}` as const;
    const limit = ANSWER_FIELD_LIMITS[field];
    if (mode.credentialsPlaintext) {
      if (value.length > limit) out.push(tooLong(field, limit, value.length, FIX_PROVISIONER));
      continue;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_ENCRYPTED_CREDENTIAL_BYTES) {
      out.push({
        field,
        limit,
        problem: `${field} is ${bytes} UTF-8 bytes, ${encryptedCredentialLength(bytes)} characters once encrypted; KooGallery accepts at most ${limit} (IV included), so at most ${MAX_ENCRYPTED_CREDENTIAL_BYTES} bytes: ${FIX_PROVISIONER}`,
      });
    }
  }
  return out;
}

/**
 * The table row of a field by its path: the last two segments for `appInfo.*` and `usageInfo.*`
 * (`info[3].appInfo.memo` -> `appInfo.memo`), the last one for `instanceId` and `resultMsg`.
 */
function rowOf(path: string): LimitedField | undefined {
  const parts = path.replace(/\[\d+\]/g, '').split('.');
  const tail = parts.slice(-2).join('.');
  const last = parts[parts.length - 1] ?? '';
  if (tail in ANSWER_FIELD_LIMITS) return tail as LimitedField;
  return last in ANSWER_FIELD_LIMITS ? (last as LimitedField) : undefined;
}

/**
 * Every field of an answer body, as sent, that breaks its limit in {@link ANSWER_FIELD_LIMITS}:
 * walks `instanceId`, `appInfo`, `info[]` and `info[].usageInfo[]` (numbers count their decimal
 * text). Empty when every field fits.
 *
 * @example answerProblems({ resultCode: '000000', instanceId: 'x'.repeat(65) }) // [{ field: 'instanceId', … }]
 */
export function answerProblems(body: Record<string, unknown>): FieldProblem[] {
  const out: FieldProblem[] = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        visit(v, `${path}[${i}]`);
      });
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
      return;
    }
    const row = rowOf(path);
    if (row === undefined) return;
    const limit = ANSWER_FIELD_LIMITS[row];
    const text = typeof value === 'number' ? String(value) : value;
    const length = typeof text === 'string' ? countedLength(row, text) : 0;
    if (length > limit) out.push(tooLong(path, limit, length, 'the answer was not sent'));
  };
  visit(body, '');
  return out;
}
