import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnalyticsTimeseriesQueryDto, AnalyticsTimeseriesView, AnalyticsTopQueryDto, AnalyticsTopView } from '@rl/contracts';
import { Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { AnalyticsService } from './analytics.service';

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('top')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'The most-throttled key hashes or customers per region and policy, by denied + shadowDenied + blocked, with blocked and degraded counts and how each estimate was made; from/to default to the last hour',
  })
  @ApiOkResponse({ type: AnalyticsTopView })
  @ApiErrors(400)
  top(@Query() query: AnalyticsTopQueryDto): Promise<AnalyticsTopView> {
    return this.analytics.top(query);
  }

  @Get('timeseries')
  @Roles('viewer')
  @ApiOperation({ summary: 'Allowed, denied, shadow-denied, blocked and degraded decisions per minute, region and policy; from/to default to the last hour' })
  @ApiOkResponse({ type: AnalyticsTimeseriesView })
  @ApiErrors(400)
  timeseries(@Query() query: AnalyticsTimeseriesQueryDto): Promise<AnalyticsTimeseriesView> {
    return this.analytics.timeseries(query);
  }
}
