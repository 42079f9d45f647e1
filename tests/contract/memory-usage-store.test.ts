import { createMemoryUsageStore } from '../../lib/store/memory-usage-store';
import { describeUsageStoreContract } from './usage-store.contract';

describeUsageStoreContract('memory usage store', () => createMemoryUsageStore());
