import { InProgressError, InstanceNotFoundError } from '../errors';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import type { Decision } from './instance-writes';
import { type ScenarioResult, success } from './scenario';

/**
 * What a call about an instance that is missing, released or still provisioning answers, or
 * undefined when the instance is live. Test calls always succeed (docs/protocol.md, decision 8); a real call
 * for an instance that never existed is `000003` (docs/protocol.md, decision 9), one still provisioning `000004`.
 */
export function unavailableAnswer(
  current: InstanceRecord | undefined,
  test: boolean,
  releasedAnswer: ScenarioResult | 'not-found' = 'not-found',
): Decision | undefined {
  if (current === undefined) {
    if (test) return { kind: 'answer', result: success() };
    throw new InstanceNotFoundError();
  }
  if (current.status === STATUS.RELEASED) {
    if (test) return { kind: 'answer', result: success() };
    if (releasedAnswer === 'not-found') {
      throw new InstanceNotFoundError('instance was released');
    }
    return { kind: 'answer', result: releasedAnswer };
  }
  if (current.status === STATUS.PROVISIONING) {
    if (test) return { kind: 'answer', result: success() };
    throw new InProgressError('instance is still being provisioned, retry later');
  }
  return undefined;
}
