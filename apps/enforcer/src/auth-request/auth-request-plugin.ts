import { CHECK_RESPONSE_SCHEMA } from '@rl/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { CheckService } from '../check/check.service';
import { parseAuthRequestHeaders } from './auth-request-headers';

export interface AuthRequestPluginOptions {
  /** Decides, and notes each decision (automatic blocks, decision events) as for `POST /v1/check`. */
  readonly service: CheckService;
  readonly logger: Logger;
}

/** The 400 body: which header is wrong and why (BadRequestResponse). */
const BAD_REQUEST_SCHEMA = {
  type: 'object',
  required: ['error', 'field', 'message'],
  properties: { error: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } },
} as const;

/** Where gateways send their bodiless authorisation subrequests (nginx `auth_request`). */
export const AUTH_REQUEST_PATH = '/v1/auth';

/**
 * `GET /v1/auth`: the decision of `POST /v1/check` for a gateway that can only send a bodiless
 * subrequest and read its status, such as nginx's `auth_request`. The identity comes from headers
 * (see AUTH_HEADERS); the decision is made by the same CheckService, so blocks, policies, failure
 * modes and degraded answers are exactly those of `/v1/check`.
 *
 * Answers:
 * - **204** allowed (also a shadow policy's would-be denial), no body;
 * - **429** denied or blocked, with `Retry-After`;
 * - **503** the store is down and the policy fails closed, with `Retry-After`;
 * - **400** `{ error, field, message }` naming the bad header; nothing is counted.
 *
 * Every decision carries the `X-RateLimit-*`, `RateLimit` and `RateLimit-Policy` headers of the
 * contract; 429 and 503 carry the check response body as JSON as well (auth_request ignores it,
 * other callers may read it). HEAD is not exposed: it would count as a request.
 */
export async function authRequestPlugin(instance: FastifyInstance, options: AuthRequestPluginOptions): Promise<void> {
  const { service, logger } = options;

  instance.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    logger.error({ err: error, url: request.url }, 'auth request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  instance.get(AUTH_REQUEST_PATH, {
    exposeHeadRoute: false,
    schema: { response: { 204: { type: 'null' }, 400: BAD_REQUEST_SCHEMA, 429: CHECK_RESPONSE_SCHEMA, 503: CHECK_RESPONSE_SCHEMA } },
    handler: async (request, reply) => {
      const parsed = parseAuthRequestHeaders(request.headers);
      if (!parsed.ok) return reply.code(400).send(parsed.error);
      const result = await service.check(parsed.request);
      reply.headers(result.headers);
      if (result.statusCode === 200) return reply.code(204).send();
      return reply.code(result.statusCode).send(result.body);
    },
  });
}
