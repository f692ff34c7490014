import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WhoAmIView } from '@rl/contracts';
import { Roles } from '../auth/access.decorator';
import type { AuthenticatedRequest } from '../auth/principal';
import { AuthenticationError } from '../errors/api-errors';
import { ApiErrors } from '../http/api-errors.decorator';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/whoami')
export class WhoAmIController {
  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'The API key this request authenticated with: its id, name and role (the console shows only what the role may do)' })
  @ApiOkResponse({ type: WhoAmIView })
  @ApiErrors()
  whoami(@Req() request: AuthenticatedRequest): WhoAmIView {
    const principal = request.principal;
    if (principal === undefined) throw new AuthenticationError('not authenticated');
    return { keyId: principal.keyId, name: principal.name, role: principal.role };
  }
}
