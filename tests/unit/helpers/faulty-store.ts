/**
 * A store wrapper that injects conflicts and failures on chosen calls, so each race branch of a
 * scenario runs in process: "the 2nd updateInstance conflicts", "every createInstance conflicts",
 * "the first createInstance is written but its answer is lost".
 */
import type {
  InstanceRecord,
  InstanceStore,
  WriteOutcome,
} from '../../../lib/store/instance-store';

/** The store methods a fault can be put on. */
export type StoreMethod = 'getInstance' | 'getInstances' | 'createInstance' | 'updateInstance';

/** What happens to a chosen call. */
export type Fault =
  /** A write answers `conflict` without writing (another call won). */
  | { kind: 'conflict' }
  /** A write reaches the table, then answers `conflict` (its answer lost, the SDK's retry saw it). */
  | { kind: 'written-then-conflict' }
  /** The call rejects with `error` without reaching the table. */
  | { kind: 'fail'; error: Error }
  /** `run` happens first (a concurrent change), then the call goes ahead. */
  | { kind: 'before'; run: () => Promise<void> }
  /** A read finds nothing, whatever is stored. */
  | { kind: 'missing' };

interface Rule {
  method: StoreMethod;
  /** 1-based call numbers of `method`, or every call. */
  calls: number[] | 'every';
  fault: Fault;
}

/** The wrapped store and how to arm it. */
export interface FaultyStore {
  store: InstanceStore;
  /** The untouched store (for arranging and asserting state). */
  inner: InstanceStore;
  /** Puts `fault` on the given calls (1-based) of `method`, or on every call. */
  on(method: StoreMethod, calls: number[] | 'every', fault: Fault): FaultyStore;
  /** Calls per method so far. */
  count: Record<StoreMethod, number>;
}

/** Wraps `inner`; with no rule armed it behaves exactly like `inner`. */
export function faultyStore(inner: InstanceStore): FaultyStore {
  const rules: Rule[] = [];
  const count: Record<StoreMethod, number> = {
    getInstance: 0,
    getInstances: 0,
    createInstance: 0,
    updateInstance: 0,
  };
  const faultFor = (method: StoreMethod): Fault | undefined => {
    count[method] += 1;
    const n = count[method];
    return rules.find((r) => r.method === method && (r.calls === 'every' || r.calls.includes(n)))
      ?.fault;
  };
  const write =
    (method: 'createInstance' | 'updateInstance') =>
    async (record: InstanceRecord): Promise<WriteOutcome> => {
      const fault = faultFor(method);
      if (fault?.kind === 'conflict') return 'conflict';
      if (fault?.kind === 'fail') throw fault.error;
      if (fault?.kind === 'before') await fault.run();
      const outcome = await inner[method](record);
      return fault?.kind === 'written-then-conflict' ? 'conflict' : outcome;
    };
  const read = async <T>(method: StoreMethod, go: () => Promise<T>, none: T): Promise<T> => {
    const fault = faultFor(method);
    if (fault?.kind === 'fail') throw fault.error;
    if (fault?.kind === 'missing') return none;
    if (fault?.kind === 'before') await fault.run();
    return go();
  };
  const faulty: FaultyStore = {
    inner,
    count,
    store: {
      getInstance: (ns, id) => read('getInstance', () => inner.getInstance(ns, id), undefined),
      getInstances: (ns, ids) => read('getInstances', () => inner.getInstances(ns, ids), []),
      createInstance: write('createInstance'),
      updateInstance: write('updateInstance'),
      recordNonce: (f, n, e) => inner.recordNonce(f, n, e),
      listInstances: (page) => inner.listInstances(page),
    },
    on(method, calls, fault) {
      rules.push({ method, calls, fault });
      return faulty;
    },
  };
  return faulty;
}
