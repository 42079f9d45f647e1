import { randomBytes } from 'node:crypto';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { signRequest } from '../../lib/protocol/request-signature';
import { startTestService, type TestService } from '../helpers/service';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const purchase = () => {
  const orderId = `CS${randomBytes(6).toString('hex')}`;
  return { activity: 'newInstance', orderId, orderLineId: `${orderId}-000001`, businessId: 'b' };
};

/** State items: audit entries (#13) record every call, refused or not, and are not state. */
async function itemCount(): Promise<number> {
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const out = await svc.dynalite.client.send(
    new ScanCommand({
      TableName: svc.dynalite.tableName,
      Select: 'COUNT',
      FilterExpression: 'NOT begins_with(pk, :audit)',
      ExpressionAttributeValues: { ':audit': { S: 'AUDIT#' } },
    }),
  );
  return out.Count ?? 0;
}

describe('authentication (000001)', () => {
  it('refuses a replayed nonce, a stale timestamp, a wrong key and a tampered body, changing nothing', async () => {
    const body = purchase();
    const nonce = randomBytes(32).toString('hex');
    expect((await svc.send(body, { nonce })).json.resultCode).toBe('000000');
    const before = await itemCount();

    const replay = await svc.send(body, { nonce });
    const stale = await svc.send(purchase(), { timestamp: String(Date.now() - 61_000) });
    const future = await svc.send(purchase(), { timestamp: String(Date.now() + 61_000) });
    const wrongKey = await svc.send(purchase(), { key: 'not-the-key' });
    const tampered = await svc.send(purchase(), { sendBody: JSON.stringify(purchase()) });

    for (const [answer, reason] of [
      [replay, 'replayed nonce'],
      [stale, 'stale timestamp'],
      [future, 'stale timestamp'],
      [wrongKey, 'signature mismatch'],
      [tampered, 'signature mismatch'],
    ] as const) {
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        resultCode: '000001',
        resultMsg: `authentication failed: ${reason}`,
      });
      // Signed with the current key, since none verified the request.
      expect(
        verifyBodySign(answer.headers.get('body-sign') ?? undefined, svc.accessKey, answer.text),
      ).toEqual({ ok: true });
    }
    expect(await itemCount()).toBe(before);
  });

  it('refuses a replayed malformed request as a replay (000001), not as malformed', async () => {
    const nonce = randomBytes(32).toString('hex');
    const malformed = '{"activity":"newInstance","orderId":"o"}';
    expect((await svc.send(malformed, { nonce })).json.resultCode).toBe('000002');
    expect((await svc.send(malformed, { nonce })).json.resultCode).toBe('000001');
  });

  it('refuses missing and malformed signature parameters', async () => {
    const text = JSON.stringify(purchase());
    const cases: Record<string, string>[] = [
      {},
      { signature: 'zz', timestamp: String(Date.now()), nonce: 'n' },
      { signature: 'A'.repeat(64), timestamp: 'yesterday', nonce: 'n' },
      { signature: 'A'.repeat(64), timestamp: String(Date.now()) },
    ];
    for (const query of cases) {
      const res = await fetch(`${svc.url}?${new URLSearchParams(query)}`, {
        method: 'POST',
        body: text,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { resultCode: string }).resultCode).toBe('000001');
    }
  });

  it('accepts the previous key during rotation and signs the answer with it', async () => {
    const rotating = await startTestService({
      settings: { KOOGALLERY_PREVIOUS_ACCESS_KEY: 'old-key-123' },
    });
    try {
      const answer = await rotating.send(purchase(), { key: 'old-key-123' });
      expect(answer.json.resultCode).toBe('000000');
      expect(
        verifyBodySign(answer.headers.get('body-sign') ?? undefined, 'old-key-123', answer.text),
      ).toEqual({ ok: true });
    } finally {
      await rotating.close();
    }
  });
});

describe('parsing (000002)', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '{"activity":', /not valid JSON/],
    ['a non-object body', '[1,2,3]', /JSON object/],
    ['an unknown activity', '{"activity":"expireInstance","instanceId":"i"}', /activity/],
    ['a missing field', '{"activity":"newInstance","orderId":"o","orderLineId":"l"}', /businessId/],
    [
      'a wrong type',
      '{"activity":"releaseInstance","instanceId":42}',
      /instanceId must be a string/,
    ],
    [
      'an over-long value',
      `{"activity":"releaseInstance","instanceId":"${'x'.repeat(65)}"}`,
      /instanceId is longer than 64/,
    ],
    [
      'a bad scene',
      '{"activity":"refreshInstance","scene":"X","orderId":"o","orderLineId":"l","instanceId":"i","expireTime":"20300101000000"}',
      /scene/,
    ],
  ];
  it.each(cases)('answers 000002 for %s, naming the problem', async (_name, body, message) => {
    const answer = await svc.send(body);
    expect(answer.json.resultCode).toBe('000002');
    expect(answer.json.resultMsg).toMatch(message);
  });

  it('refuses a body over 64 KiB before parsing it', async () => {
    const huge = JSON.stringify({
      activity: 'releaseInstance',
      instanceId: 'i',
      pad: 'x'.repeat(70_000),
    });
    const answer = await svc.send(huge);
    expect(answer.json).toEqual({
      resultCode: '000002',
      resultMsg: 'body is larger than 65536 bytes',
    });
  });

  it('escapes non-ASCII in the answer and signs the exact bytes sent', async () => {
    const answer = await svc.send('{"activity":"releaseInstance","instanceId":"实例"}');
    expect(answer.text).toMatch(/^[\x20-\x7e]*$/);
    expect(
      verifyBodySign(answer.headers.get('body-sign') ?? undefined, svc.accessKey, answer.text),
    ).toEqual({ ok: true });
  });

  it('answers the same for any path and a GET without a body', async () => {
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('hex');
    const signature = signRequest(svc.accessKey, nonce, timestamp, Buffer.alloc(0));
    const res = await fetch(
      `${svc.url}some/path?${new URLSearchParams({ signature, timestamp, nonce })}`,
      {
        method: 'POST',
      },
    );
    expect(((await res.json()) as { resultCode: string }).resultCode).toBe('000002');
  });
});

describe('logs', () => {
  it('carry activity, ids, result and latency, and never a key, signature, password or body', async () => {
    const body = { ...purchase(), businessId: 'raw-body-marker-7f3a' };
    const created = await svc.send(body);
    await svc.send({ activity: 'queryInstance', instanceId: created.json.instanceId });
    const lines = svc.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const call = lines.find((l) => l.activity === 'newInstance' && l.orderId === body.orderId);
    expect(call).toMatchObject({
      resultCode: '000000',
      instanceId: created.json.instanceId,
      latencyMs: expect.any(Number),
    });
    const all = svc.logs.join('\n');
    expect(all).not.toContain(svc.accessKey);
    expect(all).not.toContain(svc.deps.config.huaweiCloud.sk);
    expect(all).not.toContain('raw-body-marker-7f3a');
    expect(all).not.toMatch(/signature=/);
  });
});
