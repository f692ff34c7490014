import AjvCompiler, { type Ajv } from '@fastify/ajv-compiler';
import {
  ACQUIRE_RESPONSE_SCHEMA,
  CHECK_REQUEST_SCHEMA,
  CHECK_RESPONSE_SCHEMA,
  RELEASE_FIELD_RULES,
  RELEASE_REQUEST_SCHEMA,
  SETTLE_FIELD_RULES,
  SETTLE_REQUEST_SCHEMA,
  SETTLE_RESPONSE_SCHEMA,
  type CheckRequest,
  type ReleaseRequest,
  type SettleRequest,
} from '@rl/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';
import type { Logger } from 'pino';
import { fromRequestError, fromValidationError } from './bad-request';
import type { CheckService } from './check.service';
import type { AcquireService } from '../concurrency/acquire.service';
import type { SettleService } from './settle.service';

export interface CheckPluginOptions {
  /** Decides, and notes each decision (latency, automatic blocks, decision events). */
  readonly service: CheckService;
  /** `POST /v1/settle`. */
  readonly settle: SettleService;
  /** `POST /v1/acquire` and `POST /v1/release`. */
  readonly concurrency: AcquireService;
  readonly logger: Logger;
  /** Largest accepted body in bytes. */
  readonly bodyLimit: number;
}

/**
 * Ajv options of this plugin's schemas. Fastify's defaults would coerce `"5"` to 5 and silently
 * drop unknown fields; a check body must instead be exactly right or get a 400.
 */
const STRICT_AJV = { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } as const;

/** Fastify's own Ajv-based validator compiler, with STRICT_AJV. */
function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  let ajv: Ajv | undefined;
  AjvCompiler()({}, { customOptions: STRICT_AJV, onCreate: (created) => (ajv = created) });
  const compiler = ajv;
  if (compiler === undefined) throw new Error('@fastify/ajv-compiler did not create an Ajv instance');
  return ({ schema }) => compiler.compile(schema as object);
}

/**
 * `POST /v1/check`, `/v1/settle`, `/v1/acquire` and `/v1/release` as an encapsulated Fastify plugin, off Nest's request pipeline (no guards,
 * pipes or interceptors: they cost throughput). It owns, for its routes only:
 * - the content-type parser: `application/json` alone, size-limited, with Fastify's
 *   prototype-poisoning-safe JSON parser;
 * - JSON-schema validation of the body (CHECK_REQUEST_SCHEMA) and a precompiled serializer;
 * - the error handler: every malformed request gets 400 `{ error, field, message }` before any
 *   counter is touched; anything else is logged and gets 500.
 */
export async function checkPlugin(instance: FastifyInstance, options: CheckPluginOptions): Promise<void> {
  const { service, settle, concurrency, logger, bodyLimit } = options;
  const fieldRules: Readonly<Record<string, Readonly<Record<string, string>>>> = { '/v1/settle': SETTLE_FIELD_RULES, '/v1/release': RELEASE_FIELD_RULES };

  instance.setValidatorCompiler(strictValidatorCompiler());
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, instance.getDefaultJsonParser('error', 'error'));

  instance.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation !== undefined && error.validation.length > 0) {
      return reply.code(400).send(fromValidationError(error.validation[0], fieldRules[request.routeOptions.url ?? '']));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(400).send(fromRequestError(error, bodyLimit));
    }
    logger.error({ err: error, url: request.url }, 'check failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  const check = { body: CHECK_REQUEST_SCHEMA, response: { 200: CHECK_RESPONSE_SCHEMA, 429: CHECK_RESPONSE_SCHEMA, 503: CHECK_RESPONSE_SCHEMA } };
  answerRoute<CheckRequest>(instance, { url: '/v1/check', schema: check, answer: (body) => service.check(body) });
  answerRoute<SettleRequest>(instance, { url: '/v1/settle', schema: { body: SETTLE_REQUEST_SCHEMA, response: { 200: SETTLE_RESPONSE_SCHEMA } }, answer: (body) => settle.settle(body) });
  const acquire = { body: CHECK_REQUEST_SCHEMA, response: { 200: ACQUIRE_RESPONSE_SCHEMA, 429: ACQUIRE_RESPONSE_SCHEMA, 503: ACQUIRE_RESPONSE_SCHEMA } };
  answerRoute<CheckRequest>(instance, { url: '/v1/acquire', schema: acquire, answer: (body) => concurrency.acquire(body) });
  answerRoute<ReleaseRequest>(instance, { url: '/v1/release', schema: { body: RELEASE_REQUEST_SCHEMA }, answer: (body) => concurrency.release(body) });
}

/** A POST route whose body is validated by `schema.body` and answered by `answer`'s status, headers and body. */
function answerRoute<B>(
  instance: FastifyInstance,
  route: { url: string; schema: FastifySchema; answer: (body: B) => Promise<{ readonly statusCode: number; readonly headers: Record<string, string>; readonly body: unknown }> },
): void {
  instance.post(route.url, {
    schema: route.schema,
    handler: async (request, reply) => {
      // The body passed schema.body before any handler runs.
      const result = await route.answer(request.body as B);
      return reply.code(result.statusCode).headers(result.headers).send(result.body);
    },
  });
}
