import { Module } from '@nestjs/common';
import { TiersController } from './tiers.controller';
import { TiersService } from './tiers.service';

/** `/v1/tiers`: tiers as entities, with the customers and policies that use them. */
@Module({ controllers: [TiersController], providers: [TiersService] })
export class TiersModule {}
