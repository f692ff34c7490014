import { Module } from '@nestjs/common';
import { AuthRequestRouteRegistrar } from '../auth-request/auth-request-route.registrar';
import { BlocksModule } from '../blocks/blocks.module';
import { EventsModule } from '../events/events.module';
import { GlobalModule } from '../global/global.module';
import { PoliciesModule } from '../policies/policies.module';
import { StoreModule } from '../store/store.module';
import { CheckRouteRegistrar } from './check-route.registrar';
import { CheckService } from './check.service';
import { AcquireService } from '../concurrency/acquire.service';
import { SettleService } from './settle.service';

@Module({
  imports: [PoliciesModule, StoreModule, BlocksModule, EventsModule, GlobalModule],
  providers: [CheckService, SettleService, AcquireService, CheckRouteRegistrar, AuthRequestRouteRegistrar],
  exports: [CheckService],
})
export class CheckModule {}
