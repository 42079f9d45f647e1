/**
 * The checks KooGallery's seller-center debugger and its twice-daily probe apply to one answer of a
 * production interface (docs/protocol.md#transport, #body-sign, #saas-v20-activities and
 * #debugger-and-probes), written here on their own, not borrowed from the function's code: the
 * simulator's own cryptography (`answer-crypto.ts`) is pinned by independent known-answer vectors.
 *
 * Everything in this module is pure: it reads a captured answer and the request that caused it.
 * The rules differ by interface type only where the answers do: a V1.0 `newInstance` carries the
 * delivery (`instanceId`, `encryptType`, `appInfo`), a License 1.0 `getLicense` the `license`.
 */
import type { KeyObject } from 'node:crypto';
import {
  BODY_SIGN_HEADER,
  bodySignMatches,
  decryptAppInfoValue,
  verifyDefaultLicense,
} from './answer-crypto';
import { PROTOCOL_INFO, type Protocol } from './protocols';

/** One answer as it arrived on the wire, or the transport failure that replaced it. */
export interface CapturedResponse {
  /** HTTP status; 0 when no answer arrived. */
  status: number;
  /** Header values by lower-case name. */
  headers: Record<string, string>;
  /** Header names and values as sent, alternating (node's `rawHeaders`), when the client kept them. */
  rawHeaders?: string[];
  /** The exact body bytes received. */
  body: Buffer;
  /** Time from sending the request to the last body byte. */
  elapsedMs: number;
  /** Why no answer arrived (refused connection, DNS, TLS, abort), when that happened. */
  error?: string;
  /**
   * With `error`: `connection` when the service could not be reached, `timeout` when it did not
   * answer in time, `broken` when the answer stopped midway.
   */
  errorKind?: 'connection' | 'timeout' | 'broken';
}

/** What the judge needs to know about the request that was sent. */
export interface JudgedRequest {
  activity: string;
  body: Record<string, unknown>;
}

/** Settings of one judgement. */
export interface JudgeOptions {
  /** The access key the answer's `Body-Sign` and credentials must use. */
  key: string;
  /** Result codes that count as the expected outcome (default `000000` only). */
  expect?: readonly string[];
  /** Longest acceptable answer time; KooGallery's requirement is 5 s. */
  timeoutMs?: number;
  /** The interface type the request spoke (default `v2`): chooses each activity's answer rules. */
  protocol?: Protocol;
  /** License 1.0: checks each `license` offline with this public key (the default issuer's format). */
  licensePublicKey?: KeyObject;
}

/** KooGallery's answer-time requirement (docs/protocol.md#transport; the debugger waits 20 s, the requirements say 5 s). */
export const ANSWER_TIMEOUT_MS = 5000;

/** The name of every distinct failure the judge reports. */
export const FINDINGS = {
  UNREACHABLE: 'unreachable',
  HTTP_STATUS: 'http-status',
  CONTENT_TYPE: 'content-type',
  BODY_NOT_JSON: 'body-not-json',
  RESULT_CODE_MISSING: 'result-code-missing',
  RESULT_CODE_MALFORMED: 'result-code-malformed',
  RESULT_MSG_MISSING: 'result-msg-missing',
  FIELD_WRONG_TYPE: 'field-wrong-type',
  FIELD_TOO_LONG: 'field-too-long',
  NON_ASCII: 'non-ascii-body',
  INSTANCE_ID_MISSING: 'instance-id-missing',
  INFO_MISSING: 'info-missing',
  INFO_INSTANCE_ID_MISSING: 'info-instance-id-missing',
  FRONT_END_URL_MISSING: 'front-end-url-missing',
  USAGE_FIELD_MISSING: 'usage-field-missing',
  ENCRYPT_TYPE_INVALID: 'encrypt-type-invalid',
  CREDENTIALS_UNREADABLE: 'credentials-unreadable',
  BODY_SIGN_MISSING: 'body-sign-missing',
  BODY_SIGN_MALFORMED: 'body-sign-malformed',
  BODY_SIGN_MISMATCH: 'body-sign-mismatch',
  BODY_SIGN_HEADER_CASE: 'body-sign-header-case',
  LICENSE_MISSING: 'license-missing',
  LICENSE_INVALID: 'license-invalid',
  TOO_SLOW: 'too-slow',
  UNEXPECTED_RESULT_CODE: 'unexpected-result-code',
} as const;

/** One of {@link FINDINGS}. */
export type FindingName = (typeof FINDINGS)[keyof typeof FINDINGS];

/** One failed rule: what is wrong and what to do about it. */
export interface Finding {
  name: FindingName;
  /** What the debugger would complain about, naming the field or value. */
  message: string;
  /** What to change so that the check passes. */
  fix: string;
}

/** A credential of `appInfo`, as safe to print: never the clear value. */
export interface MaskedCredential {
  instanceId: string;
  field: 'userName' | 'password';
  /** `encrypted` when it decrypted with the key, `plain` when the answer sent it unencrypted. */
  form: 'encrypted' | 'plain';
  /** A masked rendering of the clear value. */
  masked: string;
}

/** What the offline check of a License 1.0 `license` found (never the license itself). */
export interface LicenseCheck {
  /** True when it verified with the public key; undefined when no public key was given. */
  verified: boolean | undefined;
  /** The license's expiry, as its payload states it. */
  expireTime?: string;
  /** True when the payload marks a debug or probe license. */
  test?: boolean;
}

/** The judgement of one answer. */
export interface Verdict {
  ok: boolean;
  findings: Finding[];
  resultCode?: string;
  resultMsg?: string;
  /** The parsed body when it was a JSON object. */
  json?: Record<string, unknown>;
  /** Credentials found in `appInfo` (V1.0 `newInstance`) or `info[].appInfo`, masked. */
  credentials: MaskedCredential[];
  /** License 1.0 `getLicense`: the offline check of the license answered. */
  license?: LicenseCheck;
  elapsedMs: number;
}

/** Longest value of each response field (docs/protocol.md#queryinstance, #credential-encryption), by the field's name in its object. */
export const FIELD_MAX_LENGTHS = {
  top: { resultCode: 6, resultMsg: 255, instanceId: 64, encryptType: 3 },
  info: { instanceId: 64 },
  appInfo: { frontEndUrl: 512, adminUrl: 512, userName: 128, password: 128, memo: 1024 },
  /** License 1.0 `license`: no documented limit; a sanity bound. */
  license: { license: 65536 },
  usageInfo: {
    relatedInstanceId: 64,
    usageValue: 20,
    statisticalTime: 20,
    dashboardUrl: 512,
  },
} as const;

const RESULT_CODE_FORMAT = /^\d{6}$/;
/** `sign_type="…", signature="…"`, both values quoted; whitespace around `=` and `,` tolerated. */
const BODY_SIGN_FORMAT =
  /^\s*sign_type\s*=\s*"HMAC-SHA256"\s*,\s*signature\s*=\s*"[A-Za-z0-9+/]+={0,2}"\s*$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finding(name: FindingName, message: string, fix: string): Finding {
  return { name, message, fix };
}

/** True when `text` has no replacement character and no control character: a plausible credential. */
function isReadable(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0xfffd) return false;
  }
  return true;
}

/** Masks a clear credential: the first and last character of a user name, only the length of a password. */
export function maskCredential(field: 'userName' | 'password', clear: string): string {
  if (field === 'password' || clear.length < 4) return `${'*'.repeat(8)} (${clear.length} chars)`;
  return `${clear.slice(0, 1)}${'*'.repeat(6)}${clear.slice(-1)} (${clear.length} chars)`;
}

/** The checks on the transport: status, content type, answer time. */
function judgeTransport(res: CapturedResponse, timeoutMs: number): Finding[] {
  const out: Finding[] = [];
  if (res.status !== 200) {
    out.push(
      finding(
        FINDINGS.HTTP_STATUS,
        `HTTP status ${res.status}, expected 200`,
        'answer every call, failures included, with HTTP 200 and the outcome in resultCode',
      ),
    );
  }
  const type = res.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type.trim())) {
    out.push(
      finding(
        FINDINGS.CONTENT_TYPE,
        `Content-Type is ${type ? `"${type}"` : 'missing'}, expected application/json`,
        'send Content-Type: application/json;charset=UTF-8 on every answer',
      ),
    );
  }
  if (res.elapsedMs > timeoutMs) {
    out.push(
      finding(
        FINDINGS.TOO_SLOW,
        `answered in ${Math.round(res.elapsedMs)} ms, more than ${timeoutMs} ms`,
        'answer within 5 s: provision asynchronously and answer 000004 while it runs',
      ),
    );
  }
  return out;
}

/**
 * KooGallery reads the header by its exact name, `Body-Sign`; HTTP clients that fold names to lower
 * case (fetch) cannot tell a `Body-sign` apart, so this is checked on the names as sent.
 */
function judgeHeaderCase(res: CapturedResponse): Finding[] {
  if (res.rawHeaders === undefined) return [];
  const names = res.rawHeaders.filter((_, i) => i % 2 === 0);
  const sent = names.filter((n) => n.toLowerCase() === BODY_SIGN_HEADER.toLowerCase());
  if (sent.length === 0 || sent.includes(BODY_SIGN_HEADER)) return [];
  return [
    finding(
      FINDINGS.BODY_SIGN_HEADER_CASE,
      `the Body-Sign header is sent as ${sent.map((n) => JSON.stringify(n)).join(', ')}, not "${BODY_SIGN_HEADER}"`,
      `name the header exactly "${BODY_SIGN_HEADER}": KooGallery reports "http header->bodySign is empty" otherwise`,
    ),
  ];
}

/** The checks on `Body-Sign`: present, well-formed, and the HMAC of the exact bytes under the key. */
function judgeBodySign(res: CapturedResponse, key: string): Finding[] {
  const header = res.headers['body-sign'];
  if (header === undefined) {
    return [
      finding(
        FINDINGS.BODY_SIGN_MISSING,
        'the Body-Sign header is missing',
        'send Body-Sign: sign_type="HMAC-SHA256", signature= "<base64 HMAC-SHA256(access key, body)>" on every answer',
      ),
    ];
  }
  if (!BODY_SIGN_FORMAT.test(header)) {
    return [
      finding(
        FINDINGS.BODY_SIGN_MALFORMED,
        `Body-Sign is not sign_type="HMAC-SHA256", signature="<base64>": got ${JSON.stringify(header.slice(0, 60))}`,
        'quote both values and use standard base64 of the HMAC-SHA256 digest',
      ),
    ];
  }
  if (!bodySignMatches(header, key, res.body)) {
    return [
      finding(
        FINDINGS.BODY_SIGN_MISMATCH,
        'Body-Sign does not match the body bytes under this access key',
        'sign the exact bytes sent (after serialising) with the access key bound to the production address; check --key',
      ),
    ];
  }
  return [];
}

/** Checks that `obj[field]`, when present, is a string (or a number, where allowed) within its length. */
function checkField(
  obj: Json,
  field: string,
  max: number,
  path: string,
  out: Finding[],
  allowNumber = false,
): void {
  const value = obj[field];
  if (value === undefined || value === null) return;
  const ok = typeof value === 'string' || (allowNumber && typeof value === 'number');
  if (!ok) {
    out.push(
      finding(
        FINDINGS.FIELD_WRONG_TYPE,
        `${path} is ${Array.isArray(value) ? 'an array' : typeof value}, expected a ${allowNumber ? 'number or string' : 'string'}`,
        `send ${path} as a ${allowNumber ? 'number or string' : 'string'}`,
      ),
    );
    return;
  }
  const length = String(value).length;
  if (length > max) {
    out.push(
      finding(
        FINDINGS.FIELD_TOO_LONG,
        `${path} is ${length} characters, at most ${max} allowed`,
        `shorten ${path} to ${max} characters or fewer`,
      ),
    );
  }
}

function checkFields(obj: Json, limits: Record<string, number>, prefix: string, out: Finding[]) {
  for (const [field, max] of Object.entries(limits)) {
    checkField(obj, field, max, `${prefix}${field}`, out, field === 'usageValue');
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** What the body checks share: the key, the protocol, where findings and credentials go. */
interface BodyContext {
  key: string;
  protocol: Protocol;
  out: Finding[];
  creds: MaskedCredential[];
  licensePublicKey?: KeyObject;
  /** Set by the License 1.0 `getLicense` check. */
  license?: LicenseCheck;
}

/** `encryptType`, when present, is "1" or "2". */
function judgeEncryptType(json: Json, ctx: BodyContext): void {
  const encryptType = json.encryptType;
  if (encryptType !== undefined && encryptType !== '1' && encryptType !== '2') {
    ctx.out.push(
      finding(
        FINDINGS.ENCRYPT_TYPE_INVALID,
        `encryptType is ${JSON.stringify(encryptType)}, expected "1" or "2"`,
        'send encryptType "1" (AES-256-CBC) or "2" (AES-128-CBC), or leave it out for plain credentials',
      ),
    );
  }
}

/**
 * One `appInfo` object (`at` names it): `frontEndUrl`, lengths, and credentials that decrypt with
 * the key under the answer's `encryptType` (shown masked).
 */
function judgeAppInfo(
  appInfo: unknown,
  at: string,
  instanceId: unknown,
  encryptType: unknown,
  ctx: BodyContext,
): void {
  const { out } = ctx;
  if (!isObject(appInfo)) {
    out.push(
      finding(FINDINGS.FIELD_WRONG_TYPE, `${at} is not an object`, 'send appInfo as an object'),
    );
    return;
  }
  if (typeof appInfo.frontEndUrl !== 'string' || appInfo.frontEndUrl === '') {
    out.push(
      finding(
        FINDINGS.FRONT_END_URL_MISSING,
        `${at}.frontEndUrl is missing`,
        'send the buyer-facing frontEndUrl whenever appInfo is sent',
      ),
    );
  }
  checkFields(appInfo, FIELD_MAX_LENGTHS.appInfo, `${at}.`, out);
  for (const field of ['userName', 'password'] as const) {
    const value = appInfo[field];
    if (typeof value !== 'string') continue;
    const id = typeof instanceId === 'string' ? instanceId : at;
    if (encryptType === undefined) {
      ctx.creds.push({
        instanceId: id,
        field,
        form: 'plain',
        masked: maskCredential(field, value),
      });
      continue;
    }
    if (encryptType !== '1' && encryptType !== '2') continue;
    try {
      const clear = decryptAppInfoValue(value, ctx.key, encryptType);
      // A wrong key passes the padding check about once in 256 tries; what it yields is
      // then not readable text, which is what catches it.
      if (!isReadable(clear)) throw new Error('not readable text');
      ctx.creds.push({
        instanceId: id,
        field,
        form: 'encrypted',
        masked: maskCredential(field, clear),
      });
    } catch {
      out.push(
        finding(
          FINDINGS.CREDENTIALS_UNREADABLE,
          `${at}.${field} does not decrypt with this access key (encryptType "${encryptType}")`,
          'encrypt as iv + base64(AES-CBC), the AES key from SHA1PRNG seeded with the access key (docs/protocol.md#credential-encryption); check --key',
        ),
      );
    }
  }
}

/** `info[]` of a `queryInstance` answer: ids, lengths, usage fields, credentials. */
function judgeInfo(json: Json, ctx: BodyContext): void {
  const { out } = ctx;
  const info = json.info;
  if (info !== undefined && !Array.isArray(info)) {
    out.push(finding(FINDINGS.FIELD_WRONG_TYPE, 'info is not an array', 'send info as an array'));
    return;
  }
  judgeEncryptType(json, ctx);
  asArray(info).forEach((entry, i) => {
    const at = `info[${i}]`;
    if (!isObject(entry)) {
      out.push(
        finding(FINDINGS.FIELD_WRONG_TYPE, `${at} is not an object`, `send ${at} as an object`),
      );
      return;
    }
    const instanceId = entry.instanceId;
    if (typeof instanceId !== 'string' || instanceId === '') {
      out.push(
        finding(
          FINDINGS.INFO_INSTANCE_ID_MISSING,
          `${at}.instanceId is missing`,
          'send instanceId in every info entry of queryInstance',
        ),
      );
    }
    checkFields(entry, FIELD_MAX_LENGTHS.info, `${at}.`, out);
    if (entry.appInfo !== undefined) {
      judgeAppInfo(entry.appInfo, `${at}.appInfo`, instanceId, json.encryptType, ctx);
    }
    const usage = entry.usageInfo ?? entry.usageInfos;
    if (usage === undefined) return;
    if (!Array.isArray(usage)) {
      out.push(
        finding(
          FINDINGS.FIELD_WRONG_TYPE,
          `${at}.usageInfo is not an array`,
          'send usageInfo as an array',
        ),
      );
      return;
    }
    usage.forEach((u, j) => {
      const uat = `${at}.usageInfo[${j}]`;
      if (!isObject(u)) {
        out.push(
          finding(FINDINGS.FIELD_WRONG_TYPE, `${uat} is not an object`, `send ${uat} as an object`),
        );
        return;
      }
      for (const field of ['usageValue', 'statisticalTime'] as const) {
        if (u[field] === undefined || u[field] === null || u[field] === '') {
          out.push(
            finding(
              FINDINGS.USAGE_FIELD_MISSING,
              `${uat}.${field} is missing`,
              'send usageValue and statisticalTime (yyyyMMddHHmmssSSS, UTC) in every usageInfo entry',
            ),
          );
        }
      }
      checkFields(u, FIELD_MAX_LENGTHS.usageInfo, `${uat}.`, out);
    });
  });
}

/**
 * The V1.0 `newInstance` answer is the delivery itself (docs/protocol.md#v10-activities, #debugger-and-probes): a success
 * carries `instanceId` and `appInfo.frontEndUrl` (the debugger fails the case without either),
 * and its credentials must decrypt with the V1.0 key.
 */
function judgeV1Delivery(json: Json, code: string | undefined, ctx: BodyContext): void {
  if (code !== '000000') return;
  judgeEncryptType(json, ctx);
  if (json.appInfo === undefined) {
    ctx.out.push(
      finding(
        FINDINGS.FRONT_END_URL_MISSING,
        'the V1.0 newInstance answered 000000 without appInfo.frontEndUrl',
        'send appInfo with the buyer-facing frontEndUrl (and encrypted userName/password) with every successful V1.0 newInstance, retries and re-entries included',
      ),
    );
    return;
  }
  judgeAppInfo(json.appInfo, 'appInfo', json.instanceId, json.encryptType, ctx);
}

/**
 * The License 1.0 `getLicense` answer (docs/protocol.md#license-10): a success carries `license` and
 * `instanceId`; with a public key, the license must verify offline, name the answered instance and
 * be marked `test` exactly when the request was a debug call.
 */
function judgeLicense(req: JudgedRequest, json: Json, code: string | undefined, ctx: BodyContext) {
  if (code !== '000000') return;
  const license = json.license;
  if (typeof license !== 'string' || license.trim() === '') {
    ctx.out.push(
      finding(
        FINDINGS.LICENSE_MISSING,
        'getLicense answered 000000 without a license',
        'send the license key the buyer receives in "license" with every successful getLicense, retries included',
      ),
    );
    return;
  }
  checkFields(json, FIELD_MAX_LENGTHS.license, '', ctx.out);
  if (!ctx.licensePublicKey) {
    ctx.license = { verified: undefined };
    return;
  }
  const payload = verifyDefaultLicense(license, ctx.licensePublicKey);
  const invalid = (message: string, fix: string) =>
    ctx.out.push(finding(FINDINGS.LICENSE_INVALID, message, fix));
  if (payload === undefined) {
    ctx.license = { verified: false };
    invalid(
      'the license does not verify with the license public key',
      'sign licenses with the private key matching --license-public-key (LICENSE_SIGNING_KEY), or drop --license-public-key for a license format of your own',
    );
    return;
  }
  ctx.license = {
    verified: true,
    ...(payload.expireTime !== undefined ? { expireTime: payload.expireTime } : {}),
    ...(payload.test ? { test: true } : {}),
  };
  if (payload.instanceId !== json.instanceId) {
    invalid(
      `the license names instance ${payload.instanceId}, the answer ${String(json.instanceId)}`,
      'issue the license for the instanceId the answer carries',
    );
  }
  const debugCall = req.body.testFlag === '1';
  if ((payload.test === true) !== debugCall) {
    invalid(
      debugCall
        ? 'a debug call (testFlag "1") got a license not marked test'
        : 'a real call got a license marked test',
      'mark licenses test exactly for testFlag "1" calls: a probe license must never unlock real software',
    );
  }
}

/** The checks on the body: JSON, resultCode/resultMsg, lengths and each activity's mandatory fields. */
function judgeBody(res: CapturedResponse, req: JudgedRequest, ctx: BodyContext): Json | undefined {
  const { out } = ctx;
  const text = res.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    out.push(
      finding(
        FINDINGS.BODY_NOT_JSON,
        `the body is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
        'answer a JSON object with at least resultCode and resultMsg',
      ),
    );
    return undefined;
  }
  if (!isObject(parsed)) {
    out.push(
      finding(
        FINDINGS.BODY_NOT_JSON,
        'the body is JSON but not an object',
        'answer a JSON object with at least resultCode and resultMsg',
      ),
    );
    return undefined;
  }
  const json = parsed;
  if (json.resultCode === undefined) {
    out.push(
      finding(
        FINDINGS.RESULT_CODE_MISSING,
        'resultCode is missing',
        'send resultCode in every answer',
      ),
    );
  } else if (typeof json.resultCode !== 'string' || !RESULT_CODE_FORMAT.test(json.resultCode)) {
    out.push(
      finding(
        FINDINGS.RESULT_CODE_MALFORMED,
        `resultCode is ${JSON.stringify(json.resultCode)}, expected a string of 6 digits`,
        'send resultCode as a 6-digit string such as "000000"',
      ),
    );
  }
  if (json.resultMsg === undefined) {
    out.push(
      finding(
        FINDINGS.RESULT_MSG_MISSING,
        'resultMsg is missing',
        'send resultMsg in every answer',
      ),
    );
  }
  checkFields(
    json,
    {
      resultMsg: FIELD_MAX_LENGTHS.top.resultMsg,
      instanceId: FIELD_MAX_LENGTHS.top.instanceId,
      encryptType: FIELD_MAX_LENGTHS.top.encryptType,
    },
    '',
    out,
  );
  if (res.body.some((byte) => byte > 0x7f)) {
    out.push(
      finding(
        FINDINGS.NON_ASCII,
        'the body has non-ASCII characters',
        'write non-ASCII characters as \\uXXXX escapes (only memo may carry them)',
      ),
    );
  }
  const code = typeof json.resultCode === 'string' ? json.resultCode : undefined;
  const purchase = PROTOCOL_INFO[ctx.protocol].purchase;
  if (req.activity === purchase && (code === '000000' || code === '000004')) {
    if (typeof json.instanceId !== 'string' || json.instanceId === '') {
      out.push(
        finding(
          FINDINGS.INSTANCE_ID_MISSING,
          `${req.activity} answered ${code} without an instanceId`,
          `send the instanceId with every successful (or 000004) ${req.activity} answer`,
        ),
      );
    }
  }
  if (ctx.protocol === 'v1' && req.activity === 'newInstance') judgeV1Delivery(json, code, ctx);
  if (ctx.protocol === 'license-v1' && req.activity === 'getLicense') {
    judgeLicense(req, json, code, ctx);
  }
  const queries = ctx.protocol === 'v2' || ctx.protocol === 'v1';
  if (queries && req.activity === 'queryInstance') {
    if (code === '000000' && asArray(json.info).length === 0) {
      out.push(
        finding(
          FINDINGS.INFO_MISSING,
          'queryInstance answered 000000 without any info entry',
          'send info[] with one entry (instanceId, appInfo) per instance asked for',
        ),
      );
    }
    judgeInfo(json, ctx);
  }
  return json;
}

/**
 * Judges one answer the way KooGallery's debugger and probe do. Each broken rule is its own
 * {@link Finding}; `ok` is true only when there is none.
 *
 * @example
 * const verdict = judge({ activity: 'newInstance', body }, captured, { key, expect: ['000000'] });
 * if (!verdict.ok) for (const f of verdict.findings) console.log(f.name, f.message, f.fix);
 */
export function judge(req: JudgedRequest, res: CapturedResponse, options: JudgeOptions): Verdict {
  const expect = options.expect ?? ['000000'];
  const timeoutMs = options.timeoutMs ?? ANSWER_TIMEOUT_MS;
  const credentials: MaskedCredential[] = [];
  if (res.error !== undefined) {
    return {
      ok: false,
      findings: [
        finding(
          FINDINGS.UNREACHABLE,
          `no answer: ${res.error}`,
          'check the URL (--url), that the service is running and reachable, and its TLS certificate',
        ),
      ],
      credentials,
      elapsedMs: res.elapsedMs,
    };
  }
  const protocol = options.protocol ?? 'v2';
  const findings = judgeTransport(res, timeoutMs);
  findings.push(...judgeHeaderCase(res), ...judgeBodySign(res, options.key));
  const ctx: BodyContext = {
    key: options.key,
    protocol,
    out: findings,
    creds: credentials,
    ...(options.licensePublicKey ? { licensePublicKey: options.licensePublicKey } : {}),
  };
  const json = judgeBody(res, req, ctx);
  const resultCode = typeof json?.resultCode === 'string' ? json.resultCode : undefined;
  const resultMsg = typeof json?.resultMsg === 'string' ? json.resultMsg : undefined;
  if (json && resultCode !== undefined && !expect.includes(resultCode)) {
    findings.push(
      finding(
        FINDINGS.UNEXPECTED_RESULT_CODE,
        `resultCode ${resultCode}${resultMsg ? ` (${resultMsg.slice(0, 80)})` : ''}, expected ${expect.join(' or ')}`,
        resultCode === '000001'
          ? 'the signature was refused: check that --key is the access key the service uses, and the clock'
          : `make ${req.activity} answer ${expect.join(' or ')} here (see ${PROTOCOL_INFO[protocol].reference})`,
      ),
    );
  }
  return {
    ok: findings.length === 0,
    findings: keyFirst(findings, resultCode),
    ...(resultCode !== undefined ? { resultCode } : {}),
    ...(resultMsg !== undefined ? { resultMsg } : {}),
    ...(json ? { json } : {}),
    credentials,
    ...(ctx.license ? { license: ctx.license } : {}),
    elapsedMs: res.elapsedMs,
  };
}

/**
 * A refused signature (`000001`) whose answer's `Body-Sign` does not verify with the key either
 * points at one cause before any other: the key is not the service's. The Body-Sign finding then
 * says so and comes first; the service is blamed only once the key is known to be right.
 */
function keyFirst(findings: Finding[], resultCode: string | undefined): Finding[] {
  const i = findings.findIndex((f) => f.name === FINDINGS.BODY_SIGN_MISMATCH);
  if (resultCode !== '000001' || i < 0) return findings;
  const keyAdvice = finding(
    FINDINGS.BODY_SIGN_MISMATCH,
    'the access key may be wrong: the service refused the signature (000001) and its Body-Sign does not verify with this key either',
    'pass the key bound to the production address for this interface type (--key, or the environment variable or .data file named in --help); only if the key is right, check that the service signs the exact bytes it sends',
  );
  return [keyAdvice, ...findings.filter((_, j) => j !== i)];
}

/** Response fields that are the buyer's secrets: masked wherever they are printed. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['userName', 'password', 'license']);

/** A copy of a response body with `userName`, `password` and `license` values replaced, safe to print. */
export function redactBody(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(redactBody);
  if (!isObject(json)) return json;
  const out: Json = {};
  for (const [k, v] of Object.entries(json)) {
    out[k] = SECRET_FIELDS.has(k) && typeof v === 'string' ? '[masked]' : redactBody(v);
  }
  return out;
}
