import { createMemoryStore } from '../../lib/store/memory-store';
import { describeInstanceStoreContract } from './instance-store.contract';

describeInstanceStoreContract('memory store', () => createMemoryStore());
