import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyListView, CreateApiKeyDto, CreatedApiKeyView } from '@rl/contracts';
import { ApiErrors } from '../http/api-errors.decorator';
import { UuidPipe } from '../http/path-params';
import { Roles } from './access.decorator';
import { ApiKeysService } from './api-keys.service';
import { CurrentActor, type Actor } from './principal';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key; the response is the only place its token ever appears' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  @ApiErrors(400)
  create(@Body() input: CreateApiKeyDto, @CurrentActor() actor: Actor): Promise<CreatedApiKeyView> {
    return this.apiKeys.create(actor, input);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyListView })
  @ApiErrors()
  async list(): Promise<ApiKeyListView> {
    return { items: await this.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (the last active admin key cannot be revoked)' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404, 409)
  async revoke(@Param('id', new UuidPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.apiKeys.revoke(actor, id);
  }
}
