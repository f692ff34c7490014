import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditPageView, AuditQueryDto } from '@rl/contracts';
import { Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary: 'The audit log, newest first, filtered by entity, entityId, actor, since and until; pass `nextBefore` as `before` for the next page',
  })
  @ApiOkResponse({ type: AuditPageView })
  @ApiErrors(400)
  page(@Query() query: AuditQueryDto): Promise<AuditPageView> {
    return this.audit.page(query);
  }
}
