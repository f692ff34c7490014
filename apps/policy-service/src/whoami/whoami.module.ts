import { Module } from '@nestjs/common';
import { WhoAmIController } from './whoami.controller';

/** `GET /v1/whoami`: who the bearer token belongs to. */
@Module({ controllers: [WhoAmIController] })
export class WhoAmIModule {}
