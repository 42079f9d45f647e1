/**
 * Every documented answer field limit, enforced at the wire for every protocol (#9): the wire
 * mapping (wire-answers.ts) and the app in process, with the real provisioner replaced by one
 * returning delivery info that cannot fit.
 */
import { createApp } from '../../../lib/app';
import { AnswerLimitError } from '../../../lib/errors';
import { ALL_FRONT_ENDS } from '../../../lib/front-ends';
import type { FrontEnd, RunContext } from '../../../lib/front-ends/front-end';
import { answerOf, queryAnswer, shapeV2, wireAppInfo } from '../../../lib/front-ends/wire-answers';
import { decryptCredential } from '../../../lib/protocol/credential-cipher';
import { formatKooTime } from '../../../lib/protocol/koo-time';
import type { AppInfo, Provisioner } from '../../../lib/provisioner/provisioner';
import { appHarness } from '../helpers/app-harness';
import { signedPost } from '../helpers/requests';
import { UNIT_ACCESS_KEY, unitConfig, unitDeps } from '../helpers/unit-deps';

const DAY = 86_400_000;
/** 80 bytes: 144 characters once encrypted, over the 128 the debugger accepts. */
const LONG_PASSWORD = 'p'.repeat(80);

/** A provisioner returning `info` for every purchase. */
function returning(info: AppInfo): Partial<Provisioner> {
  return { provision: async () => info };
}

function withProvisioner(info: AppInfo, settings: Record<string, string> = {}) {
  const h = appHarness(settings);
  h.deps.provisioner = { ...h.deps.provisioner, ...returning(info) };
  h.deps.testProvisioner = { ...h.deps.testProvisioner, ...returning(info) };
  return h;
}

const v2Purchase = (orderId: string, testFlag?: string) => ({
  activity: 'newInstance',
  orderId,
  orderLineId: `${orderId}-000001`,
  businessId: 'B-1',
  ...(testFlag ? { testFlag } : {}),
});

const v1Purchase = (orderId: string, nowMs: number) => ({
  activity: 'newInstance',
  businessId: 'B-1',
  customerId: 'C-1',
  orderId,
  productId: 'P-V1',
  skuCode: 'sku-basic',
  chargingMode: '1',
  periodType: 'month',
  periodNumber: '1',
  expireTime: formatKooTime(nowMs + 30 * DAY),
});

function runContext(settings: Record<string, string> = {}): RunContext {
  return { scenario: {} as never, accessKey: UNIT_ACCESS_KEY, config: unitConfig(settings) };
}

describe('answer field limits at the wire (#9)', () => {
  describe('the wire mapping (wire-answers.ts)', () => {
    it('shortens every protocol’s resultMsg to 255 characters', () => {
      for (const frontEnd of ALL_FRONT_ENDS) {
        const body = frontEnd.shape({ resultCode: '000002', resultMsg: 'x'.repeat(1000) });

        expect([frontEnd.family, (body.resultMsg as string).length]).toEqual([
          frontEnd.family,
          255,
        ]);
      }
      expect(shapeV2({ resultCode: '000000' }).resultMsg).toBe('');
    });

    it('refuses an answer whose field is over its limit, naming the field, never the value', () => {
      const build = () =>
        answerOf({ resultCode: '000000', resultMsg: 'success' }, { instanceId: 'i'.repeat(65) });

      expect(build).toThrow(AnswerLimitError);
      expect(build).toThrow(
        expect.objectContaining({
          resultCode: '000005',
          message: 'internal error',
          detail:
            'instanceId is 65 characters; KooGallery accepts at most 64: the answer was not sent',
        }),
      );
    });

    it.each(['1', '2'] as const)(
      'sends a 79-byte password encrypted within 128 characters (encryptType %s)',
      (type) => {
        const ctx = runContext({ ENCRYPT_TYPE: type });
        const password = 'p'.repeat(79);

        const answer = queryAnswer(
          {
            resultCode: '000000',
            resultMsg: 'success',
            instances: [{ instanceId: 'i-1', appInfo: { frontEndUrl: 'https://x', password } }],
          },
          ctx,
        );

        const sent = ((answer.fields?.info ?? []) as { appInfo: Record<string, string> }[])[0]
          ?.appInfo;
        expect(sent?.password).toHaveLength(124);
        expect(decryptCredential(sent?.password as string, UNIT_ACCESS_KEY, type)).toBe(password);
      },
    );

    it('refuses a stored password that would encrypt past 128 characters', () => {
      const ctx = runContext();

      const send = () =>
        queryAnswer(
          {
            resultCode: '000000',
            resultMsg: 'success',
            instances: [
              { instanceId: 'i-1', appInfo: { frontEndUrl: 'https://x', password: LONG_PASSWORD } },
            ],
          },
          ctx,
        );

      expect(send).toThrow(
        expect.objectContaining({
          detail: expect.stringContaining('info[0].appInfo.password is 144 characters'),
        }),
      );
    });

    it('sends 128 plain-text characters when CREDENTIALS_PLAINTEXT is set', () => {
      const ctx = runContext({ CREDENTIALS_PLAINTEXT: 'true' });

      const sent = wireAppInfo(ctx, { frontEndUrl: 'https://x', userName: 'u'.repeat(128) });

      expect(sent.userName).toBe('u'.repeat(128));
    });
  });

  describe('SaaS V2.0', () => {
    it('refuses delivery info that cannot fit where it is produced: nothing stored, the field named (#9)', async () => {
      const h = withProvisioner({ frontEndUrl: 'https://x', password: LONG_PASSWORD });

      const bought = await h.v2(v2Purchase('LIM-1'));
      const polled = await h.v2({
        activity: 'queryInstance',
        instanceId: bought.json.instanceId as string,
      });

      expect(bought.json).toEqual({
        resultCode: '000005',
        resultMsg: 'internal error',
        instanceId: bought.json.instanceId,
      });
      expect(polled.json).toEqual({
        resultCode: '000004',
        resultMsg: 'instance is being provisioned',
      });
      const stored = await h.deps.store.getInstance('real', bought.json.instanceId as string);
      expect(stored?.status).toBe('PROVISIONING');
      expect(stored?.sealedAppInfo).toBeUndefined();
      expect(stored?.lastError).toContain('appInfo.password is 80 UTF-8 bytes');
      expect(stored?.lastError).toContain('at most 128');
      const calls = h.logs.filter((l) => l.message === 'call');
      expect(calls[0]).toMatchObject({
        resultCode: '000005',
        detail: expect.stringContaining('appInfo.password'),
      });
      expect(calls[1]?.detail).toContain('last attempt: appInfo.password');
      expect(JSON.stringify(h.logs)).not.toContain(LONG_PASSWORD);
    });

    it('refuses a test call’s made-up delivery info that cannot fit too', async () => {
      const h = withProvisioner({ frontEndUrl: `https://${'x'.repeat(600)}` });

      const polled = await h.v2({
        activity: 'queryInstance',
        instanceId: 'never-bought',
        testFlag: '1',
      });

      expect(polled.json).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
      expect(h.logs.find((l) => l.message === 'call')?.detail).toContain(
        'appInfo.frontEndUrl is 608 characters; KooGallery accepts at most 512',
      );
    });

    it('answers 000005, never a half-valid answer, for delivery info stored before the limits', async () => {
      const h = appHarness();
      const bought = await h.v2(v2Purchase('LIM-2'));
      const instanceId = bought.json.instanceId as string;
      const stored = await h.deps.store.getInstance('real', instanceId);
      await h.deps.store.updateInstance({
        ...(stored as NonNullable<typeof stored>),
        version: (stored?.version ?? 0) + 1,
        sealedAppInfo: h.deps.vault.seal({ frontEndUrl: 'https://x', memo: 'm'.repeat(1025) }),
      });

      const polled = await h.v2({ activity: 'queryInstance', instanceId });

      expect(polled.json).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
      expect(h.logs.filter((l) => l.message === 'call')[1]?.detail).toContain(
        'info[0].appInfo.memo is 1025 characters',
      );
    });

    it('accepts 128 plain-text characters and refuses 129 with CREDENTIALS_PLAINTEXT', async () => {
      const fits = withProvisioner(
        { frontEndUrl: 'https://x', password: 'p'.repeat(128) },
        { CREDENTIALS_PLAINTEXT: 'true' },
      );
      const over = withProvisioner(
        { frontEndUrl: 'https://x', password: 'p'.repeat(129) },
        { CREDENTIALS_PLAINTEXT: 'true' },
      );

      const a = await fits.v2(v2Purchase('LIM-3'));
      const b = await over.v2(v2Purchase('LIM-3'));
      const query = await fits.v2({ activity: 'queryInstance', instanceId: a.json.instanceId });

      expect(a.json.resultCode).toBe('000000');
      expect(b.json.resultCode).toBe('000005');
      const info = (query.json.info as { appInfo: Record<string, string> }[])[0];
      expect(info?.appInfo.password).toBe('p'.repeat(128));
    });

    it('shortens a resultMsg a run made too long, without splitting a surrogate pair', async () => {
      // The front end's own shape (shapeV2) fits it: the app does not shorten it a second time.
      const u = unitDeps();
      const long: FrontEnd = {
        ...(ALL_FRONT_ENDS.at(-1) as FrontEnd),
        run: async () => ({
          resultCode: '000002',
          resultMsg: `${'a'.repeat(251)}${'😀'.repeat(5)}`,
        }),
      };
      const app = createApp(u.deps, { frontEnds: [long] });

      const response = await app(
        signedPost(UNIT_ACCESS_KEY, u.clock.now(), { activity: 'queryInstance', instanceId: 'x' }),
      );

      const msg = JSON.parse(response.body).resultMsg as string;
      expect(msg).toBe(`${'a'.repeat(251)}...`);
      expect(/\p{Surrogate}/u.test(msg)).toBe(false);
    });
  });

  describe('SaaS V1.0', () => {
    it('refuses delivery info that cannot fit in the newInstance answer', async () => {
      const h = withProvisioner({ frontEndUrl: 'https://x', userName: 'ü'.repeat(40) });

      const bought = await h.v1(v1Purchase('LIM-V1', h.clock.now()));

      expect(bought.json).toEqual({
        resultCode: '000005',
        resultMsg: 'internal error',
        instanceId: bought.json.instanceId,
      });
      expect(bought.json).not.toHaveProperty('appInfo');
      expect(h.logs.find((l) => l.message === 'call')?.detail).toContain(
        'appInfo.userName is 80 UTF-8 bytes',
      );
    });

    it('answers 79-byte credentials encrypted within 128 characters', async () => {
      const h = withProvisioner({
        frontEndUrl: 'https://x',
        userName: 'u'.repeat(79),
        password: 'p'.repeat(79),
      });

      const bought = await h.v1(v1Purchase('LIM-V1B', h.clock.now()));

      const appInfo = bought.json.appInfo as Record<string, string>;
      expect(bought.json.resultCode).toBe('000000');
      expect(appInfo.userName).toHaveLength(124);
      expect(appInfo.password).toHaveLength(124);
    });
  });

  describe('License 1.0 and 2.0', () => {
    it('answer within the resultMsg and instanceId limits', async () => {
      const h = appHarness();

      const issued = await h.v1({
        activity: 'getLicense',
        businessId: 'B-1',
        customerId: 'C-1',
        orderId: 'LIM-L1',
        productId: 'P-L',
        skuCode: 'S',
        chargingMode: '1',
        expireTime: formatKooTime(h.clock.now() + DAY),
      });
      const unknown = await h.license({ activity: 'x'.repeat(40), license: 'PL1' });

      expect(issued.json.resultCode).toBe('000000');
      expect((issued.json.instanceId as string).length).toBeLessThanOrEqual(64);
      expect((unknown.json.resultMsg as string).length).toBeLessThanOrEqual(255);
    });
  });
});
