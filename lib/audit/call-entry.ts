/**
 * The audit entry of one call (#13), built by the app when it answers: what the parsed command named
 * (its log fields) or, for a call refused before its command was complete (`000001`, `000002`),
 * whatever of the activity, order, instance and test flag a body that parsed still names.
 */
import type { HttpRequest } from '../http';
import type { LogFields } from '../log';
import { AUDIT_KIND } from '../store/audit-store';
import type { AuditInput } from './audit-trail';

/** Bodies larger than this are not read again for an entry (the front end refused them anyway). */
const MAX_PEEK_BYTES = 64 * 1024;
/** What an identifier may look like to be kept: a refused body names anything. */
const IDENTIFIER = /^[\w.:@-]{1,128}$/;

/** The fields of a refused call an entry can still name. */
export interface PeekedFields {
  activity?: string;
  test?: boolean;
  orderId?: string;
  orderLineId?: string;
  instanceId?: string;
}

function identifier(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined;
}

function testFlag(value: unknown): boolean | undefined {
  if (value === '1' || value === 1) return true;
  if (value === '0' || value === 0) return false;
  return undefined;
}

/**
 * Reads the names an entry may keep from a request's JSON body (when it parses) and its query
 * (SaaS V1.0 and License 1.0 send them there): only identifiers, never another field, so no secret,
 * signature, password or body text reaches the entry.
 */
export function peekCallFields(http: Pick<HttpRequest, 'body' | 'query'>): PeekedFields {
  let body: Record<string, unknown> = {};
  if (http.body.length > 0 && http.body.length <= MAX_PEEK_BYTES) {
    try {
      const parsed: unknown = JSON.parse(http.body.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      // Not JSON: the query may still name the call.
    }
  }
  const pick = (name: string): unknown => body[name] ?? http.query[name];
  const out: PeekedFields = {
    activity: identifier(pick('activity')),
    test: testFlag(pick('testFlag')),
    orderId: identifier(pick('orderId')),
    orderLineId: identifier(pick('orderLineId')),
    instanceId: identifier(pick('instanceId')),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as PeekedFields;
}

/** What the app knows about a call when it answers. */
export interface AnsweredCall {
  /**
   * The fields of the call's `call` log line: the command's names (`describe`) and the scenario's
   * annotations or, for a call refused before its command was complete, what its body named
   * ({@link peekCallFields}, read once by the app); with `family`, `resultCode`, `latencyMs` and
   * the `reason` (only on a non-`000000` answer).
   */
  fields: LogFields;
  startedAt: number;
  /** True once the request's signature was verified. */
  verified: boolean;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The audit input of an answered call, from its call line's fields (with `verified: false` when
 * even the signature failed, so the entry is never filed under an instance or order the sender
 * merely named).
 */
export function callAuditInput(call: AnsweredCall): AuditInput {
  const f = call.fields;
  return {
    kind: AUDIT_KIND.CALL,
    time: call.startedAt,
    requestId: str(f.requestId),
    family: str(f.family),
    activity: str(f.activity),
    test: typeof f.test === 'boolean' ? f.test : undefined,
    orderId: str(f.orderId),
    orderLineId: str(f.orderLineId),
    instanceId: str(f.instanceId),
    resultCode: String(f.resultCode),
    latencyMs: typeof f.latencyMs === 'number' ? f.latencyMs : undefined,
    reason: str(f.reason),
    verified: call.verified ? undefined : false,
  };
}
