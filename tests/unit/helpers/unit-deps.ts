/**
 * In-process dependencies for unit tests: the memory store, a clock the test moves, a logger that
 * keeps its lines, and the real provisioner, issuer and vault. Nothing listens and no store starts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createAuditTrail } from '../../../lib/audit/audit-trail';
import type { Clock } from '../../../lib/clock';
import { type Config, loadConfig } from '../../../lib/config';
import { buildDeps, type Deps } from '../../../lib/deps';
import { cryptoIds } from '../../../lib/ids';
import { createJsonLogger } from '../../../lib/log';
import type { OrderClient } from '../../../lib/open-api/order-client';
import { createMemoryAuditStore } from '../../../lib/store/memory-audit-store';
import { createMemoryStore } from '../../../lib/store/memory-store';
import { createMemoryUsageStore } from '../../../lib/store/memory-usage-store';

/** A clock that moves only when the test says so. */
export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

/** A {@link TestClock} starting at `start` (epoch ms). */
export function testClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)): TestClock {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** The SaaS V2.0 access key of unit-test configurations. */
export const UNIT_ACCESS_KEY = 'unit-test-access-key-0123456789';
/** The V1.0 key of unit-test configurations. */
export const UNIT_V1_ACCESS_KEY = 'unit-test-v1-access-key-0123456789';
/** The License key of unit-test configurations. */
export const UNIT_LICENSE_ACCESS_KEY = 'unit-test-license-access-key-0123456789';

const SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

/** The at-rest key of unit tests (32 bytes, hex). */
const UNIT_CREDENTIALS_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** A configuration for unit tests; `settings` adds or replaces settings by name. */
export function unitConfig(settings: Record<string, string> = {}): Config {
  const all: Record<string, string> = {
    KOOGALLERY_ACCESS_KEY: UNIT_ACCESS_KEY,
    KOOGALLERY_V1_ACCESS_KEY: UNIT_V1_ACCESS_KEY,
    KOOGALLERY_LICENSE_ACCESS_KEY: UNIT_LICENSE_ACCESS_KEY,
    HUAWEICLOUD_AK: 'unit-ak',
    HUAWEICLOUD_SK: 'unit-sk',
    CREDENTIALS_KEY: UNIT_CREDENTIALS_KEY,
    KOOGALLERY_API_ENDPOINT: 'http://127.0.0.1:9',
    TABLE_NAME: 'unit-table',
    FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com',
    ADMIN_URL_TEMPLATE: 'https://{shortId}.example.com/admin',
    LICENSE_SIGNING_KEY: SIGNING_KEY,
    ...settings,
  };
  return loadConfig((k) => all[k]);
}

/** An order client that answers a monthly order for any id, or what `answer` gives. */
export function fakeOrders(answer?: OrderClient['queryOrder']): OrderClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async queryOrder(orderId, orderLineId) {
      calls.push(orderId);
      if (answer) return answer(orderId, orderLineId);
      return {
        orderId,
        orderType: 'NEW',
        orderLine: [
          {
            orderLineId: orderLineId ?? `${orderId}-000001`,
            chargingMode: 'PERIOD',
            periodType: 'month',
            periodNumber: 1,
            expireTime: Date.UTC(2026, 1, 15, 12, 0, 0),
            productInfo: [{ productId: 'P-1', skuCode: 'SKU-1', linearValue: 5 }],
          },
        ],
        buyerInfo: { customerId: 'C-1' },
      };
    },
  };
}

/** Unit-test dependencies and what the test inspects. */
export interface UnitDeps {
  deps: Deps;
  clock: TestClock;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
}

/** Builds {@link Deps} for a unit test; `overrides` replaces any of them. */
export function unitDeps(
  overrides: Partial<Deps> = {},
  settings: Record<string, string> = {},
): UnitDeps {
  const clock = testClock();
  const logs: Record<string, unknown>[] = [];
  const log = overrides.log ?? createJsonLogger('debug', (line) => logs.push(JSON.parse(line)));
  const deps = buildDeps(unitConfig(settings), {
    store: createMemoryStore(),
    usage: createMemoryUsageStore(),
    clock,
    orders: fakeOrders(),
    log,
    // In memory like the store, so no unit test reaches a network (#13).
    audit: createAuditTrail({
      store: createMemoryAuditStore(),
      clock: overrides.clock ?? clock,
      ids: overrides.ids ?? cryptoIds,
      log,
      retentionDays: 400,
    }),
    ...overrides,
  });
  return { deps, clock, logs };
}
