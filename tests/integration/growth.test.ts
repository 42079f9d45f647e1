/**
 * One instance under many renewal orders through the real HTTP server, dynalite and the Query Order
 * stand-in (#14 item 3): every renewal answers 000000, a replay of an early or a recent one answers
 * 000000 without renewing again, and the stored item stays the same size. The 10,000-renewal run is
 * in memory (tests/unit/scenarios/order-sequence.test.ts); this one proves the stored layout.
 */
import { randomBytes } from 'node:crypto';
import { formatKooTime } from '../../lib/protocol/koo-time';
import { startTestService, type TestService } from '../helpers/service';
import { scanTable } from '../helpers/table-scan';

/** Enough renewals to push out the bounded order history many times over, in well under a minute. */
const RENEWALS = 400;
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const Y2027 = Date.UTC(2027, 0, 1);

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

/** The raw stored item of `instanceId`, as JSON (its length is what the table holds, give or take). */
async function storedItem(instanceId: string): Promise<string> {
  const table = await scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);
  const items = [...table.raw].filter(
    ([pk]) => pk.startsWith('INSTANCE#') && pk.includes(instanceId),
  );
  expect(items).toHaveLength(1);
  return (items[0] as [string, string])[1];
}

describe('an instance under many renewals through HTTP and dynalite (#14)', () => {
  it('answers every renewal 000000, recognises replays of early and recent ones, and stores a bounded item', async () => {
    const prefix = `GROW${randomBytes(4).toString('hex').toUpperCase()}`;
    const buyId = `${prefix}B`;
    svc.standIn.defineOrder(buyId, { createTime: T0, expireTime: Y2027, orderType: 'NEW' });
    const bought = await svc.send({
      activity: 'newInstance',
      orderId: buyId,
      orderLineId: `${buyId}-000001`,
      businessId: 'b',
    });
    expect(bought.json.resultCode).toBe('000000');
    const instanceId = bought.json.instanceId as string;
    // Fixed-width ids, so the item's size cannot change with the number of digits.
    const orderId = (n: number) => `${prefix}R${String(n).padStart(5, '0')}`;
    const expiry = (n: number) => Y2027 + (n + 1) * DAY;
    const renewal = (n: number) => ({
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId: orderId(n),
      orderLineId: `${orderId(n)}-000001`,
      instanceId,
      expireTime: formatKooTime(expiry(n)),
    });
    const codes = new Set<string>();
    let early = '';

    for (let n = 0; n < RENEWALS; n++) {
      svc.standIn.defineOrder(orderId(n), {
        createTime: T0 + (n + 1) * MIN,
        expireTime: expiry(n),
        orderType: 'RENEW',
      });
      codes.add((await svc.send(renewal(n))).json.resultCode as string);
      if (n === 49) early = await storedItem(instanceId);
    }
    const late = await storedItem(instanceId);
    const renewals = svc.provisionerCalls.renew ?? 0;
    const replays: string[] = [];
    for (const n of [0, 1, RENEWALS - 2, RENEWALS - 1]) {
      replays.push((await svc.send(renewal(n))).json.resultCode as string);
    }

    expect([...codes]).toEqual(['000000']);
    expect(renewals).toBe(RENEWALS);
    expect(replays).toEqual(['000000', '000000', '000000', '000000']);
    expect(svc.provisionerCalls.renew).toBe(renewals);
    expect((await svc.store.getInstance('real', instanceId))?.expireTime).toBe(
      expiry(RENEWALS - 1),
    );
    // The item after all renewals is the size it was after 50 (give or take a counter's digits),
    // far below DynamoDB's 400 KB item limit.
    expect(late.length).toBeLessThanOrEqual(early.length + 16);
    expect(late.length).toBeLessThan(8_000);
  }, 120_000);
});
