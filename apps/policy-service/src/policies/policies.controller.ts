import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreatePolicyDto, PolicyListView, PolicyVersionListView, PolicyVersionView, PolicyView, ReplacePolicyDto, RollbackPolicyDto, type Policy } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { etagOf } from '../http/if-match';
import { PolicyIdPipe, VersionPipe } from '../http/path-params';
import { REVISION_HEADER } from '../http/revision-header';
import { PoliciesService } from './policies.service';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'List the current version of every policy' })
  @ApiOkResponse({ type: PolicyListView })
  @ApiErrors()
  async list(): Promise<PolicyListView> {
    return { items: await this.policies.list() };
  }

  @Post()
  @Roles('editor')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a policy (version 1)' })
  @ApiCreatedResponse({ type: PolicyView, description: 'The stored policy; `ETag` is its version' })
  @ApiErrors(400, 409, 422)
  async create(@Body() input: CreatePolicyDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<Policy> {
    const { policy, revision } = await this.policies.create(actor, input);
    void reply.header('location', `/v1/policies/${policy.id}`);
    return withHeaders(reply, policy, revision);
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'The current version of a policy' })
  @ApiOkResponse({ type: PolicyView, description: '`ETag` is the version, for `If-Match`' })
  @ApiErrors(400, 404)
  async get(@Param('id', new PolicyIdPipe()) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Policy> {
    const policy = await this.policies.get(id);
    void reply.header('etag', etagOf(policy.version));
    return policy;
  }

  @Put(':id')
  @Roles('editor')
  @ApiOperation({ summary: 'Replace a policy: a new version. Needs If-Match with the version being replaced' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version being replaced: `3`, `"3"` or `*`' })
  @ApiOkResponse({ type: PolicyView })
  @ApiErrors(400, 404, 412, 422, 428)
  async replace(
    @Param('id', new PolicyIdPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() input: ReplacePolicyDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Policy> {
    const { policy, revision } = await this.policies.replace(actor, { id, ifMatch, input });
    return withHeaders(reply, policy, revision);
  }

  @Delete(':id')
  @Roles('editor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a policy; its history stays readable' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'When given, the delete happens only at this version' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404, 412)
  async remove(
    @Param('id', new PolicyIdPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const revision = await this.policies.remove(actor, { id, ifMatch });
    void reply.header(REVISION_HEADER, String(revision));
  }

  @Get(':id/versions')
  @Roles('viewer')
  @ApiOperation({ summary: "A policy's version history, oldest first" })
  @ApiOkResponse({ type: PolicyVersionListView })
  @ApiErrors(400, 404)
  async versions(@Param('id', new PolicyIdPipe()) id: string): Promise<PolicyVersionListView> {
    return { id, items: await this.policies.versions(id) };
  }

  @Get(':id/versions/:version')
  @Roles('viewer')
  @ApiOperation({ summary: 'One version of a policy' })
  @ApiOkResponse({ type: PolicyVersionView })
  @ApiErrors(400, 404)
  version(@Param('id', new PolicyIdPipe()) id: string, @Param('version', new VersionPipe()) version: number): Promise<PolicyVersionView> {
    return this.policies.version(id, version);
  }

  @Post(':id/rollback')
  @Roles('editor')
  @HttpCode(200)
  @ApiOperation({ summary: 'Make the content of an earlier version the newest version' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'When given, the rollback happens only at this version' })
  @ApiOkResponse({ type: PolicyView })
  @ApiErrors(400, 404, 412, 422)
  async rollback(
    @Param('id', new PolicyIdPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() input: RollbackPolicyDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Policy> {
    const { policy, revision } = await this.policies.rollback(actor, { id, ifMatch, toVersion: input.version });
    return withHeaders(reply, policy, revision);
  }
}

function withHeaders(reply: FastifyReply, policy: Policy, revision: number): Policy {
  void reply.header('etag', etagOf(policy.version));
  void reply.header(REVISION_HEADER, String(revision));
  return policy;
}
