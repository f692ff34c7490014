import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FieldError } from '@rl/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '@rl/platform/service';
import {
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  PreconditionFailedError,
  PreconditionRequiredError,
  RuleViolationError,
  BadGatewayError,
  NotConfiguredError,
} from './api-errors';

export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly fields?: readonly FieldError[];
}

interface Mapped {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers?: Readonly<Record<string, string>>;
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  411: 'length_required',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  428: 'precondition_required',
  429: 'too_many_requests',
  500: 'internal',
  502: 'bad_gateway',
  503: 'unavailable',
};

/** The typed errors, Nest's HttpExceptions and Fastify's own 4xx errors as one status and body. */
export function mapError(error: unknown): Mapped | undefined {
  if (error instanceof InvalidInputError) return { status: 400, body: { error: 'validation_failed', message: error.message, fields: error.fields } };
  if (error instanceof RuleViolationError) return { status: 422, body: { error: 'unprocessable_entity', message: error.message, fields: error.fields } };
  if (error instanceof AuthenticationError) {
    return { status: 401, body: { error: 'unauthorized', message: error.message }, headers: { 'www-authenticate': 'Bearer realm="policy-service"' } };
  }
  if (error instanceof PermissionError) return { status: 403, body: { error: 'forbidden', message: error.message } };
  if (error instanceof NotFoundError) return { status: 404, body: { error: 'not_found', message: error.message } };
  if (error instanceof ConflictError) return { status: 409, body: { error: 'conflict', message: error.message } };
  if (error instanceof PreconditionFailedError) {
    return { status: 412, body: { error: 'precondition_failed', message: error.message }, headers: { etag: `"${error.currentVersion}"` } };
  }
  if (error instanceof PreconditionRequiredError) return { status: 428, body: { error: 'precondition_required', message: error.message } };
  if (error instanceof BadGatewayError) return { status: 502, body: { error: 'bad_gateway', message: error.message } };
  if (error instanceof NotConfiguredError) return { status: 503, body: { error: 'not_configured', message: error.message } };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, body: { error: STATUS_CODES[status] ?? `http_${status}`, message: error.message } };
  }
  // Fastify's own request errors (malformed JSON, empty body, wrong content type, too large).
  const fastify = error as { statusCode?: unknown; code?: unknown; message?: unknown } | undefined;
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500 && typeof fastify.code === 'string') {
    return { status: fastify.statusCode, body: { error: STATUS_CODES[fastify.statusCode] ?? `http_${fastify.statusCode}`, message: String(fastify.message) } };
  }
  return undefined;
}

/** Where every error leaves the service: logged once with its detail, answered with a clear body. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    sendError({ error, reply, request, logger: this.logger });
  }
}

export function sendError(options: { error: unknown; reply: FastifyReply; request: FastifyRequest; logger: Logger }): void {
  const { error, reply, request, logger } = options;
  const mapped = mapError(error);
  if (mapped === undefined) {
    logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
    void reply.code(500).send({ error: 'internal', message: 'internal error; the service log has the detail' } satisfies ErrorBody);
    return;
  }
  if (mapped.status >= 500) logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
  for (const [name, value] of Object.entries(mapped.headers ?? {})) void reply.header(name, value);
  void reply.code(mapped.status).send(mapped.body);
}
