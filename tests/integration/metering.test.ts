/**
 * Pay-per-use end to end (#11), against a real listening service, a real dynalite and the open-API
 * stand-in: an on-demand purchase, usage reported through the signed `/usage` route, `usageInfo`
 * in `queryInstance`, and the push job sending to the stand-in.
 */
import { randomBytes } from 'node:crypto';
import { buildUsageClient } from '../../lib/deps';
import { cryptoIds } from '../../lib/ids';
import { pushUsage } from '../../lib/metering/push-usage';
import { signPayload } from '../../lib/signed-payload';
import { createDynamooseUsageStore } from '../../lib/store/dynamoose-usage-store';
import { USAGE_STATE } from '../../lib/store/usage-store';
import { TEST_DYNAMO } from '../helpers/dynalite';
import { startTestService, type TestService } from '../helpers/service';
import { changedKeys, scanTable } from '../helpers/table-scan';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const HOUR = 3_600_000;
/** `yyyy-MM-ddTHH` of the UTC hour `hoursAgo` hours before now. */
const hourAgo = (hoursAgo: number) =>
  new Date(Date.now() - hoursAgo * HOUR).toISOString().slice(0, 13);

async function report(
  body: unknown,
  options: { secret?: string; path?: string; header?: string } = {},
) {
  const text = JSON.stringify(body);
  const res = await fetch(new URL(options.path ?? '/koogallery/usage', svc.url), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-KooGallery-Signature':
        options.header ?? signPayload([options.secret ?? svc.usageReportSecret], text, Date.now()),
    },
    body: text,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function buy(
  mock: 'MOCKONDEMAND' | 'MOCKONDEMANDPKG' | 'MOCKPERIODYEARNEW',
): Promise<string> {
  const orderId = `${mock}-${randomBytes(5).toString('hex')}`;
  const answer = await svc.send({
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-000001`,
    businessId: randomBytes(8).toString('hex'),
  });
  expect(answer.json.resultCode).toBe('000000');
  return answer.json.instanceId as string;
}

function pushPorts() {
  // A usage store of its own, like the scheduled function's.
  const usage = createDynamooseUsageStore({
    tableName: svc.dynalite.tableName,
    endpoint: svc.dynalite.endpoint,
    ...TEST_DYNAMO,
  });
  return {
    usage,
    client: buildUsageClient(svc.deps.config),
    clock: svc.deps.clock,
    ids: cryptoIds,
    log: svc.deps.log,
  };
}

async function usageInfoOf(instanceId: string) {
  const answer = await svc.send({ activity: 'queryInstance', instanceId });
  expect(answer.json.resultCode).toBe('000000');
  return (answer.json.info as { usageInfo?: unknown }[])[0]?.usageInfo;
}

describe('pay-per-use through HTTP (#11)', () => {
  it('sums two reported hours in queryInstance, pushes them once, and nothing on a second push', async () => {
    const instanceId = await buy('MOCKONDEMAND');
    const [h3, h2] = [hourAgo(3), hourAgo(2)];

    const first = await report({ instanceId, hour: h3, value: '1.2345' });
    const second = await report({ records: [{ instanceId, hour: h2, value: '2' }] });
    const info = await usageInfoOf(instanceId);
    const pushed = await pushUsage(pushPorts());
    const again = await pushUsage(pushPorts());

    expect(first).toMatchObject({ status: 200, json: { results: [{ outcome: 'recorded' }] } });
    expect(second.status).toBe(200);
    const end = new Date(Date.now() - HOUR);
    expect(info).toEqual([
      {
        usageValue: 3.2345,
        statisticalTime: `${end.toISOString().slice(0, 13).replace(/[-T]/g, '')}0000000`,
      },
    ]);
    const mine = svc.standIn.usageRecords.filter((r) => r.instance_id === instanceId);
    expect(mine.map((r) => r.usage_value).sort()).toEqual(['1.2345', '2']);
    expect(mine.every((r) => svc.standIn.usageReceived.get(r.metering_sn) === 1)).toBe(true);
    expect(pushed.accepted).toBeGreaterThanOrEqual(2);
    expect(again).toMatchObject({ ran: true, pending: 0, calls: [] });
    const [stored] = await svc.deps.usage.listHours(instanceId, [h3.replace(/[-T]/g, '')]);
    expect(stored?.state).toBe(USAGE_STATE.ACCEPTED);
  });

  it('answers a replayed or retried report already-recorded and counts it once', async () => {
    const instanceId = await buy('MOCKONDEMAND');
    const body = { instanceId, hour: hourAgo(2), value: '5' };
    const text = JSON.stringify(body);
    const header = signPayload([svc.usageReportSecret], text, Date.now());

    const answers = await Promise.all([
      report(body, { header }),
      report(body, { header }),
      report(body),
    ]);

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const outcomes = answers.map((a) => (a.json.results as { outcome: string }[])[0]?.outcome);
    expect(outcomes.sort()).toEqual(['already-recorded', 'already-recorded', 'recorded']);
    expect(await usageInfoOf(instanceId)).toEqual([expect.objectContaining({ usageValue: 5 })]);
  });

  it('retries a push KooGallery failed on the next run, then it is accepted', async () => {
    await pushUsage(pushPorts());
    const instanceId = await buy('MOCKONDEMANDPKG');
    await report({ instanceId, hour: hourAgo(4), value: '7' });
    svc.standIn.faults.failNextPushes(1, 'http500');

    const failed = await pushUsage(pushPorts());
    const retried = await pushUsage(pushPorts());

    expect(failed).toMatchObject({ accepted: 0, failed: 1 });
    expect(retried).toMatchObject({ accepted: 1, failed: 0 });
    const mine = svc.standIn.usageRecords.filter((r) => r.instance_id === instanceId);
    expect(mine).toEqual([
      expect.objectContaining({ usage_value: '7', relate_pkg_instance: instanceId }),
    ]);
  });

  it('lets two concurrent pushes send each record once', async () => {
    await pushUsage(pushPorts());
    const instanceId = await buy('MOCKONDEMAND');
    for (let h = 2; h < 8; h++) await report({ instanceId, hour: hourAgo(h), value: `${h}.5` });

    const runs = await Promise.all([pushUsage(pushPorts()), pushUsage(pushPorts())]);

    // The run that sent them accepted all six; any other run that ran came after it and found
    // none of them pending; a run that did not run sent nothing.
    const sentBy = runs.map((r) => r.records.filter((x) => x.instanceId === instanceId));
    expect(sentBy.flat().every((x) => x.outcome === 'accepted')).toBe(true);
    expect(sentBy.map((x) => x.length).sort()).toEqual([0, 6]);
    const sender = runs[sentBy.findIndex((x) => x.length === 6)];
    expect(sender).toMatchObject({ ran: true, incomplete: false });
    // The push before cleared every other pending hour: the runs' accepted counts add up to six.
    expect(runs.reduce((n, r) => n + r.accepted, 0)).toBe(6);
    const other = runs.find((r) => r !== sender);
    if (other?.ran) expect(other).toMatchObject({ pending: 0, calls: [] });
    else expect(other?.calls).toEqual([]);
    const mine = svc.standIn.usageRecords.filter((r) => r.instance_id === instanceId);
    expect(mine).toHaveLength(6);
    expect(mine.map((r) => svc.standIn.usageReceived.get(r.metering_sn))).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
  });

  it('refuses each bad report with a clear message and changes nothing in the table', async () => {
    const instanceId = await buy('MOCKONDEMAND');
    const periodId = await buy('MOCKPERIODYEARNEW');
    const releasedId = await buy('MOCKONDEMAND');
    expect(
      (await svc.send({ activity: 'releaseInstance', instanceId: releasedId })).json.resultCode,
    ).toBe('000000');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ instanceId, hour: hourAgo(-2), value: '1' }, 'future-hour', /in the future/],
      [{ instanceId, hour: hourAgo(0), value: '1' }, 'open-hour', /not ended/],
      [{ instanceId, hour: hourAgo(24 * 21 + 1), value: '1' }, 'too-old', /21-day/],
      [{ instanceId, hour: hourAgo(2), value: '1.00001' }, 'bad-value', /at most 4/],
      [{ instanceId, hour: hourAgo(2), value: '0' }, 'bad-value', /greater than 0/],
      [{ instanceId, hour: hourAgo(2), value: '-1' }, 'bad-value', /greater than 0/],
      [
        { instanceId: 'never-bought', hour: hourAgo(2), value: '1' },
        'unknown-instance',
        /does not exist/,
      ],
      [{ instanceId: releasedId, hour: hourAgo(2), value: '1' }, 'released', /released/],
      [
        { instanceId: periodId, hour: hourAgo(2), value: '1' },
        'not-metered',
        /not billed by usage/,
      ],
    ];
    const before = await scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);

    const answers = await Promise.all(cases.map(([body]) => report(body)));

    const after = await scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);
    expect(changedKeys(before, after)).toEqual([]);
    answers.forEach((a, i) => {
      const [, reason, message] = cases[i] as (typeof cases)[number];
      expect(a.status).toBe(422);
      const [result] = a.json.results as { outcome: string; reason: string; message: string }[];
      expect({ outcome: result?.outcome, reason: result?.reason }).toEqual({
        outcome: 'refused',
        reason,
      });
      expect(result?.message).toMatch(message);
    });
  });

  it('refuses a report with a wrong signature (401) or a malformed body (400)', async () => {
    const instanceId = await buy('MOCKONDEMAND');

    const wrong = await report({ instanceId, hour: hourAgo(2), value: '1' }, { secret: 'not-it' });
    const stale = await report(
      { instanceId, hour: hourAgo(2), value: '1' },
      { header: signPayload([svc.usageReportSecret], '{}', Date.now() - 10 * 60_000) },
    );
    const malformed = await report({ records: 'nope' });

    expect(wrong.status).toBe(401);
    expect(stale.status).toBe(401);
    expect(malformed).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/records/) },
    });
    expect(await usageInfoOf(instanceId)).toBeUndefined();
  });

  it('keeps KooGallery calls and usage reports apart', async () => {
    // A KooGallery-signed queryInstance sent to the usage path never reaches the front ends.
    const toUsage = await svc.send(
      { activity: 'queryInstance', instanceId: 'x' },
      { path: '/koogallery/usage' },
    );
    // A usage report sent to the production path is a KooGallery call, refused as unsigned.
    const toFrontEnd = await report(
      { instanceId: 'x', hour: hourAgo(2), value: '1' },
      { path: '/koogallery' },
    );

    expect(toUsage.status).toBe(401);
    expect(toUsage.json.resultCode).toBeUndefined();
    expect(toFrontEnd.status).toBe(200);
    expect(toFrontEnd.json.resultCode).toBe('000001');
  });

  it('answers no usageInfo for a period instance or a test call', async () => {
    const periodId = await buy('MOCKPERIODYEARNEW');
    const test = await svc.send({
      activity: 'queryInstance',
      instanceId: 'any-test',
      testFlag: '1',
    });

    expect(await usageInfoOf(periodId)).toBeUndefined();
    expect((test.json.info as { usageInfo?: unknown }[])[0]?.usageInfo).toBeUndefined();
  });
});
