import { Controller, Post, Query, Req, Res, UnsupportedMediaTypeException } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EnvoyImportQueryDto, EnvoyImportView } from '@rl/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { REVISION_HEADER } from '../http/revision-header';
import { YAML_MEDIA_TYPES } from './yaml-body';
import { EnvoyImportsService, type EnvoyImportResult } from './envoy-imports.service';

@ApiTags('imports')
@ApiBearerAuth()
@Controller('v1/imports')
export class EnvoyImportsController {
  constructor(private readonly imports: EnvoyImportsService) {}

  @Post('envoy-ratelimit')
  @Roles('editor')
  @ApiOperation({
    summary: "Import one envoyproxy/ratelimit configuration file (one domain) as policies; re-importing a domain replaces its policies in one revision",
    description:
      'The body is the YAML file, unchanged. Each descriptor becomes a policy (`match.envoy`, `envoy`); gRPC ShouldRateLimit requests of the domain are then decided by those rules in every region. A bad file answers 422 with the path inside the file of each problem, in envoyproxy/ratelimit\'s words.',
  })
  @ApiConsumes(...YAML_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', example: 'domain: edge\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: second, requests_per_unit: 10 }\n' } })
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'], description: 'true: answer the plan and change nothing' })
  @ApiCreatedResponse({ type: EnvoyImportView, description: 'The import changed the domain: the plan it carried out and its revision' })
  @ApiOkResponse({ type: EnvoyImportView, description: 'A dry run, or a file the domain already holds: the plan, nothing written' })
  @ApiErrors(400, 409, 415, 422)
  async importEnvoy(
    @Req() request: FastifyRequest,
    @Query() query: EnvoyImportQueryDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnvoyImportResult> {
    const body = request.body;
    if (typeof body !== 'string' || !YAML_MEDIA_TYPES.some((type) => mediaTypeOf(request.headers['content-type']) === type)) {
      throw new UnsupportedMediaTypeException(`the body must be the YAML file, sent as ${YAML_MEDIA_TYPES.join(', ')}`);
    }
    const result = await this.imports.import(actor, { text: body, dryRun: query.dryRun === 'true' });
    if (result.revision !== undefined) {
      void reply.header(REVISION_HEADER, String(result.revision));
      void reply.code(201);
    } else {
      void reply.code(200);
    }
    return result;
  }
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0].trim().toLowerCase();
}
