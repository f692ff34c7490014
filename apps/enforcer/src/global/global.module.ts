import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { StoreModule } from '../store/store.module';
import { GlobalCheckService } from './global-check.service';
import { GlobalSyncService } from './global-sync.service';

/**
 * Global limits on the enforcer side: the decision path of scope "global" policies
 * (GlobalCheckService, called by the check path) and the sync with the reconciler over NATS
 * (GlobalSyncService: allocation table, usage tracker and reporter).
 */
@Module({
  imports: [PoliciesModule, StoreModule],
  providers: [GlobalSyncService, GlobalCheckService],
  exports: [GlobalCheckService, GlobalSyncService],
})
export class GlobalModule {}
