import { createMemoryInstanceTable, createMemoryStore } from '../../lib/store/memory-store';
import { describeInstanceCatalogContract } from './instance-catalog.contract';
import { describeInstanceStoreContract } from './instance-store.contract';

describeInstanceStoreContract('memory store', () => createMemoryStore());
describeInstanceCatalogContract('memory store', () => createMemoryInstanceTable());
