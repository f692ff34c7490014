import { Controller, Get, Res } from '@nestjs/common';
import type { ReadinessResponse } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { ReconcilerService } from '../reconcile/reconciler.service';

type Missing = ReadinessResponse['missing'][number];

/** The endpoints every service has (CONTRACT.md): liveness, readiness, Prometheus metrics. */
@Controller()
export class HealthController {
  constructor(
    private readonly reconciler: ReconcilerService,
    private readonly registry: Registry,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready: NATS connected and the KV bucket of the leader lease reachable. */
  @Get('readyz')
  readyz(@Res({ passthrough: true }) reply: FastifyReply): ReadinessResponse {
    const status = this.reconciler.status();
    const missing: Missing[] = [];
    if (status.natsProblem !== undefined) missing.push({ name: 'nats', reason: status.natsProblem });
    else if (status.kvProblem !== undefined) missing.push({ name: 'kv', reason: status.kvProblem });
    reply.code(missing.length === 0 ? 200 : 503);
    return { status: missing.length === 0 ? 'ready' : 'not_ready', missing };
  }

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.registry.contentType);
    return this.registry.metrics();
  }
}
