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

  /**
   * Ready: NATS connected, the KV bucket of the leader lease reachable, the allocation stream read
   * to its end (nothing left to read) and the lease state known (a lease tick completed: this
   * instance knows whether it leads). A stalled leader stays ready (restarting it would not help
   * and would lose the lease); it is a metric and an alert instead.
   */
  @Get('readyz')
  readyz(@Res({ passthrough: true }) reply: FastifyReply): ReadinessResponse {
    const status = this.reconciler.status();
    const missing: Missing[] = [];
    if (status.natsProblem !== undefined) missing.push({ name: 'nats', reason: status.natsProblem });
    else if (status.kvProblem !== undefined) missing.push({ name: 'kv', reason: status.kvProblem });
    else {
      if (!status.caughtUp) missing.push({ name: 'allocations', reason: `allocation stream not read to its end: ${status.streamProblem ?? 'reading'}` });
      if (!status.leaseKnown) missing.push({ name: 'lease', reason: 'leader lease state not known yet' });
    }
    reply.code(missing.length === 0 ? 200 : 503);
    return { status: missing.length === 0 ? 'ready' : 'not_ready', missing };
  }

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.registry.contentType);
    return this.registry.metrics();
  }
}
