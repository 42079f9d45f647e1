/**
 * Usage pushes in the instance's timeline (#13): each call to KooGallery's usage API is an entry of
 * every instance it carried hours of, with its outcome and the hours sent.
 */
import type { AuditInput } from '../../../lib/audit/audit-trail';
import { pushUsage } from '../../../lib/metering/push-usage';
import { recordUsage } from '../../../lib/metering/record-usage';
import {
  addInstance,
  captureLog,
  manualClock,
  memoryPorts,
  standInWithClient,
} from '../../unit/metering/fixtures';

describe('usage pushes in the audit trail (#13)', () => {
  it('records one accepted entry per instance of a call, with its hours', async () => {
    const clock = manualClock();
    const ports = memoryPorts(clock);
    const { standIn, client } = await standInWithClient(clock);
    const recorded: AuditInput[] = [];
    try {
      const a = await addInstance(ports.instances, 'ON_DEMAND');
      const b = await addInstance(ports.instances, 'ON_DEMAND');
      await recordUsage(ports, { instanceId: a, hour: '2026-11-29T10', value: '1.5' });
      await recordUsage(ports, { instanceId: a, hour: '2026-11-29T11', value: '2' });
      await recordUsage(ports, { instanceId: b, hour: '2026-11-29T10', value: '3' });

      const report = await pushUsage({
        usage: ports.usage,
        client,
        clock,
        ids: { token: () => 'holder-1' },
        log: captureLog(),
        audit: {
          recordAudit: async (input) => {
            recorded.push(input);
            return 'written';
          },
        },
      });

      expect(report.accepted).toBe(3);
      const byInstance = Object.fromEntries(recorded.map((e) => [e.instanceId, e]));
      expect(recorded).toHaveLength(2);
      expect(byInstance[a]).toMatchObject({
        kind: 'usage',
        activity: 'usage push',
        resultCode: 'accepted',
        detail: { records: 2, firstHour: '2026-11-29T10', lastHour: '2026-11-29T11' },
      });
      expect(byInstance[b]).toMatchObject({ resultCode: 'accepted', detail: { records: 1 } });
    } finally {
      await standIn.close();
    }
  });
});
