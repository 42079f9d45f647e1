/**
 * `AUDIT_RETENTION_DAYS` as the operator CLI reads it: the function's rule (lib/config.ts), so a
 * value the function refuses is refused here too, naming the setting, not silently replaced.
 */
import { retentionDaysOf } from '../../../lib/admin/timeline';
import { unitConfig } from '../helpers/unit-deps';

const only = (value: string | undefined) => (key: string) =>
  key === 'AUDIT_RETENTION_DAYS' ? value : undefined;

describe('retentionDaysOf (#13)', () => {
  it('reads a valid value, and 400 when unset or empty', () => {
    expect([undefined, '', ' 30 ', '1', '3650'].map((v) => retentionDaysOf(only(v)))).toEqual([
      400, 400, 30, 1, 3650,
    ]);
  });

  it.each(['abc', '0', '3651', '1.5', '-3'])('refuses %j, naming the setting', (value) => {
    expect(() => retentionDaysOf(only(value))).toThrow(
      expect.objectContaining({
        name: 'AdminUsageError',
        message: expect.stringContaining('AUDIT_RETENTION_DAYS must be an integer from 1 to 3650'),
      }),
    );
  });

  it('refuses what the function refuses, and reads what it reads', () => {
    for (const value of ['abc', '0', '3651', '1.5', '30', '']) {
      const config = (() => {
        try {
          return unitConfig({ AUDIT_RETENTION_DAYS: value }).auditRetentionDays;
        } catch (error) {
          expect(String(error)).toContain('AUDIT_RETENTION_DAYS');
          return 'refused';
        }
      })();
      const admin = (() => {
        try {
          return retentionDaysOf(only(value));
        } catch {
          return 'refused';
        }
      })();
      expect([value, admin]).toEqual([value, config]);
    }
  });
});
