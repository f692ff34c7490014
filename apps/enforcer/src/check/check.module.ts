import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { PoliciesModule } from '../policies/policies.module';
import { StoreModule } from '../store/store.module';
import { CheckRouteRegistrar } from './check-route.registrar';
import { CheckService } from './check.service';

@Module({
  imports: [PoliciesModule, StoreModule, BlocksModule],
  providers: [CheckService, CheckRouteRegistrar],
})
export class CheckModule {}
