import { shorten } from '../answer-limits';
import { InProgressError, KooGalleryError, OrderUnavailableError } from '../errors';
import type { InstanceRecord, Namespace } from '../store/instance-store';
import type { ScenarioContext, ScenarioResult } from './scenario';

/** Optimistic writes retry this often before answering `000004` (KooGallery will retry). */
export const MAX_WRITE_ATTEMPTS = 6;

/** The longest `lastError` kept (the operator tools show it; no answer carries it). */
export const MAX_LAST_ERROR = 1000;

/**
 * What an instance's `lastError` says about `error`: our own errors' detail or message (written to
 * be safe: no URL, no secret), else `fallback`, since a foreign message may quote a secret.
 */
export function failureReason(error: unknown, fallback: string): string {
  const reason =
    error instanceof KooGalleryError
      ? (error.detail ?? error.message)
      : error instanceof OrderUnavailableError
        ? error.message
        : fallback;
  return shorten(reason, MAX_LAST_ERROR);
}

/**
 * Runs one call of a decision to the provisioner (`name`: the step, e.g. `renew`). When it
 * rejects and the decision fails with that rejection, {@link changeInstance} records it as the
 * instance's `lastError`.
 */
export type Step = <T>(name: string, work: () => Promise<T>) => Promise<T>;

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
 *
 * A provisioner call made through `step` that fails the decision leaves the state as it was and
 * records why as the instance's `lastError` (conditioned on the version read), so a step that keeps
 * failing stays visible to the operator tools (#12); the failure is then thrown on, so the answer is
 * the same as without the record. The next write of the instance that succeeds clears it.
 */
export async function changeInstance<R extends ScenarioResult>(
  ctx: ScenarioContext<'store'>,
  namespace: Namespace,
  instanceId: string,
  decide: (current: InstanceRecord | undefined, step: Step) => Promise<Decision<R>>,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await ctx.ports.store.getInstance(namespace, instanceId);
    const failed: { name?: string; error?: unknown } = {};
    const step: Step = async (name, work) => {
      try {
        return await work();
      } catch (error) {
        Object.assign(failed, { name, error });
        throw error;
      }
    };
    let decision: Decision<R>;
    try {
      decision = await decide(current, step);
    } catch (error) {
      if (current && failed.name !== undefined && failed.error === error) {
        const reason = failureReason(error, 'the provisioner failed');
        await recordFailure(ctx, current, shorten(`${failed.name}: ${reason}`, MAX_LAST_ERROR));
      }
      throw error;
    }
    if (decision.kind === 'answer') return decision.result;
    const next =
      current?.lastError !== undefined && decision.next.lastError === current.lastError
        ? { ...decision.next, lastError: undefined }
        : decision.next;
    const outcome = current
      ? await ctx.ports.store.updateInstance(next)
      : await ctx.ports.store.createInstance(next);
    if (outcome === 'written') return decision.result;
  }
  throw new InProgressError('the instance is changing concurrently, retry later');
}

/** Records a failed step's reason on the record as read; state and expiry stay as they were. */
async function recordFailure(
  ctx: ScenarioContext<'store'>,
  current: InstanceRecord,
  lastError: string,
): Promise<void> {
  try {
    await ctx.ports.store.updateInstance(nextVersion(ctx, current, { lastError }));
  } catch {
    // The store is down too (or the call was a replay): the failure still answers as it would.
  }
}

/** The next version of a record with some fields changed. */
export function nextVersion(
  ctx: ScenarioContext<never>,
  current: InstanceRecord,
  changes: Partial<InstanceRecord>,
): InstanceRecord {
  return { ...current, ...changes, version: current.version + 1, updatedAt: ctx.clock.now() };
}
