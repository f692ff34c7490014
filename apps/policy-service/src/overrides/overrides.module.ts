import { Module } from '@nestjs/common';
import { AdminLimitsController } from './admin-limits.controller';
import { OverridesService } from './overrides.service';

@Module({ controllers: [AdminLimitsController], providers: [OverridesService], exports: [OverridesService] })
export class OverridesModule {}
