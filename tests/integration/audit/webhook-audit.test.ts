/**
 * Webhook deliveries in the instance's timeline (#13): each delivery of a step is an audit entry
 * with its outcome and event id, through the audit port `buildDeps` wires, never the body or the
 * signature.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditInput } from '../../../lib/audit/audit-trail';
import { createJsonLogger } from '../../../lib/log';
import {
  createWebhookProvisioner,
  eventIdFor,
  WebhookDeliveryError,
} from '../../../lib/provisioner/webhook-provisioner';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

async function receiver(statuses: number[]) {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(statuses.shift() ?? 200, { 'Content-Type': 'application/json' });
      res.end('{"frontEndUrl":"https://tenant.example.com/"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('webhook deliveries in the audit trail (#13)', () => {
  it('records a failed and then a delivered attempt of one step with the same event id', async () => {
    const hook = await receiver([503, 200]);
    const recorded: AuditInput[] = [];
    const provisioner = createWebhookProvisioner({
      url: hook.url,
      secrets: ['whsec_unit_0123456789abcdef'],
      timeoutMs: 2000,
      clock: { now: () => NOW },
      log: createJsonLogger('error', () => undefined),
      audit: {
        recordAudit: async (input) => {
          recorded.push(input);
          return 'written';
        },
      },
    });
    const request = {
      instanceId: 'inst-1',
      test: false,
      orderId: 'ORDER-1',
      orderLineId: 'ORDER-1-000001',
      entitlement: {},
    };

    try {
      await expect(provisioner.provision(request)).rejects.toThrow(WebhookDeliveryError);
      await provisioner.provision(request);
    } finally {
      await hook.close();
    }

    const eventId = eventIdFor('instance.provision', 'inst-1', 'ORDER-1/ORDER-1-000001');
    expect(recorded).toEqual([
      expect.objectContaining({
        kind: 'webhook',
        activity: 'instance.provision',
        instanceId: 'inst-1',
        orderId: 'ORDER-1',
        resultCode: 'failed',
        reason: 'HTTP 503',
        detail: { eventId, status: 503 },
      }),
      expect.objectContaining({ resultCode: 'delivered', detail: { eventId, status: 200 } }),
    ]);
    expect(JSON.stringify(recorded)).not.toMatch(/whsec|signature|frontEndUrl/);
  });
});
