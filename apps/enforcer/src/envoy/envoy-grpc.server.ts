import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { EnforcerConfig, type EnvoyGrpcSettings } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { EnvoyMetrics, type RlsCallOutcome } from './envoy-metrics';
import { EnvoyRateLimitService } from './envoy-rate-limit.service';
import { loadRlsDefinition, RLS_SERVICE_NAME, type RateLimitRequestMessage, type RateLimitResponseMessage } from './rls-proto';
import { RlsInvalidArgumentError } from './rls-request';
import { RlsUnavailableError } from './rls-response';

/**
 * Largest accepted request message. Real descriptor sets are a few hundred bytes; grpc-js refuses
 * anything larger with RESOURCE_EXHAUSTED before decoding it.
 */
export const RLS_MAX_MESSAGE_BYTES = 256 * 1024;

/** After shutdown starts, how long in-flight calls may take before their streams are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/** `host:port` as grpc-js binds it, IPv6 literals in brackets. */
export function grpcAddress(settings: EnvoyGrpcSettings): string {
  return `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
}

/**
 * Serves `envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit` over plaintext HTTP/2 gRPC on
 * ENVOY_GRPC_HOST:ENVOY_GRPC_PORT, when ENVOY_GRPC_PORT is set. Bound when the application
 * bootstraps (a port in use fails the boot, naming the variable); on shutdown, after the HTTP
 * server has closed and before the counter store does, it stops taking calls and lets calls in
 * flight finish for up to SHUTDOWN_GRACE_MS.
 *
 * The one place where errors become gRPC statuses: a bad request is INVALID_ARGUMENT with the field
 * path, a fail-closed descriptor the store could not count is UNAVAILABLE, anything else is
 * logged and INTERNAL. A malformed message never reaches the handler (grpc-js answers INTERNAL).
 */
@Injectable()
export class EnvoyGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    private readonly config: EnforcerConfig,
    private readonly service: EnvoyRateLimitService,
    private readonly metrics: EnvoyMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.config.envoyGrpc;
    if (settings === undefined) return;
    const definition = loadRlsDefinition()[RLS_SERVICE_NAME] as ServiceDefinition;
    const server = new Server({ 'grpc.max_receive_message_length': RLS_MAX_MESSAGE_BYTES });
    server.addService(definition, { ShouldRateLimit: this.shouldRateLimit });
    const address = grpcAddress(settings);
    try {
      await new Promise<number>((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => (error === null ? resolve(port) : reject(error)));
      });
    } catch (error) {
      server.forceShutdown();
      throw new Error(`cannot listen for Envoy rate-limit gRPC on ${address} (ENVOY_GRPC_HOST, ENVOY_GRPC_PORT): ${error instanceof Error ? error.message : String(error)}`);
    }
    this.server = server;
    this.logger.info({ address }, `envoy rate-limit gRPC service listening on ${address}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        this.logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'envoy gRPC calls still in flight at the end of the grace period; cutting them');
        server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(deadline);
        resolve();
      });
    });
    this.logger.info('envoy rate-limit gRPC service stopped');
  }

  private readonly shouldRateLimit = (
    call: ServerUnaryCall<RateLimitRequestMessage, RateLimitResponseMessage>,
    callback: sendUnaryData<RateLimitResponseMessage>,
  ): void => {
    const started = performance.now();
    const done = (outcome: RlsCallOutcome): void => this.metrics.record(outcome, (performance.now() - started) / 1000);
    this.service.shouldRateLimit(call.request).then(
      (response) => {
        done(response.overall_code === 'OVER_LIMIT' ? 'OVER_LIMIT' : 'OK');
        callback(null, response);
      },
      (error: unknown) => {
        if (error instanceof RlsInvalidArgumentError) {
          done('INVALID_ARGUMENT');
          callback({ code: status.INVALID_ARGUMENT, details: error.message });
        } else if (error instanceof RlsUnavailableError) {
          done('UNAVAILABLE');
          callback({ code: status.UNAVAILABLE, details: error.message });
        } else {
          done('INTERNAL');
          this.logger.error({ err: error }, 'envoy ShouldRateLimit failed');
          callback({ code: status.INTERNAL, details: 'internal error' });
        }
      },
    );
  };
}
