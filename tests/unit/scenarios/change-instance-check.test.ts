import { InstanceNotFoundError } from '../../../lib/errors';
import { CHANGE_REFUSED, checkChange } from '../../../lib/scenarios/change-instance-check';
import type { ChangeCheckCommand } from '../../../lib/scenarios/commands';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

const check = (over: Partial<ChangeCheckCommand> = {}): ChangeCheckCommand => ({
  test: false,
  instanceId: 'i',
  productId: 'P-2',
  skuCode: 'SKU-2',
  productName: 'Bigger',
  linearValue: 10,
  ...over,
});

describe('checkChange (change-instance-check.ts)', () => {
  it("answers the provisioner's approval and changes nothing", async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));

    const result = await checkChange(check(), w.context().ctx);

    expect(result).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect((await w.store.getInstance('real', 'i'))?.version).toBe(1);
    expect(w.provisioner.calls).toEqual([{ method: 'checkChange', instanceId: 'i' }]);
  });

  it("answers the provisioner's refusal with its code and a fixed reason; its words go to the log (#14)", async () => {
    const w = scenarioSetup({
      provisioner: {
        checkChange: async () => ({
          allowed: false,
          resultCode: '000106',
          message: 'quota db-7 (10.1.2.3) has 2 slots',
        }),
      },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));
    const { ctx, annotations } = w.context();

    const result = await checkChange(check(), ctx);

    expect(result).toEqual({ resultCode: '000106', resultMsg: CHANGE_REFUSED });
    expect(annotations.detail).toBe('quota db-7 (10.1.2.3) has 2 slots');
  });

  it('answers a refusal written for KooGallery (resultMsg) as given (#12)', async () => {
    const w = scenarioSetup({
      provisioner: {
        checkChange: async () => ({
          allowed: false,
          resultCode: '000100',
          message: 'no capacity for Bigger',
          resultMsg: 'no capacity for Bigger',
        }),
      },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));

    const result = await checkChange(check(), w.context().ctx);

    expect(result).toEqual({ resultCode: '000100', resultMsg: 'no capacity for Bigger' });
  });

  it('answers 000005 when the provisioner refuses with a code that is not 6 digits (#9)', async () => {
    const w = scenarioSetup({
      provisioner: {
        checkChange: async () => ({ allowed: false, resultCode: 'REFUSED', message: 'too small' }),
      },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));
    const { ctx, annotations } = w.context();

    const result = await checkChange(check(), ctx);

    expect(result).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
    expect(annotations.detail).toContain('resultCode "REFUSED", which is not 6 digits');
  });

  it('answers 000003 for a real unknown instance and 000000 for a test one', async () => {
    const w = scenarioSetup();

    await expect(checkChange(check(), w.context().ctx)).rejects.toBeInstanceOf(
      InstanceNotFoundError,
    );
    const test = await checkChange(check({ test: true }), w.context({ test: true }).ctx);

    expect(test.resultCode).toBe('000000');
    expect(w.testProvisioner.calls).toEqual([]);
  });
});
