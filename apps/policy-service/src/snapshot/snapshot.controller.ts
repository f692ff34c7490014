import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SnapshotView, type PolicySnapshot } from '@rl/contracts';
import { Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { SnapshotService } from './snapshot.service';

/** `GET /v1/policies/snapshot`: a static route, so it is never taken for the policy id "snapshot" (a reserved id). */
@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class SnapshotController {
  constructor(private readonly snapshots: SnapshotService) {}

  @Get('snapshot')
  @Roles('viewer', 'enforcer')
  @ApiOperation({ summary: 'Everything enforcers need, as of one control revision; later changes arrive on NATS as revision + 1, ...' })
  @ApiOkResponse({ type: SnapshotView })
  @ApiErrors()
  snapshot(): Promise<PolicySnapshot> {
    return this.snapshots.snapshot();
  }
}
