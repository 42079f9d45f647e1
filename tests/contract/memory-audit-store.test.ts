import { createMemoryAuditStore } from '../../lib/store/memory-audit-store';
import { describeAuditStoreContract } from './audit-store.contract';

describeAuditStoreContract('memory audit store', () => createMemoryAuditStore());
