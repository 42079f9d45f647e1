import { createHmac } from 'node:crypto';
import { SIGNATURE_TOLERANCE_MS, signPayload, verifyPayload } from '../../lib/signed-payload';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const BODY = Buffer.from('{"id":"evt_1","type":"instance.provision"}');

describe('signPayload / verifyPayload', () => {
  it('signs t.body with HMAC-SHA256 as the documented recipe computes it', () => {
    const header = signPayload(['s3cret'], BODY, NOW);
    const t = Math.floor(NOW / 1000);
    const expected = createHmac('sha256', 's3cret').update(`${t}.${BODY.toString()}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts a signature made with any of the rotating secrets', () => {
    const header = signPayload(['new', 'old'], BODY, NOW);
    expect(verifyPayload(header, BODY, ['old'], NOW)).toEqual({
      ok: true,
      timestampMs: Math.floor(NOW / 1000) * 1000,
    });
    expect(verifyPayload(header, BODY, ['new'], NOW).ok).toBe(true);
  });

  it('refuses a wrong secret, a changed body, a stale time and a malformed header', () => {
    const header = signPayload(['s3cret'], BODY, NOW);
    expect(verifyPayload(header, BODY, ['other'], NOW).ok).toBe(false);
    expect(verifyPayload(header, Buffer.from(`${BODY} `), ['s3cret'], NOW).ok).toBe(false);
    expect(verifyPayload(header, BODY, ['s3cret'], NOW + SIGNATURE_TOLERANCE_MS + 1000).ok).toBe(
      false,
    );
    expect(verifyPayload(undefined, BODY, ['s3cret'], NOW).ok).toBe(false);
    expect(verifyPayload('t=abc,v1=zz', BODY, ['s3cret'], NOW).ok).toBe(false);
  });
});
