import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OverrideListView, OverrideView, SetLimitDto } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { CustomerIdPipe } from '../http/path-params';
import { REVISION_HEADER } from '../http/revision-header';
import { OverridesService } from './overrides.service';

@ApiTags('overrides')
@ApiBearerAuth()
@Controller('admin/limits')
export class AdminLimitsController {
  constructor(private readonly overrides: OverridesService) {}

  @Put()
  @Roles('editor')
  @HttpCode(200)
  @ApiOperation({ summary: "Set a customer's override: `limit` per `window` (seconds, or \"30s\", \"1m\", \"1h\", \"1d\")" })
  @ApiOkResponse({ type: OverrideView, description: 'The override; `revision` is the change enforcers apply' })
  @ApiErrors(400, 422)
  async set(@Body() input: SetLimitDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<OverrideView> {
    const view = await this.overrides.set(actor, input);
    void reply.header(REVISION_HEADER, String(view.revision));
    return view;
  }

  @Get()
  @Roles('viewer')
  @ApiOkResponse({ type: OverrideListView })
  @ApiErrors()
  async list(): Promise<OverrideListView> {
    return { items: await this.overrides.list() };
  }

  @Get(':customerId')
  @Roles('viewer')
  @ApiOkResponse({ type: OverrideView })
  @ApiErrors(400, 404)
  get(@Param('customerId', new CustomerIdPipe('customerId')) customerId: string): Promise<OverrideView> {
    return this.overrides.get(customerId);
  }

  @Delete(':customerId')
  @Roles('editor')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a customer's override" })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async remove(
    @Param('customerId', new CustomerIdPipe('customerId')) customerId: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const revision = await this.overrides.remove(actor, customerId);
    void reply.header(REVISION_HEADER, String(revision));
  }
}
