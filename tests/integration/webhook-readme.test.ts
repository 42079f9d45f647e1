/**
 * The README's five-line verifiers (Node and Python) and the simulator's own verifier against the
 * function's signatures (#12).
 */
import { signPayload } from '../../lib/signed-payload';
import { verifyDelivery } from '../../lib/sim/webhook-receiver';
import { readmeNodeVerify, readmePythonVerify } from '../helpers/readme-verifiers';

const NEW = 'whsec_readme_new_0123456789abcdef';
const OLD = 'whsec_readme_old_0123456789abcdef';
const NOW_MS = Date.UTC(2026, 0, 1, 0, 0, 0);
const BODY = Buffer.from('{"id":"evt_1","type":"instance.provision","data":{"memo":"café"}}');
const ROTATING = signPayload([NEW, OLD], BODY, NOW_MS);

/** Each case and the verdict the documented recipe must reach. */
const CASES: Array<{
  name: string;
  header: string;
  body: Buffer;
  secret: string;
  at: number;
  ok: boolean;
}> = [
  { name: 'current secret', header: ROTATING, body: BODY, secret: NEW, at: NOW_MS, ok: true },
  {
    name: 'previous secret while rotating',
    header: ROTATING,
    body: BODY,
    secret: OLD,
    at: NOW_MS,
    ok: true,
  },
  {
    name: 'another secret',
    header: ROTATING,
    body: BODY,
    secret: `${NEW}x`,
    at: NOW_MS,
    ok: false,
  },
  {
    name: 'changed body',
    header: ROTATING,
    body: Buffer.from(`${BODY} `),
    secret: NEW,
    at: NOW_MS,
    ok: false,
  },
  {
    name: '5 minutes late',
    header: ROTATING,
    body: BODY,
    secret: NEW,
    at: NOW_MS + 300_000,
    ok: true,
  },
  {
    name: '5 minutes early',
    header: ROTATING,
    body: BODY,
    secret: NEW,
    at: NOW_MS - 300_000,
    ok: true,
  },
  {
    name: 'over 5 minutes late',
    header: ROTATING,
    body: BODY,
    secret: NEW,
    at: NOW_MS + 301_000,
    ok: false,
  },
  {
    name: 'over 5 minutes early',
    header: ROTATING,
    body: BODY,
    secret: NEW,
    at: NOW_MS - 301_000,
    ok: false,
  },
  { name: 'no v1', header: `t=${NOW_MS / 1000}`, body: BODY, secret: NEW, at: NOW_MS, ok: false },
];

describe("the README's webhook verifiers (#12)", () => {
  it('the Node verifier reaches the expected verdict for each case', () => {
    const verify = readmeNodeVerify();

    const verdicts = CASES.map((c) => ({
      name: c.name,
      ok: verify(c.header, c.body, c.secret, c.at),
    }));

    expect(verdicts).toEqual(CASES.map((c) => ({ name: c.name, ok: c.ok })));
  });

  it('the Python verifier reaches the expected verdict for each case', () => {
    const verdicts = readmePythonVerify(
      CASES.map((c) => ({
        header: c.header,
        body: c.body,
        secret: c.secret,
        nowSeconds: c.at / 1000,
      })),
    );

    expect(CASES.map((c, i) => ({ name: c.name, ok: verdicts[i] }))).toEqual(
      CASES.map((c) => ({ name: c.name, ok: c.ok })),
    );
  });

  it("the simulator's own verifier (serve-webhook) reaches the expected verdict for each case", () => {
    const verdicts = CASES.map((c) => ({
      name: c.name,
      ok: verifyDelivery(c.header, c.body, [c.secret], c.at).ok,
    }));

    expect(verdicts).toEqual(CASES.map((c) => ({ name: c.name, ok: c.ok })));
  });
});
