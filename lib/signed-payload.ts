import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme between this function and the seller's own systems (webhook deliveries to
 * the seller, usage reports from the seller). Not KooGallery's wire format: it follows Stripe's and
 * GitHub's webhook signatures, so every language has a five-line verifier.
 *
 * Header `X-KooGallery-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`;
 * while a secret is being rotated, one `v1=` per secret, comma-separated.
 */
export const SIGNATURE_HEADER = 'X-KooGallery-Signature';

/** How far a signed `t` may be from now, either way (5 minutes). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

function v1(secret: string, t: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/**
 * The header value signing `body` at `nowMs` with every secret given (current first).
 *
 * @example
 * const header = signPayload(['whsec_current'], body, Date.now());
 * // 't=1767225600,v1=5f0c…'
 */
export function signPayload(
  secrets: readonly string[],
  body: Buffer | string,
  nowMs: number,
): string {
  const t = Math.floor(nowMs / 1000);
  return [`t=${t}`, ...secrets.map((s) => `v1=${v1(s, t, body)}`)].join(',');
}

/** The outcome of {@link verifyPayload}; `reason` never contains a signature or a secret. */
export type PayloadVerdict = { ok: true; timestampMs: number } | { ok: false; reason: string };

/**
 * Verifies a signature header over the exact body bytes against any of `secrets`, in constant
 * time, and refuses a `t` more than `toleranceMs` away from `nowMs`. This is the documented
 * verifier of webhook deliveries (README "Verifying a delivery", which also gives five-line
 * versions for Node, Python and Java). The usage-report route verifies with it; `koogallery-sim
 * serve-webhook` keeps its own verifier on purpose (the simulator checks us independently).
 *
 * @example
 * const verdict = verifyPayload(req.headers['x-koogallery-signature'], rawBody, [secret], Date.now());
 * if (!verdict.ok) return res.status(401).end();
 */
export function verifyPayload(
  header: string | undefined,
  body: Buffer | string,
  secrets: readonly string[],
  nowMs: number,
  toleranceMs = SIGNATURE_TOLERANCE_MS,
): PayloadVerdict {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (t === undefined) return { ok: false, reason: 'signature header has no valid t=' };
  if (candidates.length === 0) return { ok: false, reason: 'signature header has no valid v1=' };
  if (Math.abs(nowMs - t * 1000) > toleranceMs) {
    return { ok: false, reason: 'signature timestamp outside the tolerance (check the clock)' };
  }
  for (const secret of secrets) {
    const expected = Buffer.from(v1(secret, t, body), 'hex');
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) {
        return { ok: true, timestampMs: t * 1000 };
      }
    }
  }
  return { ok: false, reason: 'no v1 signature matches (wrong secret or changed body)' };
}
