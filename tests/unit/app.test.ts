import { CALL_LOG_MESSAGE, createApp, LATE_LOG_MESSAGE } from '../../lib/app';
import { signedPost } from './helpers/requests';
import { UNIT_ACCESS_KEY, unitDeps } from './helpers/unit-deps';

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
});
