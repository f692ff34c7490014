import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { StoreModule } from '../store/store.module';
import { CheckRouteRegistrar } from './check-route.registrar';
import { CheckService } from './check.service';

@Module({
  imports: [PoliciesModule, StoreModule],
  providers: [CheckService, CheckRouteRegistrar],
})
export class CheckModule {}
