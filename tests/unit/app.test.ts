import { CALL_LOG_MESSAGE, createApp, LATE_LOG_MESSAGE } from '../../lib/app';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { appHarness } from './helpers/app-harness';
import { signedPost } from './helpers/requests';
import { UNIT_ACCESS_KEY, unitDeps } from './helpers/unit-deps';

/** The access key before a rotation, still accepted. */
const PREVIOUS_KEY = 'unit-test-previous-access-key-0123456789';

/** A promise and the function that resolves it. */
function latch(): { done: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { done, open };
}

describe('createApp', () => {
  describe('one answer, one log line (#10)', () => {
    it('logs one call line with the 000004 sent at the deadline, and the late result under another message', async () => {
      // Arrange: a provisioner that finishes only after the deadline answer went out.
      const { deps, clock, logs } = unitDeps();
      const inner = deps.provisioner;
      const slow = latch();
      deps.provisioner = {
        ...inner,
        provision: async (req) => {
          await slow.done;
          return inner.provision(req);
        },
      };
      const app = createApp(deps);
      const request = signedPost(
        UNIT_ACCESS_KEY,
        clock.now(),
        { activity: 'newInstance', orderId: 'O-1', orderLineId: 'O-1-000001', businessId: 'B-1' },
        // The platform leaves 501 ms: the deadline is 1 ms away (500 ms are kept for the answer).
        { requestId: 'req-deadline', remainingMs: () => 501 },
      );

      // Act
      const response = await app(request);
      slow.open();
      await deps.background.drain();

      // Assert
      const body = JSON.parse(response.body);
      expect(body.resultCode).toBe('000004');
      expect(body.instanceId).toEqual(expect.any(String));
      const mine = logs.filter((l) => l.requestId === 'req-deadline');
      const calls = mine.filter((l) => l.message === CALL_LOG_MESSAGE);
      expect(calls).toEqual([expect.objectContaining({ resultCode: '000004' })]);
      expect(mine.filter((l) => l.message === LATE_LOG_MESSAGE)).toEqual([
        expect.objectContaining({ resultCode: '000000', activity: 'newInstance' }),
      ]);
      const stored = await deps.store.getInstance('real', body.instanceId);
      expect(stored?.status).toBe('ACTIVE');
    });

    it('logs exactly one call line for a call answered in time', async () => {
      const { deps, clock, logs } = unitDeps();
      const app = createApp(deps);

      const response = await app(
        signedPost(
          UNIT_ACCESS_KEY,
          clock.now(),
          { activity: 'newInstance', orderId: 'O-2', orderLineId: 'O-2-000001', businessId: 'B' },
          { requestId: 'req-fast' },
        ),
      );
      await deps.background.drain();

      expect(JSON.parse(response.body).resultCode).toBe('000000');
      const mine = logs.filter((l) => l.requestId === 'req-fast');
      expect(mine.map((l) => l.message)).toEqual([CALL_LOG_MESSAGE]);
    });
  });

  describe('the answer of each failure', () => {
    const purchase = (orderId: string) => ({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'B',
    });

    it('answers an unexpected error with a generic 000005 and one call line at error level', async () => {
      const h = appHarness();
      h.deps.provisioner = {
        ...h.deps.provisioner,
        provision: async () => {
          throw new Error('secret connection string postgres://u:p@h');
        },
      };

      const answer = await h.v2(purchase('A-5'), { requestId: 'req-5' });

      expect(answer.json).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
      const lines = h.logs.filter((l) => l.requestId === 'req-5');
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'error',
          message: CALL_LOG_MESSAGE,
          resultCode: '000005',
          errorName: 'Error',
        }),
      ]);
      expect(JSON.stringify(lines)).not.toContain('postgres://');
    });

    it('logs an unexpected error of work finishing after the deadline under the late message', async () => {
      const h = appHarness();
      const slow = latch();
      h.deps.provisioner = {
        ...h.deps.provisioner,
        provision: async () => {
          await slow.done;
          throw new Error('boom');
        },
      };

      const answer = await h.v2(purchase('A-L'), { requestId: 'req-l', remainingMs: () => 501 });
      slow.open();
      await h.deps.background.drain();

      expect(answer.json.resultCode).toBe('000004');
      const lines = h.logs.filter((l) => l.requestId === 'req-l');
      expect(lines.map((l) => [l.level, l.message, l.resultCode])).toEqual([
        ['info', CALL_LOG_MESSAGE, '000004'],
        ['error', LATE_LOG_MESSAGE, '000005'],
      ]);
    });

    it('answers a replayed nonce 000001 and changes nothing, malformed or not', async () => {
      const h = appHarness();
      const first = await h.v2(purchase('A-R'), { nonce: 'N'.repeat(32) });

      const replay = await h.v2(purchase('A-R2'), { nonce: 'N'.repeat(32) });
      const malformed = await h.v2({ activity: 'newInstance' }, { nonce: 'N'.repeat(32) });

      expect(first.json.resultCode).toBe('000000');
      expect(replay.json).toEqual({
        resultCode: '000001',
        resultMsg: 'authentication failed: replayed nonce',
      });
      expect(malformed.json.resultCode).toBe('000001');
    });

    it('answers 000002 for a body over the limit, and 000001 for a family without a key', async () => {
      const h = appHarness({ MAX_BODY_BYTES: '1024', KOOGALLERY_LICENSE_ACCESS_KEY: '' });

      const big = await h.v2({ activity: 'newInstance', pad: 'x'.repeat(2000) });
      const license = await h.license({ activity: 'releaseLicenseCode', license: 'C' });

      expect(big.json).toEqual({
        resultCode: '000002',
        resultMsg: 'body is larger than 1024 bytes',
      });
      expect(license.json).toEqual({
        resultCode: '000001',
        resultMsg: 'authentication failed: no access key is configured for license-v2 calls',
      });
      expect(license.headers['Body-Sign']).toBeUndefined();
    });

    it('signs every answer with the key that verified the request', async () => {
      const h = appHarness({ KOOGALLERY_PREVIOUS_ACCESS_KEY: PREVIOUS_KEY });

      const answer = await h.app(signedPost(UNIT_ACCESS_KEY, h.clock.now(), purchase('A-S')));

      const sign = answer.headers['Body-Sign'];
      expect(sign).toMatch(/^sign_type="HMAC-SHA256", signature= "/);
      expect(verifyBodySign(sign, UNIT_ACCESS_KEY, answer.body)).toEqual({ ok: true });
      expect(verifyBodySign(sign, PREVIOUS_KEY, answer.body).ok).toBe(false);
      expect(answer.headers['Content-Type']).toBe('application/json;charset=UTF-8');
    });

    it('signs the answer with the previous key when the previous key verified the request (rotation)', async () => {
      const h = appHarness({ KOOGALLERY_PREVIOUS_ACCESS_KEY: PREVIOUS_KEY });

      const answer = await h.app(signedPost(PREVIOUS_KEY, h.clock.now(), purchase('A-P')));

      expect(JSON.parse(answer.body)).toMatchObject({ resultCode: '000000' });
      const sign = answer.headers['Body-Sign'];
      expect(verifyBodySign(sign, PREVIOUS_KEY, answer.body)).toEqual({ ok: true });
      expect(verifyBodySign(sign, UNIT_ACCESS_KEY, answer.body).ok).toBe(false);
    });
  });
});
