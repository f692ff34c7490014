import { Module } from '@nestjs/common';
import { OverridesModule } from '../overrides/overrides.module';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';

/** `/v1/policies`: versioned policies, with customer overrides listed, read and rolled back as the policies they are. */
@Module({ imports: [OverridesModule], controllers: [PoliciesController], providers: [PoliciesService] })
export class PoliciesModule {}
