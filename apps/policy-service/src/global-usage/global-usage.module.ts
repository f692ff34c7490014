import { Module } from '@nestjs/common';
import { GlobalUsageController } from './global-usage.controller';
import { ReconcilerClient } from './reconciler-client';

/** `GET /v1/global-usage`: the console's live per-region view, forwarded to the reconciler. */
@Module({ controllers: [GlobalUsageController], providers: [ReconcilerClient] })
export class GlobalUsageModule {}
