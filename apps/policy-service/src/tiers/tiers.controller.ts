import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateTierDto, ReplaceTierDto, TierListView, TierView } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { TierIdPipe } from './tier-id.pipe';
import { TiersService } from './tiers.service';

@ApiTags('tiers')
@ApiBearerAuth()
@Controller('v1/tiers')
export class TiersController {
  constructor(private readonly tiers: TiersService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Every tier with its customer count and the policies that match it' })
  @ApiOkResponse({ type: TierListView })
  @ApiErrors()
  async list(): Promise<TierListView> {
    return { items: await this.tiers.list() };
  }

  @Post()
  @Roles('editor')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a tier' })
  @ApiCreatedResponse({ type: TierView })
  @ApiErrors(400, 409)
  async create(@Body() input: CreateTierDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<TierView> {
    const tier = await this.tiers.create(actor, { id: input.id, description: input.description });
    void reply.header('location', `/v1/tiers/${encodeURIComponent(tier.id)}`);
    return tier;
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({ type: TierView })
  @ApiErrors(400, 404)
  get(@Param('id', new TierIdPipe()) id: string): Promise<TierView> {
    return this.tiers.get(id);
  }

  @Put(':id')
  @Roles('editor')
  @ApiOperation({ summary: "Create a tier or replace its description" })
  @ApiOkResponse({ type: TierView })
  @ApiErrors(400)
  replace(@Param('id', new TierIdPipe()) id: string, @Body() input: ReplaceTierDto, @CurrentActor() actor: Actor): Promise<TierView> {
    return this.tiers.replace(actor, { id, description: input.description });
  }

  @Delete(':id')
  @Roles('editor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a tier no customer or policy uses (409 naming how many do)' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404, 409)
  async remove(@Param('id', new TierIdPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.tiers.remove(actor, id);
  }
}
