import { InProgressError } from '../errors';
import type { InstanceRecord, Namespace } from '../store/instance-store';
import type { ScenarioContext, ScenarioResult } from './scenario';

/** Optimistic writes retry this often before answering `000004` (KooGallery will retry). */
export const MAX_WRITE_ATTEMPTS = 6;

/** What a decision over the current record asks for. */
export type Decision<R extends ScenarioResult = ScenarioResult> =
  | { kind: 'answer'; result: R }
  /** Write `next`: created when nothing was read, else conditioned on the version read. */
  | { kind: 'write'; next: InstanceRecord; result: R };

/**
 * Reads an instance, lets `decide` choose an answer or a new state, and writes the new state:
 * created (`attribute_not_exists`) when there was none, else conditioned on the version it read.
 * On a concurrent change it reads again and decides again, {@link MAX_WRITE_ATTEMPTS} times, then
 * answers `000004` (`InProgressError`). `decide` may call the provisioner: its methods are
 * idempotent, so deciding twice is safe.
 */
export async function changeInstance<R extends ScenarioResult>(
  ctx: ScenarioContext<'store'>,
  namespace: Namespace,
  instanceId: string,
  decide: (current: InstanceRecord | undefined) => Promise<Decision<R>>,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await ctx.ports.store.getInstance(namespace, instanceId);
    const decision = await decide(current);
    if (decision.kind === 'answer') return decision.result;
    const outcome = current
      ? await ctx.ports.store.updateInstance(decision.next)
      : await ctx.ports.store.createInstance(decision.next);
    if (outcome === 'written') return decision.result;
  }
  throw new InProgressError('the instance is changing concurrently, retry later');
}

/** The next version of a record with some fields changed. */
export function nextVersion(
  ctx: ScenarioContext<never>,
  current: InstanceRecord,
  changes: Partial<InstanceRecord>,
): InstanceRecord {
  return { ...current, ...changes, version: current.version + 1, updatedAt: ctx.clock.now() };
}
