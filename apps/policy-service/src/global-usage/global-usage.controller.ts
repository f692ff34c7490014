import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { GlobalKeyUsageView, GlobalPolicyUsageView, GlobalUsageQueryDto } from '@rl/contracts';
import { Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { ReconcilerClient } from './reconciler-client';

@ApiTags('global limits')
@ApiBearerAuth()
@ApiExtraModels(GlobalKeyUsageView, GlobalPolicyUsageView)
@Controller('v1/global-usage')
export class GlobalUsageController {
  constructor(private readonly reconciler: ReconcilerClient) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary:
      "A global policy's usage against each region's allocation in the current window, from the reconciler (RECONCILER_URL): " +
      'one key with `key`, the top 50 keys by demand without',
  })
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(GlobalKeyUsageView) }, { $ref: getSchemaPath(GlobalPolicyUsageView) }] } })
  @ApiErrors(400, 404, 502)
  usage(@Query() query: GlobalUsageQueryDto): Promise<GlobalKeyUsageView | GlobalPolicyUsageView> {
    return this.reconciler.usage(query);
  }
}
