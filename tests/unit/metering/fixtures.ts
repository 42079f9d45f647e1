/**
 * Shared pieces of the metering unit tests (#11): an injected clock, memory stores with instances of
 * each charging mode, and a real usage client talking to the real open-API stand-in.
 */
import { randomUUID } from 'node:crypto';
import { type OpenApiStandIn, startOpenApiStandIn } from '../../../lib/local/open-api-stand-in';
import type { Logger } from '../../../lib/log';
import { createUsageClient, type UsageClient } from '../../../lib/open-api/usage-client';
import {
  type InstanceRecord,
  type InstanceStore,
  NAMESPACE,
  STATUS,
} from '../../../lib/store/instance-store';
import { createMemoryStore } from '../../../lib/store/memory-store';
import { createMemoryUsageStore } from '../../../lib/store/memory-usage-store';
import type { UsageStore } from '../../../lib/store/usage-store';

/** 2026-11-29T12:30:00Z: hour 2026-11-29T11 has ended, hour 12 has not. */
export const NOW = Date.UTC(2026, 10, 29, 12, 30);

/** A clock the test moves by hand. */
export function manualClock(start = NOW) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

/** A logger that keeps every line. */
export function captureLog(): Logger & {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Creates a real instance with `chargingMode` (and `status`) in `store`. */
export async function addInstance(
  store: InstanceStore,
  chargingMode: string | undefined,
  status: InstanceRecord['status'] = STATUS.ACTIVE,
): Promise<string> {
  const instanceId = randomUUID();
  await store.createInstance({
    namespace: NAMESPACE.REAL,
    instanceId,
    status,
    version: 1,
    orderId: `CS${instanceId}`,
    orderLineId: `CS${instanceId}-000001`,
    protocol: 'v2',
    entitlement: chargingMode === undefined ? {} : { chargingMode },
    appliedOrders: [],
    createdAt: NOW,
    updatedAt: NOW,
  });
  return instanceId;
}

/** Memory stores for one test. */
export function memoryPorts(clock = manualClock()) {
  const instances = createMemoryStore();
  const usage: UsageStore = createMemoryUsageStore();
  return { instances, usage, clock };
}

/** The stand-in (checking the signature header and the 21-day window at the clock's time) and a client. */
export async function standInWithClient(clock: {
  now(): number;
}): Promise<{ standIn: OpenApiStandIn; client: UsageClient }> {
  const ak = 'TESTAK0123456789ABCD';
  const sk = 'test-sk-0123456789';
  const accessKey = 'test-access-key';
  const standIn = await startOpenApiStandIn({ ak, sk, accessKey, now: () => clock.now() });
  const client = createUsageClient({
    endpoint: standIn.endpoint,
    ak,
    sk,
    accessKey,
    timeoutMs: 2000,
    now: () => clock.now(),
  });
  return { standIn, client };
}
