import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { GlobalSyncService } from './global-sync.service';

/**
 * Global limits on the enforcer side: the sync with the reconciler over NATS (GlobalSyncService:
 * allocation table, usage tracker and reporter). Decisions of scope "global" policies go through
 * the same pipeline as every other decision (CheckService).
 */
@Module({
  imports: [PoliciesModule],
  providers: [GlobalSyncService],
  exports: [GlobalSyncService],
})
export class GlobalModule {}
