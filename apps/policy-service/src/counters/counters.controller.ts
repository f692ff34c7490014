import { Body, Controller, Delete, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { CounterQueryDto, CounterStateDto, ExplainCheckDto, type CheckExplanationView, type CounterResetView, type CountersView } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { REVISION_HEADER } from '../http/revision-header';
import { CountersService } from './counters.service';
import { EnforcerClient } from './enforcer-client';

const COUNTERS_SCHEMA = {
  type: 'object',
  required: ['key', 'regions'],
  properties: {
    key: { type: 'string' },
    policyId: { type: 'string' },
    customerId: { type: 'string' },
    regions: {
      type: 'object',
      description: 'region -> its enforcer\'s state of the counter, or `{ "unreachable": true, "reason" }`',
      additionalProperties: {
        oneOf: [
          { $ref: getSchemaPath(CounterStateDto) },
          { type: 'object', required: ['unreachable', 'reason'], properties: { unreachable: { type: 'boolean', enum: [true] }, reason: { type: 'string' } } },
        ],
      },
    },
  },
};

@ApiTags('counters')
@ApiBearerAuth()
@Controller('v1/counters')
export class CountersController {
  constructor(
    private readonly counters: CountersService,
    private readonly enforcers: EnforcerClient,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary:
      "One counter's current state in every region (ENFORCER_URLS), read from each region's enforcer without consuming: `key` with `policyId`, or `customerId` " +
      "(the customer's own key under the policy matching the customer). A region that does not answer within ENFORCER_TIMEOUT_MS is `unreachable`, never zero.",
  })
  @ApiOkResponse({ schema: COUNTERS_SCHEMA })
  @ApiErrors(400, 404)
  read(@Query() query: CounterQueryDto): Promise<CountersView> {
    return this.counters.read(query);
  }

  @Delete()
  @Roles('editor')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Reset the counter in every region, with its hot-key leases and deny-cache entries: one signed `counter.reset` change per counter, audited with the caller. ' +
      "With `customerId`, the counter of each policy the regions name for the customer (502 when none answers). Answers with the control revision.",
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { resets: { type: 'array', items: { type: 'object', properties: { policyId: { type: 'string' }, key: { type: 'string' } } } }, revision: { type: 'integer' } },
    },
  })
  @ApiErrors(400, 502)
  async reset(@Query() query: CounterQueryDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<CounterResetView> {
    const result = await this.counters.reset(actor, query);
    void reply.header(REVISION_HEADER, String(result.revision));
    return result;
  }

  @Post('explain')
  @Roles('viewer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Which policy a check would get and why: the check is sent to one region's enforcer (`region`, default the first of ENFORCER_URLS) with `\"dryRun\": true`, " +
      'which answers exactly as a real check would (status, rate-limit headers, body with `matched`) and consumes nothing.',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        region: { type: 'string' },
        status: { type: 'integer', description: 'the status a real check would get: 200, 429 or 503' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        decision: { type: 'object', description: 'the enforcer\'s check body, with `dryRun: true` and `matched`' },
      },
    },
  })
  @ApiErrors(400, 422, 502)
  explain(@Body() request: ExplainCheckDto): Promise<CheckExplanationView> {
    return this.enforcers.explain(request);
  }
}
