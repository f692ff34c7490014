import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminBootstrap } from './admin-bootstrap';
import { ApiKeyGuard } from './api-key-guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** Bearer-token authentication on every route (a global guard), roles, and API key management. */
@Global()
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeysService, AdminBootstrap, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeysService],
})
export class AuthModule {}
