import { Module } from '@nestjs/common';
import { CountersController } from './counters.controller';
import { CountersService } from './counters.service';
import { EnforcerClient } from './enforcer-client';

/** `GET|DELETE /v1/counters` and `POST /v1/counters/explain`: the caller inspector, through each region's enforcer. */
@Module({ controllers: [CountersController], providers: [CountersService, EnforcerClient] })
export class CountersModule {}
