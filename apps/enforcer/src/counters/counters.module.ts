import { Module } from '@nestjs/common';
import { GlobalModule } from '../global/global.module';
import { PoliciesModule } from '../policies/policies.module';
import { StoreModule } from '../store/store.module';
import { CounterInspector } from './counter-inspector.service';
import { CountersController, InternalTokenGuard } from './counters.controller';

/** Operators' questions about one counter (internal route) and their resets (from the policy-change stream). */
@Module({
  imports: [PoliciesModule, StoreModule, GlobalModule],
  controllers: [CountersController],
  providers: [CounterInspector, InternalTokenGuard],
})
export class CountersModule {}
