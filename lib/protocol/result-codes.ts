/** KooGallery result codes (docs/protocol.md#result-codes); `000000` is the only success. */
export const RESULT_CODES = {
  SUCCESS: '000000',
  AUTH_FAILED: '000001',
  INVALID_PARAMETER: '000002',
  INSTANCE_NOT_FOUND: '000003',
  IN_PROGRESS: '000004',
  INTERNAL_ERROR: '000005',
  NO_RESOURCE: '000100',
  MOBILE_IN_USE: '000101',
  EMAIL_IN_USE: '000102',
  CANNOT_BUY_AGAIN: '000103',
  PRODUCT_SERVICE_ERROR: '000104',
  ALREADY_ENTITLED: '000105',
  SOLD_OUT: '000106',
  EMAIL_DOMAIN_IN_USE: '000107',
} as const;

/** One of the result codes above. */
export type ResultCode = (typeof RESULT_CODES)[keyof typeof RESULT_CODES];

/** The generic message sent with each code when a scenario gives none. */
export const RESULT_MESSAGES: Record<ResultCode, string> = {
  '000000': 'success',
  '000001': 'authentication failed',
  '000002': 'invalid request parameter',
  '000003': 'instance does not exist',
  '000004': 'request is being processed',
  '000005': 'internal error',
  '000100': 'no instance resource can be allocated',
  '000101': 'mobile number empty or already in use',
  '000102': 'e-mail empty or already in use',
  '000103': 'product cannot be purchased again',
  '000104': 'product internal service error',
  '000105': 'account already holds this entitlement',
  '000106': 'product resources sold out',
  '000107': 'e-mail domain already exists',
};

const CODES = new Set<string>(Object.values(RESULT_CODES));

/** True when `value` is a result code this project may answer with. */
export function isResultCode(value: unknown): value is ResultCode {
  return typeof value === 'string' && CODES.has(value);
}
