import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { EnvoyImportsController } from './envoy-imports.controller';
import { EnvoyImportsService } from './envoy-imports.service';
import { acceptYamlBodies } from './yaml-body';

/** `POST /v1/imports/envoy-ratelimit`: envoyproxy/ratelimit files as versioned, audited policies. */
@Module({ controllers: [EnvoyImportsController], providers: [EnvoyImportsService] })
export class ImportsModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    acceptYamlBodies(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}
