import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { StoreModule } from '../store/store.module';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [PoliciesModule, StoreModule],
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class HealthModule {}
