import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { GlobalUsageQueryDto, type BadRequestResponse, type GlobalKeyUsageView, type GlobalPolicyUsageView } from '@rl/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReconcilerConfig } from '../config/reconciler-config';
import { ReconcilerService } from '../reconcile/reconciler.service';
import { usageAccessDenied } from './usage-access';
import { keyUsageView, policyUsageView } from './usage-views';

interface NotFoundResponse {
  readonly error: 'not_found';
  readonly message: string;
}

interface AccessDeniedResponse {
  readonly error: 'unauthorized' | 'forbidden';
  readonly message: string;
}

/**
 * `GET /v1/global/usage?policyId=<id>[&key=<identity>][&limitName=<name>]`: per-region usage and allocation of a
 * global policy (or of one global limit of a stacked policy) (top keys by demand) or of one key, in the current window. It shows raw
 * identities, so it needs `Authorization: Bearer <RECONCILER_API_TOKEN>`, or, with no token
 * configured, a loopback client (usageAccessDenied); the console reaches it through the policy
 * service, which sends the token. A bad query gets 400 naming the field.
 */
@Controller('v1/global')
export class UsageController {
  constructor(
    private readonly reconciler: ReconcilerService,
    private readonly config: ReconcilerConfig,
  ) {}

  @Get('usage')
  usage(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): GlobalKeyUsageView | GlobalPolicyUsageView | BadRequestResponse | NotFoundResponse | AccessDeniedResponse {
    const denied = usageAccessDenied({ authorization: request.headers.authorization, remoteAddress: request.socket.remoteAddress, token: this.config.usageApiToken });
    if (denied !== undefined) {
      reply.code(denied.status);
      if (denied.status === 401) void reply.header('www-authenticate', 'Bearer realm="reconciler"');
      return { error: denied.status === 401 ? 'unauthorized' : 'forbidden', message: denied.message };
    }
    const dto = plainToInstance(GlobalUsageQueryDto, typeof query === 'object' && query !== null && !Array.isArray(query) ? query : {});
    const errors = validateSync(dto, { stopAtFirstError: true, validationError: { target: false, value: false } });
    if (errors.length > 0) {
      reply.code(400);
      const first = errors[0];
      return { error: 'bad_request', field: first.property, message: `${first.property} ${Object.values(first.constraints ?? {})[0] ?? 'is invalid'}` };
    }
    const book = this.reconciler.quotaBook();
    const nowMs = this.reconciler.clock();
    const window = book.currentWindow(dto.policyId, nowMs, dto.limitName);
    if (window === undefined) {
      reply.code(404);
      const what = dto.limitName === undefined ? `global policy ${dto.policyId}` : `global limit ${dto.limitName} of policy ${dto.policyId}`;
      return { error: 'not_found', message: `no usage of ${what} in its current window` };
    }
    if (dto.key === undefined) return policyUsageView({ book, window, nowMs });
    const key = window.keys.get(dto.key);
    if (key === undefined) {
      reply.code(404);
      return { error: 'not_found', message: `no usage of key ${dto.key} under global policy ${dto.policyId} in its current window` };
    }
    return keyUsageView({ book, window, key, nowMs, leader: this.reconciler.status().leader });
  }
}
