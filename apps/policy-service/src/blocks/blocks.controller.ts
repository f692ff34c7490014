import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BlockListView, BlockView, CreateBlockDto } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/access.decorator';
import { CurrentActor, type Actor } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { UuidPipe } from '../http/path-params';
import { REVISION_HEADER } from '../http/revision-header';
import { BlocksService } from './blocks.service';

@ApiTags('blocks')
@ApiBearerAuth()
@Controller('v1/blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Post()
  @Roles('editor')
  @HttpCode(201)
  @ApiOperation({ summary: 'Block a key, customer, IP or CIDR range for `ttlSeconds` (1 s to 30 days); enforcers answer 429 `blocked`' })
  @ApiCreatedResponse({ type: BlockView })
  @ApiErrors(400, 422)
  async add(@Body() input: CreateBlockDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<BlockView> {
    const { revision, ...view } = await this.blocks.add(actor, input);
    void reply.header(REVISION_HEADER, String(revision));
    void reply.header('location', `/v1/blocks/${view.id}`);
    return view;
  }

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'The active blocks, operator and automatic' })
  @ApiOkResponse({ type: BlockListView })
  @ApiErrors()
  async list(): Promise<BlockListView> {
    return { items: await this.blocks.list() };
  }

  @Delete(':id')
  @Roles('editor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a block' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async remove(@Param('id', new UuidPipe()) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const revision = await this.blocks.remove(actor, id);
    void reply.header(REVISION_HEADER, String(revision));
  }
}
